/** WeGeFT as an AdapterMethod: the registry's entry for this folder. */
import { configFileFor } from '../common/files';
import { validatedMethod } from '../common/settings';
import { WegeftAdapter } from './adapter';
import { fromAuthorsConfig } from './authors-format';
import { countWegeft, validateWegeft, wegeftDefaults } from './config';
import { wegeftMethod } from './method';

export const wegeft = validatedMethod({
  spec: wegeftMethod,
  withDefaults: wegeftDefaults,
  validate: validateWegeft,
  count: countWegeft,
  create: (model, settings, seed) => WegeftAdapter.create(model, settings, seed),
  // The authors' format (peft_type "WeGeFT") is read as ours once its tying is checked.
  load: (model, config, weights) => WegeftAdapter.load(model, fromAuthorsConfig(model, config, configFileFor(weights.file)), weights),
});
