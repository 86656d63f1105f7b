/**
 * A rank sweep: every (method, rank) of a list, trained with the same data,
 * budget and seed, and compared by validation metric per trainable
 * parameter. Pure functions shared by the train CLI (`--sweep-ranks`) and
 * the app's Sweep action: the list parser, the runs a sweep makes, the CSV
 * both write (one row per run, the same columns), and the Pareto frontier
 * the chart marks. No tfjs: the page's main thread imports this.
 */
import type { ModelTask } from '../adapters/common/method-spec';
import { METHOD_SPECS, methodSpec, taskDefaults, type AdapterMethodName } from '../adapters/methods';

/** The ranks the app's Sweep offers when not told otherwise. */
export const DEFAULT_SWEEP_RANKS: readonly number[] = [1, 2, 4, 8, 16];

/** Most ranks one sweep may list: each is a whole run per method. */
export const MAX_SWEEP_RANKS = 16;

/**
 * `"1,2,4,8"` as ranks, ascending as given; throws an Error saying what is
 * wrong with the list (not a number, below 1, repeated, empty, too many).
 */
export function parseRankList(text: string): number[] {
  const parts = text.split(',').map((p) => p.trim());
  if (text.trim() === '' || parts.some((p) => p === '')) {
    throw new Error(`the ranks must be a comma-separated list of whole numbers ≥ 1 such as 1,2,4,8, got "${text}"`);
  }
  const ranks = parts.map((p) => {
    const n = /^\d+$/.test(p) ? Number(p) : Number.NaN;
    if (!(Number.isSafeInteger(n) && n >= 1)) throw new Error(`the ranks must be whole numbers ≥ 1, got "${p}" in "${text}"`);
    return n;
  });
  const repeated = ranks.find((r, i) => ranks.indexOf(r) !== i);
  if (repeated !== undefined) throw new Error(`rank ${repeated} is listed twice in "${text}"`);
  if (ranks.length > MAX_SWEEP_RANKS) throw new Error(`at most ${MAX_SWEEP_RANKS} ranks per sweep, got ${ranks.length}`);
  return ranks;
}

/** Whether a method has a rank to sweep over (full fine-tuning and the methods without a rank option have none). */
export function hasRank(method: AdapterMethodName): boolean {
  return 'rank' in methodSpec(method).options;
}

/** One run of a sweep: its method, and the options it sets on top of the method's defaults. */
export interface SweepRun {
  method: AdapterMethodName;
  rank: number;
  /** The method's α at this rank (absent when the method has no α). */
  alpha?: number;
}

/**
 * The runs of a sweep, method by method, each in the order of `ranks`.
 * α keeps the method's default scale α / r for the task at every rank (the
 * update's size then does not change with the rank, as the WeGeFT paper and
 * the LoRA baselines scale it), unless `alpha` fixes one α for every run.
 * A method without a rank is an Error naming the methods that have one.
 */
export function sweepRuns(methods: readonly AdapterMethodName[], ranks: readonly number[], task: ModelTask, alpha?: number): SweepRun[] {
  const problem = sweepMethodsProblem(methods);
  if (problem) throw new Error(problem);
  return methods.flatMap((method) => ranks.map((rank) => ({ method, rank, ...alphaAt(method, task, rank, alpha) })));
}

/** What is wrong with a sweep's list of methods (none, one without a rank, one twice), or null. */
export function sweepMethodsProblem(methods: readonly AdapterMethodName[]): string | null {
  if (methods.length === 0) return 'choose at least one method to sweep';
  const without = methods.filter((m) => !hasRank(m));
  if (without.length > 0) {
    const having = METHOD_SPECS.filter((s) => 'rank' in s.options).map((s) => s.name);
    return `${without.map((m) => methodSpec(m).label).join(', ')} ${without.length > 1 ? 'have' : 'has'} no rank to sweep over (methods with a rank: ${having.join(', ')})`;
  }
  const repeated = methods.find((m, i) => methods.indexOf(m) !== i);
  return repeated !== undefined ? `method ${repeated} is listed twice` : null;
}

function alphaAt(method: AdapterMethodName, task: ModelTask, rank: number, fixed?: number): { alpha?: number } {
  if (!('alpha' in methodSpec(method).options)) return {};
  if (fixed !== undefined) return { alpha: fixed };
  const defaults = taskDefaults(method, task).options;
  const scale = Number(defaults.alpha) / Number(defaults.rank);
  return { alpha: scale * rank };
}

/** The CSV's columns, in order: the train CLI and the app write exactly these. */
export const SWEEP_CSV_COLUMNS = [
  'method',
  'rank',
  'alpha',
  'trainable_parameters',
  'metric_name',
  'metric',
  'base_metric',
  'validation_loss',
  'steps',
  'step_ms',
  'throughput',
  'peak_bytes',
  'seed',
] as const;

export type SweepCsvColumn = (typeof SWEEP_CSV_COLUMNS)[number];

/**
 * One run's row. `metric` is the final validation accuracy (classifiers) or
 * perplexity (language models), `base_metric` the base model's on the same
 * held-out data; both null without validation data. `step_ms` is the median
 * wall time per step, device time included; `peak_bytes` the run's memory
 * high-water mark.
 */
export interface SweepRow {
  method: string;
  rank: number | null;
  alpha: number | null;
  trainable_parameters: number;
  metric_name: MetricName | null;
  metric: number | null;
  base_metric: number | null;
  validation_loss: number | null;
  steps: number;
  step_ms: number;
  throughput: number;
  peak_bytes: number;
  seed: number;
}

export type MetricName = 'accuracy' | 'perplexity';

/** Whether a larger value of the metric is better. */
export function higherIsBetter(metric: MetricName): boolean {
  return metric === 'accuracy';
}

/** The rows as CSV (RFC 4180: a header line, quoted fields where needed, CRLF-free `\n` lines). */
export function sweepCsv(rows: readonly SweepRow[]): string {
  const lines = [SWEEP_CSV_COLUMNS.join(',')];
  for (const row of rows) lines.push(SWEEP_CSV_COLUMNS.map((c) => csvField(row[c])).join(','));
  return `${lines.join('\n')}\n`;
}

function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export interface FrontierPoint {
  /** Trainable parameters (the cost). */
  parameters: number;
  /** The validation metric (the gain). */
  metric: number;
}

/**
 * Indices of the points on the Pareto frontier, by ascending parameters: a
 * point is on it when no other point has at most as many parameters and a
 * metric at least as good, one of the two strictly. Equal points are all on it.
 */
export function paretoFrontier(points: readonly FrontierPoint[], higherBetter: boolean): number[] {
  const better = (a: number, b: number) => (higherBetter ? a > b : a < b);
  const atLeast = (a: number, b: number) => a === b || better(a, b);
  const onFrontier = points.map((p, i) =>
    Number.isFinite(p.metric) &&
    !points.some(
      (q, j) =>
        j !== i &&
        Number.isFinite(q.metric) &&
        q.parameters <= p.parameters &&
        atLeast(q.metric, p.metric) &&
        (q.parameters < p.parameters || better(q.metric, p.metric)),
    ),
  );
  return points
    .map((p, i) => ({ p, i }))
    .filter(({ i }) => onFrontier[i])
    .sort((a, b) => a.p.parameters - b.p.parameters || a.i - b.i)
    .map(({ i }) => i);
}
