/** Head-only's declaration (no tfjs: the page imports it). */
import { defineMethod, type MethodConfig } from '../common/method-spec';
import { memoryCoefficients } from './memory';

export const headMethod = defineMethod({
  name: 'head',
  label: 'Head only',
  description: 'Trains only the output layer on top of the frozen model (a linear probe).',
  peftTypes: ['HEAD'],
  options: {},
  defaults: {
    'causal-lm': { learningRate: 1e-3, options: {} },
    'image-classification': { learningRate: 1e-3, options: {} },
  },
  benchByDefault: false,
  exportAs: { kind: 'parameters' }, // PEFT has no such type
  trains: 'the output head (classifier, or lm_head untied from the embedding)',
  memory: memoryCoefficients,
  trainsWhole: 'output-head',
  source: 'a linear probe; peft_type HEAD here',
});

/** head settings resolved for a model (every option present, targets filled in): what its code reads. */
export type HeadConfig = MethodConfig<typeof headMethod>;
