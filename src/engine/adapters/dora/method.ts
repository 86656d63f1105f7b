/** DoRA's declaration: names, PEFT type, options, defaults per task, source (no tfjs: the page imports it). */
import { defineMethod, type MethodConfig } from '../common/method-spec';
import { alphaOption, rankOption, targetsOption } from '../common/options';
import { memoryCoefficients } from './memory';

/** Whether a LORA adapter_config.json is DoRA's (PEFT: use_dora). */
export function isDoraConfig(config: Record<string, unknown>): boolean {
  return config.use_dora === true;
}

export const doraMethod = defineMethod({
  name: 'dora',
  label: 'DoRA',
  description:
    'LoRA split into direction and magnitude: each targeted weight becomes m · (W + B·A) / ‖W + B·A‖ per output, ' +
    'with a learned magnitude m beside LoRA\'s B and A.',
  peftTypes: ['LORA'],
  claimsConfig: isDoraConfig,
  options: { rank: rankOption('Rank of B (d_out × r) and A (r × d_in).'), alpha: alphaOption(), targets: targetsOption() },
  // The DoRA paper keeps LoRA's rank and alpha (and halves the rank in its "DoRA†" rows): LoRA's defaults here.
  defaults: {
    'causal-lm': { learningRate: 1e-2, options: { rank: 16, alpha: 32 } },
    'image-classification': { learningRate: 5e-3, options: { rank: 8, alpha: 8 } },
  },
  benchByDefault: false,
  exportAs: { kind: 'peft-adapter' }, // a LORA config PEFT loads
  trains: 'LoRA\'s A and B, plus a magnitude vector (d_out) per targeted layer',
  memory: memoryCoefficients,
  source: 'Liu et al., ICML 2024 (arXiv 2402.09353); PEFT tuners/lora with use_dora',
});

/** dora settings resolved for a model (every option present, targets filled in): what its code reads. */
export type DoraConfig = MethodConfig<typeof doraMethod>;
