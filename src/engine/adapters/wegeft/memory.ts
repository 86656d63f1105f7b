/**
 * WeGeFT's activation coefficients for the memory planner (src/engine/train/memory-plan.ts):
 * fitted by scripts/lib/bench/memory-fit.py to scripts/lib/bench/memory-calibration.jsonl; not edited by hand.
 */
import type { MemoryCoefficients } from '../common/memory-coefficients';

export const memoryCoefficients: MemoryCoefficients = {
  gpt2: {
    false: { features: [30.79, 4.322, 0, -1.385, 2.335, -6.584, 248.8, 3601, 0.1835, 14.75, 3.159], perGradient: 0 },
    true: { features: [0, 0, 0, 32.68, 2.158, -4.172, 167.4, 4418, 0.1768, 19.1, 2.864], perGradient: 0 },
  },
  vit: {
    false: { features: [27.8, 9.195, 0, 16.7, 38.35, 2.082, -316.3, 1.682e+04, 0.1036, 0, 4.943], perGradient: 0 },
    true: { features: [0, 3.162, 0, 49.86, 118.8, 1.956, -239.4, 1.43e+04, 0.1172, 5.031, 4.66], perGradient: 0 },
  },
};
