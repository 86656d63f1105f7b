/**
 * VeRA settings and adapter_config.json as PEFT writes them (VeraConfig):
 * r (the shared projections' width, default 256), projection_prng_key,
 * save_projection (always true here: the projections are in the file, since
 * our generator is not torch's), d_initial (lambda_d's start, 0.1).
 */
import { InputFileError, quoted } from '../../errors';
import type { Model } from '../../models/model';
import { autoMapping } from '../handoff/base-model';
import { booleanField, positiveIntegerField } from '../common/files';
import { classifierHead, headParameterCount } from '../common/head';
import { defaultTargets } from '../common/low-rank';
import { resolveTargets, targetsFromConfig, targetsToPeft, validateTargets } from '../common/targets';
import type { AdapterSettings } from '../types';
import type { VeraConfig } from './method';

export const PEFT_TYPE = 'VERA';
const PEFT_VERSION = '0.21.0';
/** PEFT's d_initial when a file leaves it out. */
const PEFT_D_INITIAL = 0.1;

/** The family's targets (rank, d_initial and the seed come from the declaration, method.ts). */
export function veraDefaults(model: Model, declared: AdapterSettings): AdapterSettings {
  return { ...declared, targets: declared.targets ?? defaultTargets(model) };
}

export function validateVera(model: Model, settings: VeraConfig): string[] {
  return validateTargets(model, settings.targets);
}

/** Per target module r (lambda_d) + d_out (lambda_b); the shared projections are frozen. Plus a classifier head. */
export function countVera(model: Model, settings: VeraConfig): number {
  const adapters = resolveTargets(model, settings.targets).reduce((sum, m) => sum + settings.rank + m.dOut, 0);
  return adapters + headParameterCount(classifierHead(model, settings.labels));
}

export function veraConfigJson(model: Model, settings: VeraConfig): Record<string, unknown> {
  const head = classifierHead(model, settings.labels);
  const conv1d = resolveTargets(model, settings.targets).some((m) => m.layout === 'conv1d');
  return {
    auto_mapping: autoMapping(model),
    base_model_name_or_path: typeof model.config.raw._name_or_path === 'string' ? model.config.raw._name_or_path : null,
    bias: 'none', d_initial: settings.dInitial, fan_in_fan_out: conv1d, inference_mode: true, init_weights: true,
    layers_pattern: null, layers_to_transform: null,
    modules_to_save: head ? head.modules : null,
    peft_type: PEFT_TYPE, peft_version: PEFT_VERSION,
    projection_prng_key: settings.projectionSeed, r: settings.rank, revision: null, save_projection: true,
    target_modules: targetsToPeft(settings.targets), task_type: null, vera_dropout: 0.0,
  };
}

/** Settings recorded in a PEFT VeRA adapter_config.json. */
export function veraSettingsFromConfig(config: Record<string, unknown>, configFile: string): VeraConfig {
  if (config.bias !== undefined && config.bias !== null && config.bias !== 'none') {
    throw new InputFileError(configFile, `uses trained biases ("bias" ${quoted(config.bias)}), which this app does not support`);
  }
  for (const field of ['layers_to_transform', 'layers_pattern'] as const) {
    if (config[field] !== undefined && config[field] !== null) throw new InputFileError(configFile, `uses ${field}, which this app does not support`);
  }
  if (!booleanField(config, 'save_projection', configFile, true)) {
    throw new InputFileError(
      configFile,
      'was saved without its projections (save_projection false): PEFT regenerates them with torch\'s generator, ' +
        'which this app does not reproduce; save it with save_projection=True',
    );
  }
  const d = config.d_initial;
  if (d !== undefined && (typeof d !== 'number' || !Number.isFinite(d))) throw new InputFileError(configFile, `"d_initial" must be a number, got ${quoted(d)}`);
  const seed = config.projection_prng_key;
  if (seed !== undefined && seed !== null && !(typeof seed === 'number' && Number.isInteger(seed) && seed >= 0)) {
    throw new InputFileError(configFile, `"projection_prng_key" must be a whole number, got ${quoted(seed)}`);
  }
  return {
    method: 'vera',
    rank: positiveIntegerField(config, 'r', configFile),
    targets: targetsFromConfig(config, configFile),
    dInitial: typeof d === 'number' ? d : PEFT_D_INITIAL,
    projectionSeed: typeof seed === 'number' ? seed : 0,
  };
}
