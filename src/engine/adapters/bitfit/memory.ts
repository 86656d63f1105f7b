/**
 * BitFit's activation coefficients for the memory planner (src/engine/train/memory-plan.ts):
 * fitted by scripts/lib/bench/memory-fit.py to scripts/lib/bench/memory-calibration.jsonl; not edited by hand.
 */
import type { MemoryCoefficients } from '../common/memory-coefficients';

export const memoryCoefficients: MemoryCoefficients = {
  gpt2: {
    false: { features: [41.01, 4.174, 0.7953, -15.74, 1.95, -0.6566, 31, 1090, 0.02289, 16.67, 2.053], perGradient: 0 },
    true: { features: [0, 0, 0.3754, 30.67, 2.044, -6.676, 73.45, 512.9, 0.03404, 20.09, 2.001], perGradient: 0 },
  },
  vit: {
    false: { features: [21.18, 9.065, 0.83, 21.33, 53.25, 2.263, -40.58, -127.5, 0.07677, 0, 3.408], perGradient: 0 },
    true: { features: [0, 0.3915, 0, 33.53, 35.25, 2.259, -55.35, 13.54, 0.0587, 11.72, 4.538], perGradient: 0 },
  },
};
