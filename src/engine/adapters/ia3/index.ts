/** (IA)³ as an AdapterMethod: the registry's entry for this folder. */
import { validatedMethod } from '../common/settings';
import { Ia3Adapter } from './adapter';
import { countIa3, ia3Defaults, validateIa3 } from './config';
import { ia3Method } from './method';

export const ia3 = validatedMethod({
  spec: ia3Method,
  withDefaults: ia3Defaults,
  validate: validateIa3,
  count: countIa3,
  create: (model, settings, seed) => Ia3Adapter.create(model, settings, seed),
  load: (model, config, weights) => Ia3Adapter.load(model, config, weights),
});
