/**
 * DoRA's activation coefficients for the memory planner (src/engine/train/memory-plan.ts):
 * fitted by scripts/lib/bench/memory-fit.py to scripts/lib/bench/memory-calibration.jsonl; not edited by hand.
 */
import type { MemoryCoefficients } from '../common/memory-coefficients';

export const memoryCoefficients: MemoryCoefficients = {
  gpt2: {
    false: { features: [51.67, 0.3931, 1.131, -43.31, 1.116, 19.8, 344.3, -636.3, 0.5181, 21.61, 2.064], perGradient: 0 },
    true: { features: [0, 0, 0, 17.38, 0.1175, 31.46, 235.4, -2482, 0.8293, 19.5, 5.112], perGradient: 0 },
  },
  vit: {
    false: { features: [0, 9.724, 6.581, 13.82, 150.5, 0.951, 83.63, 2273, 1.449, 2.372, 0], perGradient: 0 },
    true: { features: [0, 0, 0, -2.946, 179.9, -0.1755, -328.4, 6919, 1.279, 18.64, 8.984], perGradient: 0 },
  },
};
