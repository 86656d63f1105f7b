/**
 * What the insight views draw, from the engine's reports: pure functions, so
 * each chart's content is tested apart from the drawing.
 */
import type { ModuleReport } from '../../../engine/analysis/updates';
import type { RunUpdateAnalysis } from '../../../worker/protocol';
import type { RunRecord } from '../../store/types';
import type { RunSeries } from '../../charts/series';

/** The rows (layers) and columns (module types, in forward order) shared by every run's heat map. */
export interface AnatomyGrid {
  layers: number[];
  kinds: string[];
}

export function anatomyGrid(results: readonly RunUpdateAnalysis[]): AnatomyGrid {
  const layers = [...new Set(results.flatMap((r) => r.modules.map((m) => m.layer)))].sort((a, b) => a - b);
  const kinds: string[] = [];
  for (const r of results) for (const m of r.modules) if (!kinds.includes(m.kind)) kinds.push(m.kind);
  return { layers, kinds };
}

/** One run's report of one cell. */
export function moduleAt(result: RunUpdateAnalysis, layer: number, kind: string): ModuleReport | null {
  return result.modules.find((m) => m.layer === layer && m.kind === kind) ?? null;
}

/**
 * A shared colour scale for ‖ΔW‖/‖W‖ over every run: log10 between the
 * smallest and largest non-zero ratio, so runs are compared on one scale.
 */
export interface RatioScale {
  min: number;
  max: number;
  /** 0 … 1 position of a ratio on the scale (0 for ΔW = 0). */
  position: (ratio: number) => number;
}

export function ratioScale(results: readonly RunUpdateAnalysis[]): RatioScale {
  const ratios = results.flatMap((r) => r.modules.map((m) => m.deltaFroOverWeightFro)).filter((x) => x > 0 && Number.isFinite(x));
  if (ratios.length === 0) return { min: 0, max: 0, position: () => 0 };
  const min = Math.min(...ratios);
  const max = Math.max(...ratios);
  const lo = Math.log10(min);
  const span = Math.log10(max) - lo;
  return {
    min,
    max,
    position: (ratio) => (ratio > 0 ? (span > 0 ? Math.min(1, Math.max(0, (Math.log10(ratio) - lo) / span)) : 1) : 0),
  };
}

/** A sequential colour (light yellow → dark purple) for a 0 … 1 position: readable on light and dark themes. */
export function heatColor(position: number): string {
  const stops: [number, number, number][] = [[255, 247, 188], [254, 196, 79], [236, 112, 20], [153, 52, 4], [64, 0, 75]];
  const x = Math.min(1, Math.max(0, position)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const t = x - i;
  const mix = stops[i].map((c, k) => Math.round(c + t * (stops[i + 1][k] - c)));
  return `rgb(${mix[0]}, ${mix[1]}, ${mix[2]})`;
}

/** Text on a heat cell: dark on light cells, light on dark ones. */
export function heatTextColor(position: number): string {
  return position > 0.55 ? '#fff' : '#111';
}

/** The singular-value spectra of one module (layer, kind), one line per run in its colour: x = index (1-based), y = σᵢ. */
export function spectrumSeries(results: readonly RunUpdateAnalysis[], runs: readonly RunRecord[], layer: number, kind: string): RunSeries[] {
  return results.flatMap((r) => {
    const run = runs.find((x) => x.id === r.runId);
    const m = moduleAt(r, layer, kind);
    if (!run || !m) return [];
    const points = m.deltaSingularValues.map((s, i) => ({ x: i + 1, y: s })).filter((p) => p.y > 0);
    return points.length > 0 ? [{ runId: run.id, name: run.name, color: run.color, points }] : [];
  });
}

/** Per run, the mean over its modules of each alignment figure (null where a module has none). */
export interface AlignmentSummary {
  runId: string;
  modules: number;
  meanRatio: number;
  meanEffectiveRank: number;
  meanAmplification: number | null;
  /** k → mean share of ΔW's energy in W's top-k subspace. */
  meanEnergy: { k: number; share: number | null }[];
}

export function alignmentSummary(result: RunUpdateAnalysis): AlignmentSummary {
  const mean = (values: (number | null)[]): number | null => {
    const known = values.filter((v): v is number => v !== null && Number.isFinite(v));
    return known.length === 0 ? null : known.reduce((a, b) => a + b, 0) / known.length;
  };
  const ks = result.modules[0]?.energyInWeightTopK.map((e) => e.k) ?? [];
  return {
    runId: result.runId,
    modules: result.modules.length,
    meanRatio: mean(result.modules.map((m) => m.deltaFroOverWeightFro)) ?? 0,
    meanEffectiveRank: mean(result.modules.map((m) => m.effectiveRank)) ?? 0,
    meanAmplification: mean(result.modules.map((m) => m.amplificationFactor)),
    meanEnergy: ks.map((k) => ({ k, share: mean(result.modules.map((m) => m.energyInWeightTopK.find((e) => e.k === k)?.share ?? null)) })),
  };
}
