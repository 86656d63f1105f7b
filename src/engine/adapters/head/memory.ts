/**
 * Head-only's activation coefficients for the memory planner (src/engine/train/memory-plan.ts):
 * fitted by scripts/lib/bench/memory-fit.py to scripts/lib/bench/memory-calibration.jsonl; not edited by hand.
 */
import type { MemoryCoefficients } from '../common/memory-coefficients';

export const memoryCoefficients: MemoryCoefficients = {
  gpt2: {
    false: { features: [16.83, 3.243, 0.8422, 5.015, 1.683, -9.949, 141.7, -571.4, 0.1524, 4.351, 3.59], perGradient: 0 },
    true: { features: [0, 0, 0, 12.37, 0.6239, -0.9045, 15.69, 2009, 0.03652, 7.709, 2.963], perGradient: 0 },
  },
  vit: {
    false: { features: [13.21, 4.974, 0.9837, 16.6, 0, 1.94, -0.06329, 87.65, -0.004365, 0.1055, 0.3271], perGradient: 0 },
    true: { features: [0, 0.1519, 0, 11.22, 0, 2.162, -39.5, 205.1, 0.04187, 5.399, 2.584], perGradient: 0 },
  },
};
