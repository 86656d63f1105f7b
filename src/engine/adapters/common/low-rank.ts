/**
 * Settings shared by the low-rank methods (WeGeFT and LoRA): defaults from
 * the WeGeFT paper's settings, target resolution, and rank checks.
 */
import type { Model } from '../../models/model';
import type { LinearModule } from '../../models/types';
import type { AdapterMethodName, AdapterSettings, TargetSpec } from '../types';
import { defaultLabels, validateCommon, validateRankAndAlpha } from './settings';
import { resolveTargets, validateTargets } from './targets';

/** Rank and alpha the authors used: language (Llama) and vision (ViT) settings per method. */
const PAPER_DEFAULTS: Record<'wegeft' | 'lora', Record<'language' | 'vision', { rank: number; alphaPerRank: number }>> = {
  // WeGeFT: r 64, alpha 128 on LLMs; r 16 on ViT (scale 1).
  wegeft: { language: { rank: 64, alphaPerRank: 2 }, vision: { rank: 16, alphaPerRank: 1 } },
  // LoRA baselines there: r 16, alpha 32 on LLMs; r 8 on ViT (PEFT's default alpha 8).
  lora: { language: { rank: 16, alphaPerRank: 2 }, vision: { rank: 8, alphaPerRank: 1 } },
};

export function defaultTargets(model: Model): TargetSpec {
  return { kind: 'suffixes', suffixes: [...model.family.defaultTargets] };
}

/** Methods whose ΔW is LoRA's B·A (LoRA, DoRA, PiSSA) take LoRA's paper settings and rank limit. */
type LowRankKind = 'wegeft' | 'lora';
const kindOf = (method: AdapterMethodName): LowRankKind => (method === 'wegeft' ? 'wegeft' : 'lora');

/**
 * The settings filled in: the family's default targets, the paper's rank
 * (capped at what the targeted layers can use) and alpha.
 */
export function lowRankDefaults(
  method: AdapterMethodName,
  model: Model,
  settings: Partial<AdapterSettings>,
): AdapterSettings {
  const targets = settings.targets ?? defaultTargets(model);
  const paper = PAPER_DEFAULTS[kindOf(method)][model.task === 'causal-lm' ? 'language' : 'vision'];
  const modules = resolveTargets(model, targets);
  const cap = modules.length > 0 ? Math.min(...modules.map((m) => maxUsefulRank(method, m))) : paper.rank;
  const rank = settings.rank ?? Math.min(paper.rank, cap);
  const out: AdapterSettings = {
    method,
    rank,
    alpha: settings.alpha ?? rank * paper.alphaPerRank,
    targets,
    labels: defaultLabels(model, settings.labels),
  };
  if (method === 'wegeft') out.perLayer = settings.perLayer ?? false;
  return out;
}

/**
 * The largest rank that still adds capacity: WeGeFT's phiᵀ·psi is
 * d_in × d_in, LoRA's B·A is d_out × d_in.
 */
function maxUsefulRank(method: AdapterMethodName, module: LinearModule): number {
  return kindOf(method) === 'wegeft' ? module.dIn : Math.min(module.dIn, module.dOut);
}

/** Problems with low-rank settings on this model, in words. */
export function validateLowRank(method: AdapterMethodName, model: Model, settings: AdapterSettings): string[] {
  const problems = [...validateCommon(model, settings, method), ...validateRankAndAlpha(settings)];
  if (!settings.targets) return [...problems, 'no target modules given'];
  const targetProblems = validateTargets(model, settings.targets);
  if (targetProblems.length > 0) return [...problems, ...targetProblems];
  if (problems.length > 0 || settings.rank === undefined) return problems;
  const tooNarrow = resolveTargets(model, settings.targets).find((m) => settings.rank! > maxUsefulRank(method, m));
  if (tooNarrow) {
    const limit = maxUsefulRank(method, tooNarrow);
    const why =
      kindOf(method) === 'wegeft'
        ? `phi and psi are rank × d_in, so a rank above d_in = ${limit} adds parameters but no capacity`
        : `a rank above min(d_in, d_out) = ${limit} adds parameters but no capacity`;
    problems.push(`rank ${settings.rank} is too large for ${tooNarrow.path}: ${why}`);
  }
  return problems;
}

/** alpha / rank, the scaling of ΔW. */
export function scaling(settings: AdapterSettings): number {
  return settings.alpha! / settings.rank!;
}
