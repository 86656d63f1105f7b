/**
 * VeRA's activation coefficients for the memory planner (src/engine/train/memory-plan.ts):
 * fitted by scripts/lib/bench/memory-fit.py to scripts/lib/bench/memory-calibration.jsonl; not edited by hand.
 */
import type { MemoryCoefficients } from '../common/memory-coefficients';

export const memoryCoefficients: MemoryCoefficients = {
  gpt2: {
    false: { features: [62.08, 9.447, 0.7137, -19.86, 2.13, -4.239, 283.3, 154.2, 0.03541, 14.9, 2.017], perGradient: 0 },
    true: { features: [0, 0, 0, 48.97, 1.974, -2.772, 85.63, 1793, 0.01602, 23.81, 3.332], perGradient: 0 },
  },
  vit: {
    false: { features: [54.5, 13.91, 0, -0.1123, 71.31, 1.998, 100, 651.2, 0.09073, 0, 5.712], perGradient: 0 },
    true: { features: [0, 0, 0, 56.14, 119.3, 2.06, 112.2, 684.3, 0.06881, 14.29, 5.642], perGradient: 0 },
  },
};
