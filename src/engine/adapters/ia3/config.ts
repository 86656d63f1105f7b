/**
 * (IA)³ settings and adapter_config.json as PEFT writes them (IA3Config):
 * target_modules, and feedforward_modules, the subset whose input (not
 * output) the learned vector rescales. Defaults per family are PEFT's
 * TRANSFORMERS_MODELS_TO_IA3_TARGET_MODULES_MAPPING and
 * ..._FEEDFORWARD_MODULES_MAPPING; PEFT has no ViT entry, so ViT takes
 * BERT's, whose module names ViT shares (key, value, output.dense).
 */
import { InputFileError } from '../../errors';
import type { Model } from '../../models/model';
import { autoMapping } from '../handoff/base-model';
import type { LinearModule } from '../../models/types';
import { classifierHead, headParameterCount } from '../common/head';
import { defaultTargets } from '../common/low-rank';
import { compileTargetPattern } from '../common/target-pattern';
import { resolveTargets, targetsFromConfig, targetsFromPeft, targetsToPeft, validateTargets } from '../common/targets';
import type { AdapterSettings, TargetSpec } from '../types';
import type { Ia3Config } from './method';

export const PEFT_TYPE = 'IA3';
const PEFT_VERSION = '0.21.0';

/** PEFT's mappings by model_type: [targets, feedforward]. GPT-2's c_attn is fused q, k, v: all three are rescaled. */
const PEFT_DEFAULTS: Record<string, [string[], string[]]> = {
  gpt2: [['c_attn', 'mlp.c_proj'], ['mlp.c_proj']],
  gpt_neo: [['q_proj', 'v_proj', 'c_proj'], ['c_proj']],
  llama: [['k_proj', 'v_proj', 'down_proj'], ['down_proj']],
  vit: [['key', 'value', 'output.dense'], ['output.dense']], // BERT's
};

function familyDefaults(model: Model): { targets: TargetSpec; feedforward: TargetSpec } {
  const mapped = PEFT_DEFAULTS[model.family.modelType];
  if (!mapped) return { targets: defaultTargets(model), feedforward: { kind: 'suffixes', suffixes: [] } };
  return { targets: { kind: 'suffixes', suffixes: [...mapped[0]] }, feedforward: { kind: 'suffixes', suffixes: [...mapped[1]] } };
}

export function ia3Defaults(model: Model, declared: AdapterSettings, given: Partial<AdapterSettings>): AdapterSettings {
  const defaults = familyDefaults(model);
  // Custom targets without a feedforward list rescale outputs only, as a plain IA3Config(target_modules=...) with the mapping's feedforward would not match.
  const targets = given.targets ?? defaults.targets;
  const feedforward = given.feedforward ?? (given.targets ? { kind: 'suffixes', suffixes: [] } : defaults.feedforward);
  return { ...declared, targets, feedforward };
}

/**
 * PEFT's _check_target_module_feedforward: a pattern must match the whole
 * path; a list entry matches a path that ends with it (plain endswith, no
 * dot boundary).
 */
export function isFeedforward(module: LinearModule, feedforward: TargetSpec): boolean {
  switch (feedforward.kind) {
    case 'all-linear':
      return true;
    case 'suffixes':
      return feedforward.suffixes.some((suffix) => module.path.endsWith(suffix));
    case 'regex': {
      const re = compileTargetPattern(feedforward.pattern);
      return typeof re !== 'string' && re.matches(module.path);
    }
  }
}

export function validateIa3(model: Model, settings: Ia3Config): string[] {
  const problems = validateTargets(model, settings.targets);
  const ff = settings.feedforward;
  if (ff.kind === 'regex') {
    const re = compileTargetPattern(ff.pattern);
    if (typeof re === 'string') problems.push(`feedforward modules: ${re}`);
  }
  // PEFT's IA3Config refuses a feedforward list that is not a subset of the target list.
  if (ff.kind === 'suffixes' && settings.targets.kind === 'suffixes') {
    const targets = new Set(settings.targets.suffixes);
    const outside = ff.suffixes.filter((s) => !targets.has(s));
    if (outside.length > 0) problems.push(`feedforward modules must be among the target modules; not targeted: ${outside.join(', ')}`);
  }
  return problems;
}

/** Per target module d_in (feedforward: the input is rescaled) or d_out (the output), plus a classifier head. */
export function countIa3(model: Model, settings: Ia3Config): number {
  const adapters = resolveTargets(model, settings.targets).reduce(
    (sum, m) => sum + (isFeedforward(m, settings.feedforward) ? m.dIn : m.dOut),
    0,
  );
  return adapters + headParameterCount(classifierHead(model, settings.labels));
}

export function ia3ConfigJson(model: Model, settings: Ia3Config): Record<string, unknown> {
  const head = classifierHead(model, settings.labels);
  const conv1d = resolveTargets(model, settings.targets).some((m) => m.layout === 'conv1d');
  return {
    auto_mapping: autoMapping(model),
    base_model_name_or_path: typeof model.config.raw._name_or_path === 'string' ? model.config.raw._name_or_path : null,
    exclude_modules: null, fan_in_fan_out: conv1d,
    feedforward_modules: targetsToPeft(settings.feedforward),
    inference_mode: true, init_ia3_weights: true,
    modules_to_save: head ? head.modules : null,
    peft_type: PEFT_TYPE, peft_version: PEFT_VERSION, revision: null,
    target_modules: targetsToPeft(settings.targets), task_type: null,
  };
}

/** Settings recorded in a PEFT IA3 adapter_config.json (feedforward_modules null: the family's mapping, as PEFT fills it in). */
export function ia3SettingsFromConfig(model: Model, config: Record<string, unknown>, configFile: string): Ia3Config {
  const excluded = config.exclude_modules;
  if (excluded !== undefined && excluded !== null && !(Array.isArray(excluded) && excluded.length === 0)) {
    throw new InputFileError(configFile, 'uses exclude_modules, which this app does not support');
  }
  const targets = targetsFromConfig(config, configFile);
  let feedforward: TargetSpec;
  if (config.feedforward_modules === undefined || config.feedforward_modules === null) {
    feedforward = familyDefaults(model).feedforward;
  } else {
    const read = targetsFromPeft(config.feedforward_modules);
    if (!read || read.kind === 'all-linear') {
      throw new InputFileError(configFile, '"feedforward_modules" must be a list of names or a pattern');
    }
    feedforward = read;
  }
  return { method: 'ia3', targets, feedforward };
}
