/**
 * The scaling sweep (`npm run bench -- --sweep`): step time and peak memory
 * of the benchmark's own measurement (src/engine/bench/run.ts) at a grid of
 * shapes, as two curves that meet at one corner:
 * - the sequence curve: every sequence length at the smallest batch;
 * - the batch curve: every batch size at the shortest sequence.
 * Each curve runs from its smallest point up, so a point the memory cannot
 * hold is predicted from the ones before it and skipped (with the reason),
 * and so are the larger ones after it.
 *
 * Plain data and arithmetic only: the CLI (scripts/lib/bench/sweep.ts) runs
 * the points and draws the charts (src/engine/bench/sweep-chart.ts).
 */
import type { AdapterMethodName } from '../adapters/types';
import type { BenchRecord } from './report';

export type SweepCurve = 'seq' | 'batch';

export interface SweepShape {
  batch: number;
  seq: number;
  /** The curves this shape is a point of (the corner is on both). */
  curves: SweepCurve[];
}

/**
 * The shapes to measure, each once, in run order: the sequence curve from
 * the shortest sequence up, then the rest of the batch curve from the
 * smallest batch up.
 */
export function sweepShapes(seqs: readonly number[], batches: readonly number[]): SweepShape[] {
  if (seqs.length === 0 || batches.length === 0) throw new Error('a sweep needs at least one sequence length and one batch size');
  const sortedSeqs = [...new Set(seqs)].sort((a, b) => a - b);
  const sortedBatches = [...new Set(batches)].sort((a, b) => a - b);
  const [seq0, batch0] = [sortedSeqs[0], sortedBatches[0]];
  const shapes: SweepShape[] = sortedSeqs.map((seq) => ({ batch: batch0, seq, curves: seq === seq0 ? ['seq', 'batch'] : ['seq'] }));
  for (const batch of sortedBatches.slice(1)) shapes.push({ batch, seq: seq0, curves: ['batch'] });
  return shapes;
}

/** The variable a curve moves along. */
export const curveX = (curve: SweepCurve, shape: { batch: number; seq: number }) => (curve === 'seq' ? shape.seq : shape.batch);

/**
 * A quantity at `x` from the points measured before it on the same curve:
 * through the last three a parabola (attention's memory grows with the
 * square of the sequence), through the last two a line; null from fewer.
 * Never below the last point: a larger shape does not need less.
 */
export function extrapolate(points: readonly { x: number; y: number }[], x: number): number | null {
  const last = points.slice(-3);
  if (last.length < 2) return null;
  let value = 0;
  // Lagrange's form of the polynomial through the points.
  for (let i = 0; i < last.length; i++) {
    let term = last[i].y;
    for (let j = 0; j < last.length; j++) if (j !== i) term *= (x - last[j].x) / (last[i].x - last[j].x);
    value += term;
  }
  return Math.max(value, last[last.length - 1].y);
}

/** One method at one shape: measured, or skipped and why. */
export interface SweepPoint {
  method: AdapterMethodName;
  model: string;
  backend: string;
  /** WASM's kernel threads; null elsewhere. */
  threads: number | null;
  batch: number;
  seq: number;
  curves: SweepCurve[];
  status: 'measured' | 'skipped';
  /** Why it was skipped; null when measured. */
  reason: string | null;
  step_ms_median: number | null;
  step_cpu_ms_median: number | null;
  /** Tokens per second at the median step. */
  throughput: number | null;
  peak_bytes: number | null;
  num_tensors_growth: number | null;
  steps: number;
  warmup: number;
}

export interface SweepContext {
  model: string;
  backend: string;
  threads: number | null;
  steps: number;
  warmup: number;
}

/** What every point of a shape says about where it was run, measured or not. */
function pointContext(method: AdapterMethodName, shape: SweepShape, context: SweepContext) {
  const { model, backend, threads } = context;
  return { method, model, backend, threads, batch: shape.batch, seq: shape.seq, curves: shape.curves };
}

export function measuredPoint(record: BenchRecord, shape: SweepShape, context: SweepContext): SweepPoint {
  return {
    ...pointContext(record.method, shape, context),
    status: 'measured',
    reason: null,
    step_ms_median: record.step_ms_median,
    step_cpu_ms_median: record.step_cpu_ms_median,
    throughput: record.throughput,
    peak_bytes: record.peak_bytes,
    num_tensors_growth: record.num_tensors_growth,
    steps: record.steps,
    warmup: record.warmup,
  };
}

export function skippedPoint(method: AdapterMethodName, shape: SweepShape, context: SweepContext, reason: string): SweepPoint {
  return {
    ...pointContext(method, shape, context),
    status: 'skipped',
    reason,
    step_ms_median: null,
    step_cpu_ms_median: null,
    throughput: null,
    peak_bytes: null,
    num_tensors_growth: null,
    steps: context.steps,
    warmup: context.warmup,
  };
}

const GIB = 1024 ** 3;

/**
 * Why a shape should not be run, from the method's points measured before it
 * on the shape's curves: its predicted peak memory above `limitBytes`, or a
 * smaller shape of the same curve already skipped. Null: run it.
 */
export function skipReason(done: readonly SweepPoint[], method: AdapterMethodName, shape: SweepShape, limitBytes: number, limitName: string): string | null {
  for (const curve of shape.curves) {
    const before = done.filter((p) => p.method === method && p.curves.includes(curve) && curveX(curve, p) < curveX(curve, shape));
    const skipped = before.find((p) => p.status === 'skipped');
    if (skipped) return `${curve === 'seq' ? `sequence ${skipped.seq}` : `batch ${skipped.batch}`} was already skipped`;
    const measured = before.filter((p) => p.peak_bytes !== null).map((p) => ({ x: curveX(curve, p), y: p.peak_bytes! }));
    const predicted = extrapolate(measured, curveX(curve, shape));
    if (predicted !== null && predicted > limitBytes) {
      return `predicted peak ${(predicted / GIB).toFixed(2)} GiB (from the smaller points) exceeds ${limitName} (${(limitBytes / GIB).toFixed(2)} GiB)`;
    }
  }
  return null;
}

export const SWEEP_CSV_COLUMNS = [
  'method', 'model', 'backend', 'threads', 'batch', 'seq', 'curves', 'status', 'reason',
  'step_ms_median', 'step_cpu_ms_median', 'throughput', 'peak_bytes', 'num_tensors_growth', 'steps', 'warmup',
] as const;

/** A CSV field: quoted when it holds a comma, quote or line break (RFC 4180); empty for null. */
function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = Array.isArray(value) ? value.join('+') : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function sweepCsv(points: readonly SweepPoint[]): string {
  const rows = points.map((p) => SWEEP_CSV_COLUMNS.map((c) => csvField(p[c])).join(','));
  return [SWEEP_CSV_COLUMNS.join(','), ...rows].join('\n') + '\n';
}
