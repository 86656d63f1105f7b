/**
 * LoRA's activation coefficients for the memory planner (src/engine/train/memory-plan.ts):
 * fitted by scripts/lib/bench/memory-fit.py to scripts/lib/bench/memory-calibration.jsonl; not edited by hand.
 */
import type { MemoryCoefficients } from '../common/memory-coefficients';

export const memoryCoefficients: MemoryCoefficients = {
  gpt2: {
    false: { features: [32.42, 3.91, 0, -4.51, 2.352, -6.088, 294.3, 928.6, 0.1708, 15.19, 2.936], perGradient: 0 },
    true: { features: [0, 0, 0, 32.45, 2.201, -4.662, 214.3, 1604, 0.1622, 18.92, 2.567], perGradient: 0 },
  },
  vit: {
    false: { features: [29.42, 9.414, 0, 14.52, 38.05, 2.14, -386.9, 1.833e+04, 0.01748, 0, 5.254], perGradient: 0 },
    true: { features: [0, 3.764, 0, 51.81, 121, 1.978, -303.3, 1.574e+04, 0.02615, 4.101, 4.781], perGradient: 0 },
  },
};
