/**
 * The memory planner's activation coefficients: floats of one step's peak
 * per unit of each shape term (memory-plan.ts, activationFeatures; the last
 * term is the targeted layers' weight elements, all-linear as measured), per
 * model family, checkpointing off/on and method, and for methods that train
 * whole matrices, per trainable element. Written by
 *   npx tsx scripts/lib/bench/memory-calibration.ts > cal.jsonl
 *   npx tsx scripts/lib/bench/memory-calibration.ts --presets > presets.jsonl
 *   python3 scripts/lib/bench/memory-fit.py cal.jsonl presets.jsonl > src/engine/train/memory-coefficients.ts
 * on the wasm backend (the measurements: scripts/lib/bench/memory-calibration.jsonl); not edited by hand.
 */
import type { AdapterMethodName } from '../adapters/types';

/** GPT-2's coefficients serve every causal language model, ViT's every image classifier. */
export type CoefficientFamily = 'gpt2' | 'vit';

export interface MethodCoefficients {
  readonly features: readonly number[];
  readonly perGradient: number;
}

export const ACTIVATION_COEFFICIENTS: Record<CoefficientFamily, Record<`${boolean}`, Record<AdapterMethodName, MethodCoefficients>>> = {
  gpt2: {
    false: {
      wegeft: { features: [30.79, 4.322, 0, -1.385, 2.335, -6.584, 248.8, 3601, 0.1835, 14.75, 3.159], perGradient: 0 },
      lora: { features: [32.42, 3.91, 0, -4.51, 2.352, -6.088, 294.3, 928.6, 0.1708, 15.19, 2.936], perGradient: 0 },
      dora: { features: [51.67, 0.3931, 1.131, -43.31, 1.116, 19.8, 344.3, -636.3, 0.5181, 21.61, 2.064], perGradient: 0 },
      pissa: { features: [48.84, 8.386, 0.03428, -14.03, 2.443, -8.683, 453.7, 118, 0.1755, 14.35, 2.69], perGradient: 0 },
      vera: { features: [62.08, 9.447, 0.7137, -19.86, 2.13, -4.239, 283.3, 154.2, 0.03541, 14.9, 2.017], perGradient: 0 },
      ia3: { features: [50.36, 6.086, 0.5827, -18.99, 2.065, -2.216, 56.94, 842.7, 0.0313, 15.54, 2.439], perGradient: 0 },
      full: { features: [40.38, 4.1, 0.5419, -15.12, 2.057, -2.052, 56.61, 859.2, 0.03144, 16.52, 2.568], perGradient: 0.719 },
      bitfit: { features: [40.38, 4.1, 0.5419, -15.12, 2.057, -2.052, 56.61, 859.2, 0.03144, 16.52, 2.568], perGradient: 0 },
      head: { features: [4.633, 5.916, 2.392, 32.81, 2.047, 0, 0, 0, 0, 0, 0], perGradient: 0 },
    },
    true: {
      wegeft: { features: [0, 0, 0, 32.68, 2.158, -4.172, 167.4, 4418, 0.1768, 19.1, 2.864], perGradient: 0 },
      lora: { features: [0, 0, 0, 32.45, 2.201, -4.662, 214.3, 1604, 0.1622, 18.92, 2.567], perGradient: 0 },
      dora: { features: [0, 0, 0, 17.38, 0.1175, 31.46, 235.4, -2482, 0.8293, 19.5, 5.112], perGradient: 0 },
      pissa: { features: [0, 0, 0, 38.98, 2.162, -3.634, 229.9, 2195, 0.155, 23.02, 2.592], perGradient: 0 },
      vera: { features: [0, 0, 0, 48.97, 1.974, -2.772, 85.63, 1793, 0.01602, 23.81, 3.332], perGradient: 0 },
      ia3: { features: [0, 0, 0, 36.7, 2.049, -4.093, 51.78, 749.5, 0.03121, 20.83, 3.273], perGradient: 0 },
      full: { features: [0, 0, 0, 30.68, 2.043, -3.968, 53.13, 740.7, 0.03234, 19.81, 3.292], perGradient: 0.74 },
      bitfit: { features: [0, 0, 0, 30.68, 2.043, -3.968, 53.13, 740.7, 0.03234, 19.81, 3.292], perGradient: 0 },
      head: { features: [0, 0, 0, 30.68, 2.043, -3.968, 53.13, 740.7, 0.03234, 19.81, 3.292], perGradient: -48.7 },
    },
  },
  vit: {
    false: {
      wegeft: { features: [27.8, 9.195, 0, 16.7, 38.35, 2.082, -316.3, 1.682e+04, 0.1036, 0, 4.943], perGradient: 0 },
      lora: { features: [29.42, 9.414, 0, 14.52, 38.05, 2.14, -386.9, 1.833e+04, 0.01748, 0, 5.254], perGradient: 0 },
      dora: { features: [0, 9.724, 6.581, 13.82, 150.5, 0.951, 83.63, 2273, 1.449, 2.372, 0], perGradient: 0 },
      pissa: { features: [49.73, 12.46, 0, 1.041, 52.91, 2.081, 32.61, 6883, 0.1115, 0, 5.242], perGradient: 0 },
      vera: { features: [54.5, 13.91, 0, -0.1123, 71.31, 1.998, 100, 651.2, 0.09073, 0, 5.712], perGradient: 0 },
      ia3: { features: [34.79, 11.17, 0, 8.95, 31.48, 2.208, -125.9, 1172, 0.08164, 0, 5.21], perGradient: 0 },
      full: { features: [23.72, 9.322, 0, 18.77, 51.83, 2.037, -102.8, 628.9, 0.06793, 0, 4.438], perGradient: 0.565 },
      bitfit: { features: [23.72, 9.322, 0, 18.77, 51.83, 2.037, -102.8, 628.9, 0.06793, 0, 4.438], perGradient: 0 },
      head: { features: [10.51, 5.533, 1.025, 22.32, 51.21, 0, 0, 0, 0, 0, 0], perGradient: 0 },
    },
    true: {
      wegeft: { features: [0, 3.162, 0, 49.86, 118.8, 1.956, -239.4, 1.43e+04, 0.1172, 5.031, 4.66], perGradient: 0 },
      lora: { features: [0, 3.764, 0, 51.81, 121, 1.978, -303.3, 1.574e+04, 0.02615, 4.101, 4.781], perGradient: 0 },
      dora: { features: [0, 0, 0, -2.946, 179.9, -0.1755, -328.4, 6919, 1.279, 18.64, 8.984], perGradient: 0 },
      pissa: { features: [0, 1.64, 0, 54.09, 130.4, 2.03, 24.18, 6921, 0.1577, 10.37, 5.21], perGradient: 0 },
      vera: { features: [0, 0, 0, 56.14, 119.3, 2.06, 112.2, 684.3, 0.06881, 14.29, 5.642], perGradient: 0 },
      ia3: { features: [0, 0.6899, 0, 39.13, 84.3, 2.166, -47.13, -545.6, 0.1132, 11.58, 5.552], perGradient: 0 },
      full: { features: [0, 0.5988, 0, 28, 39.09, 2.341, -26.22, 110.9, 0.113, 11.76, 5.445], perGradient: 0.466 },
      bitfit: { features: [0, 0.5988, 0, 28, 39.09, 2.341, -26.22, 110.9, 0.113, 11.76, 5.445], perGradient: 0 },
      head: { features: [0, 1.045, 0.9655, 32.75, 15.92, 0, 0, 0, 0, 0, 0], perGradient: 0 },
    },
  },
};
