/** VeRA as an AdapterMethod: the registry's entry for this folder. */
import { validatedMethod } from '../common/settings';
import { VeraAdapter } from './adapter';
import { countVera, validateVera, veraDefaults } from './config';
import { veraMethod } from './method';

export const vera = validatedMethod({
  spec: veraMethod,
  withDefaults: veraDefaults,
  validate: validateVera,
  count: countVera,
  create: (model, settings, seed) => VeraAdapter.create(model, settings, seed),
  load: (model, config, weights) => VeraAdapter.load(model, config, weights),
});
