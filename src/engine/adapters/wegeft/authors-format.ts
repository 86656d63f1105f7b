/**
 * WeGeFT in its authors' format: their fork of PEFT 0.12
 * (savadikarc/gift, peft/src/peft/tuners/wegeft/), peft_type "WeGeFT".
 *
 * Their WeGeFTConfig holds r, wegeft_alpha, transform_dim ("input"),
 * target_modules (a list: the fork builds transform_dim's per-module dict by
 * iterating it), tied_modules (a list of lists of regular expressions, each
 * tried with Python's `re.match` against the full module name: the first
 * list with a matching pattern is the module's pair, owned by the first
 * module, in `named_modules` order, that matches; null: every module owns
 * its pair) and PEFT's common fields. PEFT 0.12 builds the config with
 * `WeGeFTConfig(**json)`, so the file holds those fields and no others.
 * The keys are ours: `base_model.model.<owner>.wegeft_phi.weight` and
 * `.wegeft_psi.weight`, (r, d_in) each, the owner being the group's first
 * member in forward order; ΔW = (α/r)·W·φᵀ·ψ.
 *
 * The fork wraps nn.Linear only: its layer raises "Conv1D is not supported
 * in WeGeFT yet" on GPT-2's Conv1D, so such files are written (the tensors
 * are right) but only code that handles Conv1D loads them.
 */
import { InputFileError, quoted } from '../../errors';
import type { Model } from '../../models/model';
import type { LinearModule } from '../../models/types';
import { booleanField } from '../common/files';
import { groupModules } from '../common/groups';
import { compileTargetPattern } from '../common/target-pattern';
import { resolveTargets, targetsFromConfig } from '../common/targets';
import { autoMapping } from '../handoff/base-model';
import type { Adapter } from '../types';
import { wegeftMethod, type WegeftConfig } from './method';

export const AUTHORS_PEFT_TYPE = 'WeGeFT';

export function isAuthorsConfig(config: Record<string, unknown>): boolean {
  return config.peft_type === AUTHORS_PEFT_TYPE;
}

/** A Python regular expression for a module type: `transformer.h.*.attn.c_attn` → `^transformer\.h\.\d+\.attn\.c_attn$`. */
export function moduleTypePattern(moduleType: string): string {
  return `^${moduleType.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('\\d+')}$`;
}

/**
 * Our adapter_config.json (as withBaseModel completed it) in the authors'
 * fields. The weights need no change: both formats store a shared pair
 * under its first member.
 */
export function toAuthorsConfig(model: Model, adapter: Adapter, ours: Record<string, unknown>): Record<string, unknown> {
  // Only WeGeFT has the authors' format (its declaration's exportAs says so): its settings are a WegeftConfig.
  if (adapter.method !== wegeftMethod.name) throw new Error(`the authors' format is WeGeFT's, not ${adapter.method}'s`);
  const settings = adapter.settings as WegeftConfig;
  const modules = resolveTargets(model, settings.targets);
  const perLayer = settings.perLayer;
  const types = [...groupModules(modules, false).keys()];
  // A list, never a pattern: the fork iterates target_modules to key transform_dim by each entry's last segment.
  const targetModules = settings.targets.kind === 'suffixes' ? [...settings.targets.suffixes] : modules.map((m) => m.path);
  return {
    alpha_pattern: {},
    auto_mapping: autoMapping(model),
    base_model_name_or_path: ours.base_model_name_or_path ?? null,
    bias: 'none',
    fan_in_fan_out: modules.some((m) => m.layout === 'conv1d'),
    inference_mode: true,
    init_wegeft_weights: true,
    layers_pattern: null,
    layers_to_transform: null,
    modules_to_save: ours.modules_to_save ?? null,
    peft_type: AUTHORS_PEFT_TYPE,
    r: settings.rank,
    rank_pattern: {},
    revision: ours.revision ?? null,
    target_modules: targetModules,
    task_type: null,
    tied_modules: perLayer ? null : types.map((type) => [moduleTypePattern(type)]),
    transform_dim: 'input',
    wegeft_alpha: settings.alpha,
    wegeft_dropout: null,
  };
}

/**
 * An authors'-format adapter_config.json as our own, for WegeftAdapter.load:
 * the fork's grouping, worked out as the fork does, must be one pair per
 * module type or one per module (the two this app trains).
 */
