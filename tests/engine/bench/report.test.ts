/**
 * Benchmark records: one per method, with the run's context on every line,
 * ratios against LoRA from the same run (null without LoRA), and kernels
 * only when asked for; the kernel summary groups by name and leaves out
 * customGrad op scopes, whose kernels are recorded too.
 */
import { describe, expect, it } from 'vitest';
import { summariseKernels } from '../../../src/engine/bench/kernels';
import { benchRecords, formatTable, type BenchContext } from '../../../src/engine/bench/report';
import type { MethodResult } from '../../../src/engine/bench/run';

const result = (method: MethodResult['method'], trainable: number, ms: number, peak: number): MethodResult => ({
  method,
  trainableParameters: trainable,
  windowStepMs: [ms, ms + 2, ms - 2],
  stepMsMedian: ms,
  cpuMsMedian: method === 'full' ? null : ms - 1,
  throughput: (1024 * 1000) / ms,
  unit: 'tokens',
  unitsPerStep: 1024,
  peakBytes: peak,
  persistentBytes: 0,
  numTensorsGrowth: 0,
  kernels: [{ name: 'BatchMatMul', count: 3, ms: 1.23456, bytesAdded: 12 }],
  profiledStepMs: ms * 2,
});

const context: BenchContext = {
  model: 'gpt2-tiny',
  backend: 'cpu',
  device: null,
  batchSize: 4,
  seqLength: 256,
  rank: 16,
  steps: 3,
  warmup: 1,
  readbackEvery: 1,
  gpuBytesAllocated: null,
  includeKernels: false,
};

describe('benchRecords', () => {
  it('gives each method its ratios against LoRA', () => {
    const [wegeft, lora] = benchRecords([result('wegeft', 100, 50, 900), result('lora', 400, 40, 1000)], context);
    expect(wegeft).toMatchObject({
      method: 'wegeft',
      model: 'gpt2-tiny',
      backend: 'cpu',
      trainable_parameters: 100,
      step_ms_median: 50,
      throughput_unit: 'tokens/s',
      peak_bytes: 900,
      trainable_parameters_vs_lora: 0.25,
      step_ms_vs_lora: 1.25,
      step_cpu_ms_median: 49,
      step_cpu_ms_vs_lora: 1.2564, // 49 / 39, to 4 places
      throughput_vs_lora: 0.8,
      peak_bytes_vs_lora: 0.9,
      batch: 4,
      seq: 256,
      step_ms_windows: [50, 52, 48],
    });
    expect(lora.step_ms_vs_lora).toBe(1);
    expect(wegeft.kernels).toBeUndefined();
  });

  it('has no ratios when LoRA was not run, and kernels when asked', () => {
    const [full] = benchRecords([result('full', 1000, 80, 5000)], { ...context, includeKernels: true });
    expect(full.step_ms_vs_lora).toBeNull();
    expect(full.trainable_parameters_vs_lora).toBeNull();
    expect(full.step_cpu_ms_median).toBeNull();
    expect(full.kernels).toEqual([{ name: 'BatchMatMul', count: 3, ms: 1.235, bytesAdded: 12 }]);
  });

  it('formats a table with a row per method', () => {
    const table = formatTable(benchRecords([result('wegeft', 100, 50, 900), result('lora', 400, 40, 1000)], context));
    const lines = table.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^wegeft\s+100\s+0\.250×\s+50\.0\s+1\.250×\s+49\.0\s+1\.256×/);
  });
});

describe('summariseKernels', () => {
  const kernel = (name: string, ms: number, bytesAdded = 0) =>
    ({ name, kernelTimeMs: ms, bytesAdded, totalBytesSnapshot: 0, tensorsAdded: 0, totalTensorsSnapshot: 0, inputShapes: [], outputShapes: [], extraInfo: '' }) as never;

  it('adds up by name, most time first, without op scopes', () => {
    const summary = summariseKernels([
      kernel('Add', 1, 8),
      kernel('BatchMatMul', 5, 100),
      kernel('fusedMatMul__op', 7),
      kernel('Add', 2, 8),
    ]);
    expect(summary).toEqual([
      { name: 'BatchMatMul', count: 1, ms: 5, bytesAdded: 100 },
      { name: 'Add', count: 2, ms: 3, bytesAdded: 16 },
    ]);
  });

  it('counts a kernel the backend could not time as 0 ms', () => {
    const untimed = { ...(kernel('Exp', 0) as object), kernelTimeMs: { error: 'no timer' } } as never;
    expect(summariseKernels([untimed])).toEqual([{ name: 'Exp', count: 1, ms: 0, bytesAdded: 0 }]);
  });
});
