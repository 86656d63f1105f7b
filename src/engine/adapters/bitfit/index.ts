/** BitFit as an AdapterMethod: the registry's entry for this folder. */
import { subsetMethod } from '../common/parameter-subset';
import { bitfitDefaults, planBitfit, validateBitfit } from './config';

export const bitfit = subsetMethod({
  name: 'bitfit',
  displayName: 'BitFit',
  description: 'Trains only the bias terms (and a classifier head), a tiny fraction of the weights.',
  withDefaults: bitfitDefaults,
  validate: validateBitfit,
  plan: planBitfit,
});
