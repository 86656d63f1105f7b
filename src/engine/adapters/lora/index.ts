/** LoRA as an AdapterMethod: the registry's entry for this folder. */
import { validatedMethod } from '../common/settings';
import { LoraAdapter } from './adapter';
import { countLora, loraDefaults, validateLora } from './config';
import { loraMethod } from './method';

export const lora = validatedMethod({
  spec: loraMethod,
  withDefaults: loraDefaults,
  validate: validateLora,
  count: countLora,
  create: (model, settings, seed) => LoraAdapter.create(model, settings, seed),
  load: (model, config, weights) => LoraAdapter.load(model, config, weights),
});
