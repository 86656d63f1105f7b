/** VeRA as an AdapterMethod: the registry's entry for this folder. */
import { validatedMethod } from '../common/settings';
import { VeraAdapter } from './adapter';
import { countVera, validateVera, veraDefaults } from './config';

export const vera = validatedMethod({
  name: 'vera',
  displayName: 'VeRA',
  description:
    'One pair of frozen random matrices shared by every targeted layer; each layer learns only two scaling ' +
    'vectors, so its size barely grows with the rank.',
  withDefaults: veraDefaults,
  validate: validateVera,
  count: countVera,
  create: (model, settings, seed) => VeraAdapter.create(model, settings, seed),
  load: (model, config, weights) => VeraAdapter.load(model, config, weights),
});
