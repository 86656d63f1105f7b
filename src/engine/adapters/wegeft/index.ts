/** WeGeFT as an AdapterMethod: the registry's entry for this folder. */
import { validatedMethod } from '../common/settings';
import { WegeftAdapter } from './adapter';
import { countWegeft, validateWegeft, wegeftDefaults } from './config';

export const wegeft = validatedMethod({
  name: 'wegeft',
  displayName: 'WeGeFT',
  description:
    'Generates each weight update from the pretrained weight itself (ΔW = s·W·φᵀ·ψ), with one small pair of ' +
    'matrices per module type shared across layers, so its size does not grow with depth.',
  withDefaults: wegeftDefaults,
  validate: validateWegeft,
  count: countWegeft,
  create: (model, settings, seed) => WegeftAdapter.create(model, settings, seed),
  load: (model, config, weights) => WegeftAdapter.load(model, config, weights),
});
