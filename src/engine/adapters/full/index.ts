/** Full fine-tuning as an AdapterMethod: the registry's entry for this folder. */
import { subsetMethod } from '../common/parameter-subset';
import { fullDefaults, planFull, validateFull } from './config';

export const full = subsetMethod({
  name: 'full',
  displayName: 'Full fine-tuning',
  description: 'Trains every weight of the model: the reference point for quality, and the most memory-hungry.',
  withDefaults: fullDefaults,
  validate: validateFull,
  plan: planFull,
});
