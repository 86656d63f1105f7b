/** BitFit's declaration (no tfjs: the page imports it). */
import { defineMethod, type MethodConfig } from '../common/method-spec';
import { memoryCoefficients } from './memory';

export const bitfitMethod = defineMethod({
  name: 'bitfit',
  label: 'BitFit',
  description: 'Trains only the bias terms (and a classifier head), a tiny fraction of the weights.',
  peftTypes: ['BITFIT'],
  options: {},
  // The BitFit paper searches 1e-4 to 1e-3 on BERT.
  defaults: {
    'causal-lm': { learningRate: 1e-3, options: {} },
    'image-classification': { learningRate: 1e-3, options: {} },
  },
  benchByDefault: true,
  exportAs: { kind: 'parameters' }, // PEFT has no such type
  trains: 'the bias terms (linear layers and norms)',
  memory: memoryCoefficients,
  memoryBaseline: true,
  source: 'Ben Zaken, Ravfogel, Goldberg, ACL 2022 (arXiv 2106.10199); not in PEFT (peft_type BITFIT here)',
});

/** bitfit settings resolved for a model (every option present, targets filled in): what its code reads. */
export type BitfitConfig = MethodConfig<typeof bitfitMethod>;
