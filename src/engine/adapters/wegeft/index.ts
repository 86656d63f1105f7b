/** WeGeFT as an AdapterMethod: the registry's entry for this folder. */
import { validatedMethod } from '../common/settings';
import { WegeftAdapter } from './adapter';
import { countWegeft, validateWegeft, wegeftDefaults } from './config';
import { wegeftMethod } from './method';

export const wegeft = validatedMethod({
  spec: wegeftMethod,
  withDefaults: wegeftDefaults,
  validate: validateWegeft,
  count: countWegeft,
  create: (model, settings, seed) => WegeftAdapter.create(model, settings, seed),
  load: (model, config, weights) => WegeftAdapter.load(model, config, weights),
});
