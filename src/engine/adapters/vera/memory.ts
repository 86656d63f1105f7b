/**
 * VeRA's activation coefficients for the memory planner (src/engine/train/memory-plan.ts):
 * fitted by scripts/lib/bench/memory-fit.py to scripts/lib/bench/memory-calibration.jsonl; not edited by hand.
 */
import type { MemoryCoefficients } from '../common/memory-coefficients';

export const memoryCoefficients: MemoryCoefficients = {
  gpt2: {
    false: { features: [62, 9.673, 0.8472, -19.69, 2.042, -3.344, 276.7, 183.1, 0.02833, 14.82, 1.641], perGradient: 0 },
    true: { features: [0.3025, 0, 0.08205, 48.1, 2.009, -6.003, 88.25, 1864, 0.0258, 23.99, 3.076], perGradient: 0 },
  },
  vit: {
    false: { features: [49.25, 13.3, 0.9413, 3.174, 68.98, 2.503, 303.6, -1289, 0.1372, 0, 4.363], perGradient: 0 },
    true: { features: [0, 0.3182, 0, 62.42, 128.2, 1.835, -13.37, 1144, 0.01575, 13.86, 5.11], perGradient: 0 },
  },
};
