/** DoRA as an AdapterMethod: the registry's entry for this folder. */
import { validatedMethod } from '../common/settings';
import { DoraAdapter } from './adapter';
import { countDora, doraDefaults, validateDora } from './config';

export const dora = validatedMethod({
  name: 'dora',
  displayName: 'DoRA',
  description:
    'LoRA split into direction and magnitude: each targeted weight becomes m · (W + B·A) / ‖W + B·A‖ per output, ' +
    'with a learned magnitude m beside LoRA\'s B and A.',
  withDefaults: doraDefaults,
  validate: validateDora,
  count: countDora,
  create: (model, settings, seed) => DoraAdapter.create(model, settings, seed),
  load: (model, config, weights) => DoraAdapter.load(model, config, weights),
});
