/** Full fine-tuning's declaration (no tfjs: the page imports it). */
import { defineMethod, type MethodConfig } from '../common/method-spec';
import { memoryCoefficients } from './memory';

export const fullMethod = defineMethod({
  name: 'full',
  label: 'Full fine-tuning',
  description: 'Trains every weight of the model: the reference point for quality, and the most memory-hungry.',
  peftTypes: ['FULL'],
  options: {},
  // The ViT demo's measured setting (0.855 on the digits, docs/pretraining.md).
  defaults: {
    'causal-lm': { learningRate: 5e-4, options: {} },
    'image-classification': { learningRate: 5e-4, options: {} },
  },
  benchByDefault: true,
  exportAs: { kind: 'full-checkpoint' }, // every weight: a whole Hugging Face checkpoint
  trains: 'every parameter',
  memory: memoryCoefficients,
  trainsWhole: 'every-parameter',
  source: 'the baseline (transformers\' Trainer); saved here in PEFT\'s layout, peft_type FULL',
});

/** full settings resolved for a model (every option present, targets filled in): what its code reads. */
export type FullConfig = MethodConfig<typeof fullMethod>;
