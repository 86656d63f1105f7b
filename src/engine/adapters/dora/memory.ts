/**
 * DoRA's activation coefficients for the memory planner (src/engine/train/memory-plan.ts):
 * fitted by scripts/lib/bench/memory-fit.py to scripts/lib/bench/memory-calibration.jsonl; not edited by hand.
 */
import type { MemoryCoefficients } from '../common/memory-coefficients';

export const memoryCoefficients: MemoryCoefficients = {
  gpt2: {
    false: { features: [45.14, 0.3845, 1.788, -32.53, 1.575, 11.14, 479.2, -2427, 0.5282, 20.77, 0], perGradient: 0 },
    true: { features: [0, 0, 0, 27.5, 1.854, 17.34, 208.8, 1706, 0.3526, 19.24, 1.662], perGradient: 0 },
  },
  vit: {
    false: { features: [0, 8.979, 2.268, 19.49, 149.7, 0.7016, 386.2, -6183, 1.4, 1.969, 3.176], perGradient: 0 },
    true: { features: [0, 0, 0.02386, 28.77, 83.04, 1.291, 5.734, 6066, 0.4976, 13.01, 4.884], perGradient: 0 },
  },
};
