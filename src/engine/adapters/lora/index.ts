/** LoRA as an AdapterMethod: the registry's entry for this folder. */
import { validatedMethod } from '../common/settings';
import { LoraAdapter } from './adapter';
import { countLora, loraDefaults, validateLora } from './config';

export const lora = validatedMethod({
  name: 'lora',
  displayName: 'LoRA',
  description:
    'Learns a low-rank update B·A for each targeted layer, independent of the pretrained weight; its size grows ' +
    'with the number of layers.',
  withDefaults: loraDefaults,
  validate: validateLora,
  count: countLora,
  create: (model, settings, seed) => LoraAdapter.create(model, settings, seed),
  load: (model, config, weights) => LoraAdapter.load(model, config, weights),
});
