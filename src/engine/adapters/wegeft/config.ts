/**
 * WeGeFT settings: defaults, validation, groups, the exact trainable count,
 * and adapter_config.json in the fixtures' format:
 *
 *   { "peft_type": "WEGEFT", "r": 4, "wegeft_alpha": 8, "shared": true,
 *     "target_modules": [...], "groups": {"transformer.h.*.attn.c_attn": [members]},
 *     "tied_modules": [[group], ...] | null, "transform_dim": "input",
 *     "modules_to_save": ["classifier"] | null, "init_wegeft_weights": true,
 *     "base_model_name_or_path": ... }
 *
 * A shared pair is stored once, under the first member of its group:
 * `base_model.model.<first member>.wegeft_phi.weight`.
 */
import { InputFileError } from '../../errors';
import type { Model } from '../../models/model';
import type { LinearModule } from '../../models/types';
import { booleanField, positiveIntegerField, positiveNumberField } from '../common/files';
import { groupModules, groupPaths } from '../common/groups';
import { classifierHead, headParameterCount } from '../common/head';
import { adapterTensorKey } from '../common/keys';
import { lowRankDefaults, validateLowRank, type RankLimit } from '../common/low-rank';
import { resolveTargets, targetsFromConfig, targetsToPeft } from '../common/targets';
import type { AdapterSettings } from '../types';
import type { WegeftConfig } from './method';

export const PEFT_TYPE = 'WEGEFT';

/** One (phi, psi) pair and the modules it adapts. */
export interface WegeftGroup {
  /** Module type (`transformer.h.*.attn.c_attn`), or the module's path when per layer. */
  name: string;
  members: LinearModule[];
  dIn: number;
  phiKey: string;
  psiKey: string;
}

/** phi and psi are r × d_in: a rank above d_in adds parameters but no capacity. */
const WEGEFT_RANK_LIMIT: RankLimit = {
  limit: (m) => m.dIn,
  why: (limit) => `phi and psi are rank × d_in, so a rank above d_in = ${limit} adds parameters but no capacity`,
};

export function wegeftDefaults(model: Model, declared: AdapterSettings, given: Partial<AdapterSettings>): AdapterSettings {
  return lowRankDefaults(model, declared, given, WEGEFT_RANK_LIMIT);
}

export function validateWegeft(model: Model, settings: WegeftConfig): string[] {
  const problems = validateLowRank(model, settings, WEGEFT_RANK_LIMIT);
  if (problems.length > 0) return problems;
  for (const group of groupModules(resolveTargets(model, settings.targets), settings.perLayer).values()) {
    const widths = new Set(group.map((m) => m.dIn));
    if (widths.size > 1) {
      problems.push(`the modules of type ${group[0].path} have different input widths (${[...widths]}): they cannot share phi and psi`);
    }
  }
  return problems;
}

/** The groups for these (valid) settings, in forward order. */
export function wegeftGroups(model: Model, settings: WegeftConfig): WegeftGroup[] {
  const modules = resolveTargets(model, settings.targets);
  return [...groupModules(modules, settings.perLayer)].map(([name, members]) => ({
    name,
    members,
    dIn: members[0].dIn,
    phiKey: adapterTensorKey(members[0].path, 'wegeft_phi'),
    psiKey: adapterTensorKey(members[0].path, 'wegeft_psi'),
  }));
}

/** Sum over groups of 2·r·d_in (independent of depth when shared), plus a classifier head. */
export function countWegeft(model: Model, settings: WegeftConfig): number {
  const pairs = wegeftGroups(model, settings).reduce((sum, g) => sum + 2 * settings.rank * g.dIn, 0);
  return pairs + headParameterCount(classifierHead(model, settings.labels));
}

export function wegeftConfigJson(model: Model, settings: WegeftConfig, groups: WegeftGroup[]): Record<string, unknown> {
  const head = classifierHead(model, settings.labels);
  const shared = !settings.perLayer;
  const byName = new Map(groups.map((g) => [g.name, g.members]));
  return {
    base_model_name_or_path: typeof model.config.raw._name_or_path === 'string' ? model.config.raw._name_or_path : null,
    groups: groupPaths(byName),
    init_wegeft_weights: true,
    modules_to_save: head ? head.modules : null,
    peft_type: PEFT_TYPE,
    r: settings.rank,
    shared,
    target_modules: targetsToPeft(settings.targets),
    tied_modules: shared ? groups.map((g) => [g.name]) : null,
    transform_dim: 'input',
    wegeft_alpha: settings.alpha,
  };
}

/** Settings recorded in a WeGeFT adapter_config.json; `configFile` names it in errors. */
export function wegeftSettingsFromConfig(config: Record<string, unknown>, configFile: string): WegeftConfig {
  const targets = targetsFromConfig(config, configFile);
  const transformDim = config.transform_dim ?? 'input';
  if (transformDim !== 'input') {
    throw new InputFileError(configFile, `"transform_dim" ${JSON.stringify(transformDim)} is not supported (only "input")`);
  }
  return {
    method: 'wegeft',
    rank: positiveIntegerField(config, 'r', configFile),
    alpha: positiveNumberField(config, 'wegeft_alpha', configFile),
    targets,
    perLayer: !booleanField(config, 'shared', configFile, true),
  };
}

/**
 * Checks a file's `groups` against the groups its settings give on this
 * model: a path this model lacks, or a different grouping, means the
 * adapter was made for another base model.
 */
export function checkRecordedGroups(model: Model, recorded: unknown, groups: WegeftGroup[], configFile: string): void {
  if (recorded === undefined || recorded === null) return;
  if (typeof recorded !== 'object' || Array.isArray(recorded)) {
    throw new InputFileError(configFile, '"groups" must map each group name to its member modules');
  }
  const known = new Set(model.linearModules().map((m) => m.path));
  const expected = new Map(groups.map((g) => [g.name, g.members.map((m) => m.path).join(',')]));
  for (const [name, members] of Object.entries(recorded as Record<string, unknown>)) {
    const paths = Array.isArray(members) ? members.filter((m): m is string => typeof m === 'string') : [];
    const missing = paths.find((p) => !known.has(p));
    if (missing) {
      throw new InputFileError(
        configFile,
        `its group "${name}" lists module "${missing}", which this ${model.family.displayName} model does not have: ` +
          'the adapter was made for a different base model',
      );
    }
    if (expected.get(name) !== paths.join(',')) {
      throw new InputFileError(
        configFile,
        `its group "${name}" (${paths.join(', ')}) does not match this model's modules of that type: ` +
          'the adapter was made for a different base model',
      );
    }
  }
  if (Object.keys(recorded).length !== expected.size) {
    throw new InputFileError(
      configFile,
      `records ${Object.keys(recorded).length} groups where its target_modules give ${expected.size} on this model: ` +
        'the adapter was made for a different base model',
    );
  }
}
