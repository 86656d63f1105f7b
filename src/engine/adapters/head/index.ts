/** Head-only (linear probe) as an AdapterMethod: the registry's entry for this folder. */
import { subsetMethod } from '../common/parameter-subset';
import { planHead } from './config';
import { headMethod } from './method';

export const head = subsetMethod({ spec: headMethod, plan: planHead });
