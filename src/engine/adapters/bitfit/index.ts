/** BitFit as an AdapterMethod: the registry's entry for this folder. */
import { subsetMethod } from '../common/parameter-subset';
import { planBitfit, validateBitfit } from './config';
import { bitfitMethod } from './method';

export const bitfit = subsetMethod({ spec: bitfitMethod, validate: validateBitfit, plan: planBitfit });
