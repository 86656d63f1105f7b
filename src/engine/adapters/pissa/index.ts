/** PiSSA as an AdapterMethod: the registry's entry for this folder. */
import { validatedMethod } from '../common/settings';
import { PissaAdapter } from './adapter';
import { loraDefaults, validateLora } from '../lora/config';
import { countPissa } from './config';
import { pissaMethod } from './method';

export const pissa = validatedMethod({
  spec: pissaMethod,
  withDefaults: loraDefaults,
  validate: validateLora,
  count: countPissa,
  create: (model, settings, seed) => PissaAdapter.create(model, settings, seed),
  load: (model, config, weights) => PissaAdapter.load(model, config, weights),
});
