/** VeRA's declaration: names, PEFT type, options, defaults per task, source (no tfjs: the page imports it). */
import { defineMethod, type MethodConfig } from '../common/method-spec';
import { rankOption, targetsOption } from '../common/options';
import { memoryCoefficients } from './memory';

export const veraMethod = defineMethod({
  name: 'vera',
  label: 'VeRA',
  description:
    'One pair of frozen random matrices shared by every targeted layer; each layer learns only two scaling ' +
    'vectors, so its size barely grows with the rank.',
  peftTypes: ['VERA'],
  options: {
    rank: rankOption('Width r of the shared frozen projections A (r × d_in) and B (d_out × r).', 65536),
    targets: targetsOption(),
    dInitial: {
      kind: 'number', label: 'Initial λd', help: 'The start of every λd (PEFT\'s d_initial); λb starts at 0.',
      flag: 'd-initial', urlKey: 'di', min: -1000, max: 1000,
    },
    projectionSeed: {
      kind: 'integer', label: 'Projection seed', help: 'Seeds the shared random projections (PEFT\'s projection_prng_key).',
      flag: 'projection-seed', urlKey: 'ps', min: 0, max: 0xffffffff,
    },
  },
  // PEFT's VeraConfig defaults (r 256, d_initial 0.1); the VeRA paper trains at learning rates about 10× LoRA's.
  defaults: {
    'causal-lm': { learningRate: 1e-2, options: { rank: 256, dInitial: 0.1, projectionSeed: 0 } },
    'image-classification': { learningRate: 1e-2, options: { rank: 256, dInitial: 0.1, projectionSeed: 0 } },
  },
  benchByDefault: false,
  exportAs: { kind: 'peft-adapter' }, // PEFT loads it (peft_type VERA)
  updateDirections: 'λ_b ⊙ B',
  frozenBuffers: 'shared-projections',
  trains: 'λd (r) and λb (d_out) per targeted layer; A and B are frozen and shared',
  memory: memoryCoefficients,
  source: 'Kopiczko, Blankevoort, Asano, ICLR 2024 (arXiv 2310.11454); PEFT tuners/vera',
});

/** vera settings resolved for a model (every option present, targets filled in): what its code reads. */
export type VeraConfig = MethodConfig<typeof veraMethod>;
