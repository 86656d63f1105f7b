/** WeGeFT as an AdapterMethod: the registry's entry for this folder. */
import { requireValidSettings } from '../common/settings';
import type { AdapterMethod } from '../types';
import { WegeftAdapter } from './adapter';
import { countWegeft, validateWegeft, wegeftDefaults } from './config';

export const wegeft: AdapterMethod = {
  name: 'wegeft',
  displayName: 'WeGeFT',
  description:
    'Generates each weight update from the pretrained weight itself (ΔW = s·W·φᵀ·ψ), with one small pair of ' +
    'matrices per module type shared across layers, so its size does not grow with depth.',
  withDefaults: wegeftDefaults,
  validate: validateWegeft,
  countTrainable(model, settings) {
    requireValidSettings(validateWegeft(model, settings), 'wegeft');
    return countWegeft(model, settings);
  },
  create(model, settings, seed) {
    requireValidSettings(validateWegeft(model, settings), 'wegeft');
    return WegeftAdapter.create(model, settings, seed);
  },
  load: (model, config, weights) => WegeftAdapter.load(model, config, weights),
};
