/**
 * (IA)³'s activation coefficients for the memory planner (src/engine/train/memory-plan.ts):
 * fitted by scripts/lib/bench/memory-fit.py to scripts/lib/bench/memory-calibration.jsonl; not edited by hand.
 */
import type { MemoryCoefficients } from '../common/memory-coefficients';

export const memoryCoefficients: MemoryCoefficients = {
  gpt2: {
    false: { features: [50.36, 6.086, 0.5827, -18.99, 2.065, -2.216, 56.94, 842.7, 0.0313, 15.54, 2.439], perGradient: 0 },
    true: { features: [0, 0, 0, 36.7, 2.049, -4.093, 51.78, 749.5, 0.03121, 20.83, 3.273], perGradient: 0 },
  },
  vit: {
    false: { features: [34.79, 11.17, 0, 8.95, 31.48, 2.208, -125.9, 1172, 0.08164, 0, 5.21], perGradient: 0 },
    true: { features: [0, 0.6899, 0, 39.13, 84.3, 2.166, -47.13, -545.6, 0.1132, 11.58, 5.552], perGradient: 0 },
  },
};