export function fromAuthorsConfig(model: Model, config: Record<string, unknown>, configFile: string): Record<string, unknown> {
  if (!isAuthorsConfig(config)) return config;
  refuseUnsupported(config, configFile);
  const targets = targetsFromConfig(config, configFile);
  const modules = resolveTargets(model, targets);
  const owners = forkGroups(modules, config.tied_modules, configFile);
  const shared = sameGrouping(owners, groupModules(modules, false));
  if (!shared && !sameGrouping(owners, groupModules(modules, true))) {
    throw new InputFileError(
      configFile,
      '"tied_modules" shares pairs across modules of different types (or only some layers of a type): ' +
        'this app trains one pair per module type, or one per layer',
    );
  }
  return {
    base_model_name_or_path: config.base_model_name_or_path ?? null,
    modules_to_save: config.modules_to_save ?? null,
    peft_type: 'WEGEFT',
    r: config.r,
    shared,
    target_modules: config.target_modules,
    transform_dim: 'input',
    wegeft_alpha: config.wegeft_alpha,
  };
}

function refuseUnsupported(config: Record<string, unknown>, configFile: string): void {
  const transform = config.transform_dim ?? 'input';
  const dims = typeof transform === 'object' && transform !== null && !Array.isArray(transform) ? Object.values(transform) : [transform];
  if (!dims.every((d) => d === 'input')) {
    throw new InputFileError(configFile, `"transform_dim" ${quoted(transform)} is not supported (only "input": ΔW = (α/r)·W·φᵀ·ψ)`);
  }
  if (config.bias !== undefined && config.bias !== null && config.bias !== 'none') {
    throw new InputFileError(configFile, `uses trained biases ("bias" ${quoted(config.bias)}), which this app does not support`);
  }
  for (const field of ['rank_pattern', 'alpha_pattern'] as const) {
    const value = config[field];
    if (value !== undefined && value !== null && (typeof value !== 'object' || Object.keys(value).length > 0)) {
      throw new InputFileError(configFile, `uses per-module ${field === 'rank_pattern' ? 'ranks' : 'alphas'} (${field}), which this app does not support`);
    }
  }
  for (const field of ['layers_to_transform', 'layers_pattern'] as const) {
    if (config[field] !== undefined && config[field] !== null) throw new InputFileError(configFile, `uses ${field}, which this app does not support`);
  }
  booleanField(config, 'fan_in_fan_out', configFile, false);
}

/** The fork's _parameter_origin_key for each module: the first tied list with a pattern that re.match-es its name. */
function forkGroups(modules: readonly LinearModule[], tied: unknown, configFile: string): Map<string, LinearModule[]> {
  const lists = tiedLists(tied, configFile);
  const groups = new Map<string, LinearModule[]>();
  for (const module of modules) {
    const index = lists.findIndex((patterns) => patterns.some((p) => p.matches(module.path)));
    const key = index < 0 ? `own:${module.path}` : `tied:${index}`;
    const members = groups.get(key);
    if (members) members.push(module);
    else groups.set(key, [module]);
  }
  return groups;
}

function tiedLists(tied: unknown, configFile: string): { matches(path: string): boolean }[][] {
  if (tied === undefined || tied === null) return [];
  if (!Array.isArray(tied) || !tied.every((list) => Array.isArray(list) && list.every((p) => typeof p === 'string'))) {
    throw new InputFileError(configFile, `"tied_modules" must be null or a list of lists of regular expressions, got ${quoted(tied)}`);
  }
  return (tied as string[][]).map((list) =>
    list.map((pattern) => {
      // Python's re.match anchors at the start only: a full match of the pattern followed by anything.
      const compiled = compileTargetPattern(`(?:${pattern}).*`);
      if (typeof compiled === 'string') throw new InputFileError(configFile, `"tied_modules": ${compiled.replace(/\(\?:(.*)\)\.\*/, '$1')}`);
      return compiled;
    }),
  );
}

/** Whether two groupings put the same modules together. */
function sameGrouping(a: ReadonlyMap<string, readonly LinearModule[]>, b: ReadonlyMap<string, readonly LinearModule[]>): boolean {
  const signature = (groups: ReadonlyMap<string, readonly LinearModule[]>) =>
    [...groups.values()].map((members) => members.map((m) => m.path).join(',')).sort().join('|');
  return signature(a) === signature(b);
}
