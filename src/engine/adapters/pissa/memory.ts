/**
 * PiSSA's activation coefficients for the memory planner (src/engine/train/memory-plan.ts):
 * fitted by scripts/lib/bench/memory-fit.py to scripts/lib/bench/memory-calibration.jsonl; not edited by hand.
 */
import type { MemoryCoefficients } from '../common/memory-coefficients';

export const memoryCoefficients: MemoryCoefficients = {
  gpt2: {
    false: { features: [50.53, 8.853, 0, -17.31, 2.133, -4.281, 417.7, 588.2, 0.1637, 14.39, 2.748], perGradient: 0 },
    true: { features: [1.633, 0, 0, 34.4, 2, -2.376, 241.3, 2616, 0.2031, 23.11, 2.534], perGradient: 0 },
  },
  vit: {
    false: { features: [41.69, 11.45, 0.5795, 7.152, 52.86, 2.685, 390.4, 1027, 0.1942, 0, 3.948], perGradient: 0 },
    true: { features: [0, 0.08356, 0, 49.56, 145.3, 2.099, 113.8, 4967, 0.2658, 12.7, 4.762], perGradient: 0 },
  },
};
