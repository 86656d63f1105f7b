/**
 * Full fine-tuning's activation coefficients for the memory planner (src/engine/train/memory-plan.ts):
 * fitted by scripts/lib/bench/memory-fit.py to scripts/lib/bench/memory-calibration.jsonl; not edited by hand.
 */
import type { MemoryCoefficients } from '../common/memory-coefficients';

export const memoryCoefficients: MemoryCoefficients = {
  gpt2: {
    false: { features: [48.4, 0, 0, -37.49, 6.427, -28.09, 224.7, -2658, 1.411, 18.51, 0.2484], perGradient: 0 },
    true: { features: [3.842, 0, 0, 20.71, 2.502, 7.982, 39.38, -48.03, 0.9115, 19.23, 3.443], perGradient: 0 },
  },
  vit: {
    false: { features: [15.82, 8.579, 1.315, 14.4, 129.4, 2.685, 67.51, -4447, 1.432, 0, 3.906], perGradient: 0 },
    true: { features: [0, 0.4764, 0, 23.59, 60.48, 4.109, -51.19, 3416, 1.066, 10.46, 5.461], perGradient: 0 },
  },
};
