/**
 * (IA)³'s activation coefficients for the memory planner (src/engine/train/memory-plan.ts):
 * fitted by scripts/lib/bench/memory-fit.py to scripts/lib/bench/memory-calibration.jsonl; not edited by hand.
 */
import type { MemoryCoefficients } from '../common/memory-coefficients';

export const memoryCoefficients: MemoryCoefficients = {
  gpt2: {
    false: { features: [51.01, 6.178, 0.797, -19.68, 1.956, -0.723, 30.31, 1091, 0.02256, 15.67, 2.029], perGradient: 0 },
    true: { features: [0, 0, 0.3891, 36.77, 2.053, -6.832, 71.4, 526.8, 0.03193, 21.1, 1.93], perGradient: 0 },
  },
  vit: {
    false: { features: [31.94, 10.88, 0.8567, 11.6, 33.05, 2.466, -51.22, 295.4, 0.09464, 0, 4.141], perGradient: 0 },
    true: { features: [0, 0.4747, 0, 43.19, 83.62, 2.131, -62.6, -614.7, 0.05748, 11.65, 4.928], perGradient: 0 },
  },
};
