/**
 * Full fine-tuning's activation coefficients for the memory planner (src/engine/train/memory-plan.ts):
 * fitted by scripts/lib/bench/memory-fit.py to scripts/lib/bench/memory-calibration.jsonl; not edited by hand.
 */
import type { MemoryCoefficients } from '../common/memory-coefficients';

export const memoryCoefficients: MemoryCoefficients = {
  gpt2: {
    false: { features: [40.38, 4.1, 0.5419, -15.12, 2.057, -2.052, 56.61, 859.2, 0.03144, 16.52, 2.568], perGradient: 0.719 },
    true: { features: [0, 0, 0, 30.68, 2.043, -3.968, 53.13, 740.7, 0.03234, 19.81, 3.292], perGradient: 0.74 },
  },
  vit: {
    false: { features: [23.72, 9.322, 0, 18.77, 51.83, 2.037, -102.8, 628.9, 0.06793, 0, 4.438], perGradient: 0.565 },
    true: { features: [0, 0.5988, 0, 28, 39.09, 2.341, -26.22, 110.9, 0.113, 11.76, 5.445], perGradient: 0.466 },
  },
};
