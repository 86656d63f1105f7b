/**
 * "Accuracy per trainable parameter": each finished run a point (its
 * trainable parameters, its final validation metric), the runs of one
 * method joined in rank order, the Pareto frontier marked, and the same
 * runs as the CSV rows the train CLI's --sweep-ranks writes. Pure, so what
 * the chart draws is tested apart from the drawing.
 */
import { methodSpec } from '../../engine/adapters/methods';
import { higherIsBetter, paretoFrontier, type MetricName, type SweepRow } from '../../engine/train/sweep';
import type { EvalResult, MetricPoint } from '../../worker/protocol';
import type { RunRecord } from '../store/types';
import { summaryRows } from './series';

export interface EfficiencyPoint {
  runId: string;
  name: string;
  color: string;
  method: string;
  rank: number | null;
  /** Trainable parameters (the x axis, log scale). */
  x: number;
  /** The final validation metric (the y axis). */
  y: number;
  metricName: MetricName;
  stepMs: number | null;
  peakBytes: number | null;
}

export interface EfficiencyLine {
  method: string;
  label: string;
  /** In rank order (then by parameters, for methods without a rank). */
  points: EfficiencyPoint[];
}

const metricName = (e: EvalResult): MetricName => (e.kind === 'classifier' ? 'accuracy' : 'perplexity');
const metricValue = (e: EvalResult) => (e.kind === 'classifier' ? e.accuracy : e.perplexity);
const rankOf = (run: RunRecord) => ('rank' in methodSpec(run.form.method).options && typeof run.form.rank === 'number' ? run.form.rank : null);

/** The finished runs that have a final evaluation and a trainable count, as points (one metric: the first run's). */
export function efficiencyPoints(runs: RunRecord[], metrics: Record<string, MetricPoint[]>): EfficiencyPoint[] {
  const rows = new Map(summaryRows(runs, metrics, () => '').map((r) => [r.runId, r]));
  const done = runs.filter((r) => r.status === 'finished' && r.finalEval && r.trainable?.count);
  const name = done[0]?.finalEval ? metricName(done[0].finalEval) : null;
  return done
    .filter((r) => metricName(r.finalEval!) === name)
    .map((run) => ({
      runId: run.id,
      name: run.name,
      color: run.color,
      method: run.form.method,
      rank: rankOf(run),
      x: run.trainable!.count!,
      y: metricValue(run.finalEval!),
      metricName: name!,
      stepMs: rows.get(run.id)?.medianStepMs ?? null,
      peakBytes: rows.get(run.id)?.peakMemoryBytes ?? null,
    }));
}

/** One line per method, in the registry's order, its points in rank order. */
export function efficiencyLines(points: EfficiencyPoint[]): EfficiencyLine[] {
  const methods = [...new Set(points.map((p) => p.method))];
  return methods.map((method) => ({
    method,
    label: methodSpec(method as never).label,
    points: points.filter((p) => p.method === method).sort((a, b) => (a.rank ?? 0) - (b.rank ?? 0) || a.x - b.x),
  }));
}

/** The points on the Pareto frontier (fewer parameters and a better metric than any other), by ascending parameters. */
export function efficiencyFrontier(points: EfficiencyPoint[]): EfficiencyPoint[] {
  if (points.length === 0) return [];
  const indices = paretoFrontier(points.map((p) => ({ parameters: p.x, metric: p.y })), higherIsBetter(points[0].metricName));
  return indices.map((i) => points[i]);
}

/** A log axis: whole decades around the data, ticks at 1, 2 and 5 × 10^k inside them. */
export function logAxis(min: number, max: number): { domain: [number, number]; ticks: number[] } {
  if (!(min > 0 && max > 0)) return { domain: [1, 10], ticks: [1, 2, 5, 10] };
  const lo = 10 ** Math.floor(Math.log10(min));
  const hi = 10 ** Math.ceil(Math.log10(max) + (max === min ? 1e-9 : 0));
  const top = hi === lo ? lo * 10 : hi;
  const ticks: number[] = [];
  for (let decade = lo; decade < top; decade *= 10) for (const m of [1, 2, 5]) ticks.push(Number((m * decade).toPrecision(6)));
  ticks.push(top);
  // Many decades: the decades alone, or the axis is a fence.
  return { domain: [lo, top], ticks: ticks.length > 10 ? ticks.filter((t) => Math.log10(t) % 1 === 0) : ticks };
}

/** The runs as the train CLI's sweep CSV rows (src/engine/train/sweep.ts names the columns). */
export function sweepRowsOf(runs: RunRecord[], metrics: Record<string, MetricPoint[]>): SweepRow[] {
  const summary = new Map(summaryRows(runs, metrics, () => '').map((r) => [r.runId, r]));
  return runs
    .filter((r) => r.status === 'finished' && r.trainable?.count)
    .map((run) => {
      const row = summary.get(run.id)!;
      const hasAlpha = 'alpha' in methodSpec(run.form.method).options;
      return {
        method: run.form.method,
        rank: rankOf(run),
        alpha: hasAlpha && typeof run.form.alpha === 'number' ? run.form.alpha : null,
        trainable_parameters: run.trainable!.count!,
        metric_name: run.finalEval ? metricName(run.finalEval) : null,
        metric: run.finalEval ? metricValue(run.finalEval) : null,
        base_metric: run.baseEval ? metricValue(run.baseEval) : null,
        validation_loss: run.finalEval?.loss ?? null,
        steps: row.steps,
        step_ms: row.medianStepMs ?? 0,
        throughput: row.throughput ?? 0,
        peak_bytes: row.peakMemoryBytes ?? 0,
        seed: run.form.seed,
      };
    });
}
