/** DoRA as an AdapterMethod: the registry's entry for this folder. */
import { validatedMethod } from '../common/settings';
import { DoraAdapter } from './adapter';
import { loraDefaults, validateLora } from '../lora/config';
import { countDora } from './config';
import { doraMethod } from './method';

export const dora = validatedMethod({
  spec: doraMethod,
  withDefaults: loraDefaults,
  validate: validateLora,
  count: countDora,
  create: (model, settings, seed) => DoraAdapter.create(model, settings, seed),
  load: (model, config, weights) => DoraAdapter.load(model, config, weights),
});
