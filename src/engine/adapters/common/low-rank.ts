/**
 * Settings shared by the low-rank methods (WeGeFT, LoRA and LoRA's variants): the
 * family's default targets, a default rank capped at what the targeted
 * layers can use, and the checks that need the model. Their ranks, alphas
 * and bounds are declared in each method's folder (method.ts).
 */
import type { Model } from '../../models/model';
import type { LinearModule } from '../../models/types';
import type { AdapterSettings, TargetSpec } from '../types';

/** The options every low-rank method has, resolved (its typed config has them). */
export interface LowRankOptions {
  rank: number;
  targets: TargetSpec;
}
import { resolveTargets, validateTargets } from './targets';

export function defaultTargets(model: Model): TargetSpec {
  return { kind: 'suffixes', suffixes: [...model.family.defaultTargets] };
}

/** The largest rank that still adds capacity on a module, and why, for a message. */
export interface RankLimit {
  limit: (module: LinearModule) => number;
  why: (limit: number) => string;
}

/** B·A is d_out × d_in: LoRA and its variants. */
export const LOW_RANK_PRODUCT_LIMIT: RankLimit = {
  limit: (m) => Math.min(m.dIn, m.dOut),
  why: (limit) => `a rank above min(d_in, d_out) = ${limit} adds parameters but no capacity`,
};

/**
 * The model-dependent defaults: the family's targets, and when the rank was
 * not given, the declared rank capped at what the targeted layers can use
 * (alpha then scaled alike, so α / r stays the declared one).
 */
export function lowRankDefaults(model: Model, declared: AdapterSettings, given: Partial<AdapterSettings>, rankLimit: RankLimit): AdapterSettings {
  const targets = declared.targets ?? defaultTargets(model);
  const out: AdapterSettings = { ...declared, targets };
  if (given.rank !== undefined || declared.rank === undefined || validateTargets(model, targets).length > 0) return out;
  const modules = resolveTargets(model, targets);
  const cap = Math.min(...modules.map(rankLimit.limit));
  if (cap >= declared.rank) return out;
  out.rank = cap;
  if (given.alpha === undefined && declared.alpha !== undefined) out.alpha = (declared.alpha * cap) / declared.rank;
  return out;
}

/** Checks that need the model: the targets match its layers, and the rank fits them. */
export function validateLowRank(model: Model, config: LowRankOptions, rankLimit: RankLimit): string[] {
  const targetProblems = validateTargets(model, config.targets);
  if (targetProblems.length > 0) return targetProblems;
  const tooNarrow = resolveTargets(model, config.targets).find((m) => config.rank > rankLimit.limit(m));
  if (!tooNarrow) return [];
  return [`rank ${config.rank} is too large for ${tooNarrow.path}: ${rankLimit.why(rankLimit.limit(tooNarrow))}`];
}

/** alpha / rank, the scaling of ΔW. */
export function scaling(config: { alpha: number; rank: number }): number {
  return config.alpha / config.rank;
}
