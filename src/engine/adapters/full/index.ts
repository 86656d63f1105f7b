/** Full fine-tuning as an AdapterMethod: the registry's entry for this folder. */
import { subsetMethod } from '../common/parameter-subset';
import { planFull } from './config';
import { fullMethod } from './method';

export const full = subsetMethod({ spec: fullMethod, plan: planFull });
