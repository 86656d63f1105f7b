/** Head-only (linear probe) as an AdapterMethod: the registry's entry for this folder. */
import { subsetMethod } from '../common/parameter-subset';
import { headDefaults, planHead, validateHead } from './config';

export const head = subsetMethod({
  name: 'head',
  displayName: 'Head only',
  description: 'Trains only the output layer on top of the frozen model (a linear probe).',
  withDefaults: headDefaults,
  validate: validateHead,
  plan: planHead,
});
