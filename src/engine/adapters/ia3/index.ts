/** (IA)³ as an AdapterMethod: the registry's entry for this folder. */
import { validatedMethod } from '../common/settings';
import { Ia3Adapter } from './adapter';
import { countIa3, ia3Defaults, validateIa3 } from './config';

export const ia3 = validatedMethod({
  name: 'ia3',
  displayName: '(IA)³',
  description:
    'Learns one rescaling vector per targeted layer: on the outputs of the attention keys and values, and on ' +
    'the input of the feed-forward output layer. The fewest parameters of the low-rank family.',
  withDefaults: ia3Defaults,
  validate: validateIa3,
  count: countIa3,
  create: (model, settings, seed) => Ia3Adapter.create(model, settings, seed),
  load: (model, config, weights) => Ia3Adapter.load(model, config, weights),
});
