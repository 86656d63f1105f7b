/**
 * Chart series from the runs' metric points: pure functions, so what each
 * chart plots is tested apart from the drawing.
 */
import type { EvalResult, MetricPoint } from '../../worker/protocol';
import type { RunRecord } from '../store/types';

export interface XY {
  x: number;
  y: number;
}

export interface RunSeries {
  runId: string;
  name: string;
  color: string;
  points: XY[];
}

/**
 * Points a chart draws per series at most. An SVG line of every step of a
 * long run (thousands of points, several charts, redrawn a few times a
 * second while training) kept the page's main thread busy for seconds at a
 * time; a few hundred points are more than a chart's width shows.
 */
export const MAX_CHART_POINTS = 600;

/**
 * At most `max` of the points, in x order: the first and the last, and of
 * each of the equal runs of points between, the lowest and the highest (so
 * spikes and the envelope of a noisy loss stay visible).
 */
export function downsample(points: XY[], max = MAX_CHART_POINTS): XY[] {
  if (points.length <= max) return points;
  const buckets = Math.max(1, Math.floor((max - 2) / 2));
  const inner = points.length - 2;
  const out: XY[] = [points[0]];
  for (let b = 0; b < buckets; b++) {
    const start = 1 + Math.floor((b * inner) / buckets);
    const end = 1 + Math.floor(((b + 1) * inner) / buckets); // exclusive
    if (end <= start) continue;
    let lo = start;
    let hi = start;
    for (let i = start + 1; i < end; i++) {
      if (points[i].y < points[lo].y) lo = i;
      if (points[i].y > points[hi].y) hi = i;
    }
    if (lo === hi) out.push(points[lo]);
    else out.push(points[Math.min(lo, hi)], points[Math.max(lo, hi)]);
  }
  out.push(points[points.length - 1]);
  return out;
}

/** One series per run, from the points where `y` is defined (at most MAX_CHART_POINTS of them, see downsample). */
export function runSeries(
  runs: RunRecord[],
  metrics: Record<string, MetricPoint[]>,
  x: (p: MetricPoint) => number,
  y: (p: MetricPoint) => number | null,
): RunSeries[] {
  return runs
    .map((run) => ({
      runId: run.id,
      name: run.name,
      color: run.color,
      points: downsample(
        (metrics[run.id] ?? []).flatMap((p) => {
          const value = y(p);
          return value === null || !Number.isFinite(value) ? [] : [{ x: x(p), y: value }];
        }),
      ),
    }))
    .filter((s) => s.points.length > 0);
}

export const byStep = (p: MetricPoint) => p.step;
/** The run's own compute, s: its steps only (what a run would take alone). */
export const bySeconds = (p: MetricPoint) => p.timeMs / 1000;
/** Wall clock since the run started, s, pauses excluded (other runs' turns included); points saved before it existed use their compute time. */
export const byWallSeconds = (p: MetricPoint) => (p.wallMs ?? p.timeMs) / 1000;
export const lossOf = (p: MetricPoint) => p.loss;
export const memoryMbOf = (p: MetricPoint) => p.memoryBytes / (1024 * 1024);

/** Throughput in tokens/s for language models, else examples/s. */
export const throughputOf = (p: MetricPoint) => p.tokensPerSecond ?? p.examplesPerSecond;

/** The validation metric: accuracy for classifiers, perplexity for language models. */
export function validationOf(p: MetricPoint): number | null {
  if (!p.validation) return null;
  return p.validation.kind === 'classifier' ? p.validation.accuracy : p.validation.perplexity;
}

/** The task metric of an evaluation: accuracy for classifiers, perplexity for language models. */
export const metricOfEval = (e: EvalResult) => (e.kind === 'classifier' ? e.accuracy : e.perplexity);
/** The validation loss of an evaluation. */
export const lossOfEval = (e: EvalResult) => e.loss;

/**
 * One series per run of an evaluation's value by step: the base evaluation
 * at step 0 (before any update, on the same held-out data), then every
 * evaluation of the run, so "better than the base" reads off the curve.
 */
export function evaluationSeries(runs: RunRecord[], metrics: Record<string, MetricPoint[]>, value: (e: EvalResult) => number): RunSeries[] {
  return runs
    // An imported run has no steps here: its one evaluation (and the base model's) is in the summary and the efficiency chart, not drawn as a curve.
    .filter((run) => !run.imported)
    .map((run) => {
      const evaluated = (metrics[run.id] ?? []).flatMap((p) => (p.validation ? [{ x: p.step, y: value(p.validation) }] : []));
      const base = run.baseEval ? [{ x: 0, y: value(run.baseEval) }] : [];
      return { runId: run.id, name: run.name, color: run.color, points: downsample([...base, ...evaluated].filter((p) => Number.isFinite(p.y))) };
    })
    .filter((s) => s.points.length > 0);
}

export interface RunSummaryRow {
  runId: string;
  name: string;
  color: string;
  method: string;
  trainable: number | null;
  percent: number | null;
  steps: number;
  firstLoss: number | null;
  lastLoss: number | null;
  validation: string | null;
  medianStepMs: number | null;
  throughput: number | null;
  peakMemoryBytes: number | null;
  status: string;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** One row per run for the summary table and the CSV/JSON report. */
export function summaryRows(runs: RunRecord[], metrics: Record<string, MetricPoint[]>, describe: (run: RunRecord) => string): RunSummaryRow[] {
  return runs.map((run) => {
    const points = metrics[run.id] ?? [];
    const losses = points.filter((p) => p.loss !== null);
    const stepTimes = points.slice(1).map((p, i) => p.timeMs - points[i].timeMs).filter((t) => t > 0);
    const lastEval = run.finalEval ?? [...points].reverse().find((p) => p.validation)?.validation ?? null;
    return {
      runId: run.id,
      name: run.name,
      color: run.color,
      method: describe(run),
      trainable: run.trainable?.count ?? null,
      percent: run.trainable?.percent ?? null,
      steps: points.length ? points[points.length - 1].step : 0,
      firstLoss: losses[0]?.loss ?? null,
      lastLoss: losses[losses.length - 1]?.loss ?? null,
      validation: lastEval
        ? lastEval.kind === 'classifier'
          ? `accuracy ${(lastEval.accuracy * 100).toFixed(1)}%`
          : `perplexity ${lastEval.perplexity.toFixed(2)}`
        : run.imported
          ? 'not evaluated'
          : null,
      medianStepMs: median(stepTimes),
      throughput: median(points.map(throughputOf)),
      peakMemoryBytes: points.length ? Math.max(...points.map((p) => p.peakBytes ?? p.memoryBytes)) : null,
      // An imported run was trained elsewhere: no steps, losses or timings here.
      status: run.imported ? 'imported' : run.status,
    };
  });
}
