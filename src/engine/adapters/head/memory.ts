/**
 * Head-only's activation coefficients for the memory planner (src/engine/train/memory-plan.ts):
 * fitted by scripts/lib/bench/memory-fit.py to scripts/lib/bench/memory-calibration.jsonl; not edited by hand.
 */
import type { MemoryCoefficients } from '../common/memory-coefficients';

export const memoryCoefficients: MemoryCoefficients = {
  gpt2: {
    false: { features: [4.633, 5.916, 2.392, 32.81, 2.047, 0, 0, 0, 0, 0, 0], perGradient: 0 },
    true: { features: [0, 0, 0, 30.68, 2.043, -3.968, 53.13, 740.7, 0.03234, 19.81, 3.292], perGradient: -48.7 },
  },
  vit: {
    false: { features: [10.51, 5.533, 1.025, 22.32, 51.21, 0, 0, 0, 0, 0, 0], perGradient: 0 },
    true: { features: [0, 1.045, 0.9655, 32.75, 15.92, 0, 0, 0, 0, 0, 0], perGradient: 0 },
  },
};
