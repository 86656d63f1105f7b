/**
 * LoRA's activation coefficients for the memory planner (src/engine/train/memory-plan.ts):
 * fitted by scripts/lib/bench/memory-fit.py to scripts/lib/bench/memory-calibration.jsonl; not edited by hand.
 */
import type { MemoryCoefficients } from '../common/memory-coefficients';

export const memoryCoefficients: MemoryCoefficients = {
  gpt2: {
    false: { features: [35.38, 4.095, 0, -9.81, 2.029, -1.098, 242.2, 1668, 0.1625, 15.61, 3.071], perGradient: 0 },
    true: { features: [1.649, 0, 0, 27.75, 2.04, -3.558, 236.9, 1856, 0.205, 19.1, 2.354], perGradient: 0 },
  },
  vit: {
    false: { features: [19.7, 7.829, 0.4872, 26.68, 27.9, 2.507, 160.4, 1515, 0.1434, 0, 3.631], perGradient: 0 },
    true: { features: [0, 0.1678, 0, 42.23, 124.8, 2.239, 107.7, 3540, 0.2429, 8.836, 4.145], perGradient: 0 },
  },
};
