/**
 * The benchmark's results as records (one per method, the `--json` lines of
 * `npm run bench` and what the browser page shows), with ratios against
 * LoRA, and as a plain-text table.
 */
import { RIVAL_METHOD } from '../adapters/methods';
import type { AdapterMethodName } from '../adapters/types';
import type { KernelSummary } from './kernels';
import type { MethodResult } from './run';

/** What was measured where: the same on every line of one run. */
export interface BenchContext {
  /** Preset name or checkpoint folder. */
  model: string;
  backend: string;
  /** The GPU adapter (vendor/architecture) on WebGPU; null elsewhere. */
  device: string | null;
  /** WASM's kernel threads (tfjs-wasm's getThreadsCount); null or absent off WASM. */
  threads?: number | null;
  batchSize: number;
  /** Tokens per sequence; null for image models. */
  seqLength: number | null;
  rank: number;
  /** Effective counts, after rounding to whole read-back windows. */
  steps: number;
  warmup: number;
  readbackEvery: number;
  /** Activation checkpointing per block was on (absent: off). */
  checkpointing?: boolean;
  /** The memory planner's estimate of each method's peak, bytes (src/engine/train/memory-plan.ts). */
  estimatedPeakBytes?: Partial<Record<AdapterMethodName, number>>;
  /** WebGPU's buffer pool (bytes) at the end of the run, all methods together; null off WebGPU. */
  gpuBytesAllocated: number | null;
  /** Include each method's kernel breakdown. */
  includeKernels: boolean;
}

export interface BenchRecord {
  method: AdapterMethodName;
  model: string;
  backend: string;
  device: string | null;
  /** WASM's kernel threads; null off WASM. */
  threads: number | null;
  trainable_parameters: number;
  step_ms_median: number;
  /** This process's CPU ms per step (Node only; null in a browser). */
  step_cpu_ms_median: number | null;
  throughput: number;
  throughput_unit: 'tokens/s' | 'images/s';
  peak_bytes: number;
  /** The memory planner's estimate of peak_bytes, made before the run; null when not estimated. */
  estimated_peak_bytes: number | null;
  gpu_bytes_allocated: number | null;
  num_tensors_growth: number;
  batch: number;
  seq: number | null;
  rank: number;
  steps: number;
  warmup: number;
  readback_every: number;
  /** Activation checkpointing per block was on. */
  checkpointing: boolean;
  /** This method's value over LoRA's, from the same run; null when LoRA was not run. */
  trainable_parameters_vs_lora: number | null;
  step_ms_vs_lora: number | null;
  step_cpu_ms_vs_lora: number | null;
  throughput_vs_lora: number | null;
  peak_bytes_vs_lora: number | null;
  /** ms per step of each measured window, in the order run. */
  step_ms_windows: number[];
  kernels?: KernelSummary[];
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));

export function benchRecords(results: readonly MethodResult[], context: BenchContext): BenchRecord[] {
  // The rival every result is measured against (the registry's `role: 'rival'`); the *_vs_lora fields keep their names.
  const lora = results.find((r) => r.method === RIVAL_METHOD.name) ?? null;
  const ratio = (value: number | null, of: (r: MethodResult) => number | null) => {
    const base = lora ? of(lora) : null;
    return value !== null && base !== null && base > 0 ? round(value / base, 4) : null;
  };
  return results.map((r) => {
    const record: BenchRecord = {
      method: r.method,
      model: context.model,
      backend: context.backend,
      device: context.device,
      threads: context.threads ?? null,
      trainable_parameters: r.trainableParameters,
      step_ms_median: round(r.stepMsMedian, 3),
      step_cpu_ms_median: r.cpuMsMedian === null ? null : round(r.cpuMsMedian, 3),
      throughput: round(r.throughput, 2),
      throughput_unit: r.unit === 'tokens' ? 'tokens/s' : 'images/s',
      peak_bytes: r.peakBytes,
      estimated_peak_bytes: context.estimatedPeakBytes?.[r.method] ?? null,
      gpu_bytes_allocated: context.gpuBytesAllocated,
      num_tensors_growth: r.numTensorsGrowth,
      batch: context.batchSize,
      seq: context.seqLength,
      rank: context.rank,
      steps: context.steps,
      warmup: context.warmup,
      readback_every: context.readbackEvery,
      checkpointing: context.checkpointing ?? false,
      trainable_parameters_vs_lora: ratio(r.trainableParameters, (l) => l.trainableParameters),
      step_ms_vs_lora: ratio(r.stepMsMedian, (l) => l.stepMsMedian),
      step_cpu_ms_vs_lora: ratio(r.cpuMsMedian, (l) => l.cpuMsMedian),
      throughput_vs_lora: ratio(r.throughput, (l) => l.throughput),
      peak_bytes_vs_lora: ratio(r.peakBytes, (l) => l.peakBytes),
      step_ms_windows: r.windowStepMs.map((ms) => round(ms, 3)),
    };
    if (context.includeKernels) record.kernels = r.kernels.map((k) => ({ ...k, ms: round(k.ms, 3) }));
    return record;
  });
}

const MB = 1024 * 1024;

/** A fixed-width table of the records, for a terminal or a <pre>. */
export function formatTable(records: readonly BenchRecord[]): string {
  const vs = `vs ${RIVAL_METHOD.label}`;
  const header = ['method', 'trainable', vs, 'ms/step', vs, 'CPU ms', vs, 'throughput', 'peak MiB', vs, 'leak'];
  const rows = records.map((r) => [
    r.method,
    r.trainable_parameters.toLocaleString('en-US'),
    ratioText(r.trainable_parameters_vs_lora),
    r.step_ms_median.toFixed(1),
    ratioText(r.step_ms_vs_lora),
    r.step_cpu_ms_median === null ? '-' : r.step_cpu_ms_median.toFixed(1),
    ratioText(r.step_cpu_ms_vs_lora),
    `${r.throughput.toFixed(1)} ${r.throughput_unit}`,
    (r.peak_bytes / MB).toFixed(1),
    ratioText(r.peak_bytes_vs_lora),
    String(r.num_tensors_growth),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

/** The kernels of one method's profiled step, as a table with each kernel's share of the time. */
export function formatKernels(kernels: readonly KernelSummary[], limit = 20): string {
  const total = kernels.reduce((sum, k) => sum + k.ms, 0);
  const lines = kernels.slice(0, limit).map((k) => {
    const share = total > 0 ? `${((100 * k.ms) / total).toFixed(1)}%` : '-';
    return `${k.name.padEnd(24)} ${String(k.count).padStart(6)}× ${k.ms.toFixed(1).padStart(10)} ms ${share.padStart(7)}`;
  });
  const calls = kernels.reduce((sum, k) => sum + k.count, 0);
  lines.push(`${'total'.padEnd(24)} ${String(calls).padStart(6)}× ${total.toFixed(1).padStart(10)} ms`);
  return lines.join('\n');
}

function ratioText(value: number | null): string {
  return value === null ? '-' : `${value.toFixed(3)}×`;
}
