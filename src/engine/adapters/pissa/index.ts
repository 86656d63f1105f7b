/** PiSSA as an AdapterMethod: the registry's entry for this folder. */
import { validatedMethod } from '../common/settings';
import { PissaAdapter } from './adapter';
import { countPissa, pissaDefaults, validatePissa } from './config';

export const pissa = validatedMethod({
  name: 'pissa',
  displayName: 'PiSSA',
  description:
    'LoRA started from the principal singular vectors of each targeted weight: B·A holds its top-r part and ' +
    'trains, the residual stays frozen.',
  withDefaults: pissaDefaults,
  validate: validatePissa,
  count: countPissa,
  create: (model, settings, seed) => PissaAdapter.create(model, settings, seed),
  load: (model, config, weights) => PissaAdapter.load(model, config, weights),
});
