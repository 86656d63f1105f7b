/** LoRA as an AdapterMethod: the registry's entry for this folder. */
import { requireValidSettings } from '../common/settings';
import type { AdapterMethod } from '../types';
import { LoraAdapter } from './adapter';
import { countLora, loraDefaults, validateLora } from './config';

export const lora: AdapterMethod = {
  name: 'lora',
  displayName: 'LoRA',
  description:
    'Learns a low-rank update B·A for each targeted layer, independent of the pretrained weight; its size grows ' +
    'with the number of layers.',
  withDefaults: loraDefaults,
  validate: validateLora,
  countTrainable(model, settings) {
    requireValidSettings(validateLora(model, settings), 'lora');
    return countLora(model, settings);
  },
  create(model, settings, seed) {
    requireValidSettings(validateLora(model, settings), 'lora');
    return LoraAdapter.create(model, settings, seed);
  },
  load: (model, config, weights) => LoraAdapter.load(model, config, weights),
};
