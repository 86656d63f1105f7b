/**
 * WeGeFT's activation coefficients for the memory planner (src/engine/train/memory-plan.ts):
 * fitted by scripts/lib/bench/memory-fit.py to scripts/lib/bench/memory-calibration.jsonl; not edited by hand.
 */
import type { MemoryCoefficients } from '../common/memory-coefficients';

export const memoryCoefficients: MemoryCoefficients = {
  gpt2: {
    false: { features: [32.12, 4.635, 0, -4.21, 2.112, -3.65, 232.5, 3878, 0.178, 14.84, 3.067], perGradient: 0 },
    true: { features: [0.6401, 0, 0, 29.48, 2.081, -4.746, 227.8, 4091, 0.2139, 19.24, 2.364], perGradient: 0 },
  },
  vit: {
    false: { features: [18.69, 7.807, 0.602, 27.3, 31.59, 2.498, 161.1, 3341, 0.211, 0, 3.325], perGradient: 0 },
    true: { features: [0, 0.1378, 0, 42.05, 122.2, 2.212, 98.83, 5314, 0.2766, 8.99, 4.038], perGradient: 0 },
  },
};
