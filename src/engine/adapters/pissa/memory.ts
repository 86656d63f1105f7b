/**
 * PiSSA's activation coefficients for the memory planner (src/engine/train/memory-plan.ts):
 * fitted by scripts/lib/bench/memory-fit.py to scripts/lib/bench/memory-calibration.jsonl; not edited by hand.
 */
import type { MemoryCoefficients } from '../common/memory-coefficients';

export const memoryCoefficients: MemoryCoefficients = {
  gpt2: {
    false: { features: [48.84, 8.386, 0.03428, -14.03, 2.443, -8.683, 453.7, 118, 0.1755, 14.35, 2.69], perGradient: 0 },
    true: { features: [0, 0, 0, 38.98, 2.162, -3.634, 229.9, 2195, 0.155, 23.02, 2.592], perGradient: 0 },
  },
  vit: {
    false: { features: [49.73, 12.46, 0, 1.041, 52.91, 2.081, 32.61, 6883, 0.1115, 0, 5.242], perGradient: 0 },
    true: { features: [0, 1.64, 0, 54.09, 130.4, 2.03, 24.18, 6921, 0.1577, 10.37, 5.21], perGradient: 0 },
  },
};
