/** PiSSA's declaration: names, PEFT type, options, defaults per task, source (no tfjs: the page imports it). */
import { defineMethod, type MethodConfig } from '../common/method-spec';
import { alphaOption, rankOption, targetsOption } from '../common/options';
import { memoryCoefficients } from './memory';

/** Whether a LORA adapter_config.json is PiSSA's (PEFT: init_lora_weights "pissa" or "pissa_niter_N"). */
export function isPissaConfig(config: Record<string, unknown>): boolean {
  return typeof config.init_lora_weights === 'string' && config.init_lora_weights.startsWith('pissa');
}

export const pissaMethod = defineMethod({
  name: 'pissa',
  label: 'PiSSA',
  description:
    'LoRA started from the principal singular vectors of each targeted weight: B·A holds its top-r part and ' +
    'trains, the residual stays frozen.',
  peftTypes: ['LORA'],
  claimsConfig: isPissaConfig,
  options: {
    rank: rankOption('Rank of B (d_out × r) and A (r × d_in): the top-r singular part of W.'),
    alpha: alphaOption('The update is scaled by α / r (the start is scaled to match).'),
    targets: targetsOption(),
    pissaNiter: {
      kind: 'integer',
      label: 'SVD iterations',
      help: 'Subspace iterations of the fast randomized SVD (PEFT\'s "pissa_niter_N"); empty for the exact SVD ("pissa").',
      flag: 'pissa-niter',
      urlKey: 'pn',
      min: 0,
      max: 100,
      emptyMeans: 'exact SVD',
    },
  },
  // LoRA's ranks (the PiSSA paper compares at equal rank); a lower learning rate than LoRA's, as the paper
  // uses, since B·A starts at W's principal part rather than at zero.
  defaults: {
    'causal-lm': { learningRate: 2e-3, options: { rank: 16, alpha: 16, pissaNiter: null } },
    'image-classification': { learningRate: 1e-3, options: { rank: 8, alpha: 8, pissaNiter: null } },
  },
  benchByDefault: false,
  exportAs: { kind: 'peft-adapter' }, // a LORA config PEFT loads
  frozenBuffers: 'residual-weights',
  trains: 'LoRA\'s A and B, started from the top-r SVD of W (the residual frozen)',
  memory: memoryCoefficients,
  source: 'Meng, Wang, Zhang, NeurIPS 2024 (arXiv 2404.02948); PEFT tuners/lora with init_lora_weights "pissa"',
});

/** pissa settings resolved for a model (every option present, targets filled in): what its code reads. */
export type PissaConfig = MethodConfig<typeof pissaMethod>;
