/**
 * The scaling sweep's arithmetic: the grid as two curves meeting at one
 * corner, the extrapolation that predicts a shape's peak from the smaller
 * ones, the skip rules (too large for the memory, or a smaller shape already
 * skipped), and the CSV.
 */
import { describe, expect, it } from 'vitest';
import type { BenchRecord } from '../../../src/engine/bench/report';
import {
  extrapolate, measuredPoint, skippedPoint, skipReason, sweepCsv, sweepShapes, SWEEP_CSV_COLUMNS, type SweepContext,
} from '../../../src/engine/bench/sweep';

const GIB = 1024 ** 3;
const context: SweepContext = { model: 'gpt2-124m', backend: 'wasm', threads: 1, steps: 2, warmup: 1 };

const record = (method: 'wegeft' | 'lora', peak: number, ms = 100): BenchRecord =>
  ({ method, step_ms_median: ms, step_cpu_ms_median: ms, throughput: 10, peak_bytes: peak, num_tensors_growth: 0, steps: 2, warmup: 1 }) as BenchRecord;

describe('sweepShapes', () => {
  it('runs the sequence curve at the smallest batch, then the batch curve at the shortest sequence, the corner once', () => {
    expect(sweepShapes([256, 64, 128], [4, 1, 2])).toEqual([
      { batch: 1, seq: 64, curves: ['seq', 'batch'] },
      { batch: 1, seq: 128, curves: ['seq'] },
      { batch: 1, seq: 256, curves: ['seq'] },
      { batch: 2, seq: 64, curves: ['batch'] },
      { batch: 4, seq: 64, curves: ['batch'] },
    ]);
  });

  it('a single sequence length gives only the batch curve beyond the corner', () => {
    expect(sweepShapes([64], [1, 8])).toEqual([
      { batch: 1, seq: 64, curves: ['seq', 'batch'] },
      { batch: 8, seq: 64, curves: ['batch'] },
    ]);
    expect(() => sweepShapes([], [1])).toThrow(/at least one/);
  });
});

describe('extrapolate', () => {
  it('is exact for a line through two points and a parabola through three', () => {
    expect(extrapolate([{ x: 1, y: 10 }, { x: 2, y: 20 }], 8)).toBeCloseTo(80);
    // y = x² + 1
    expect(extrapolate([{ x: 1, y: 2 }, { x: 2, y: 5 }, { x: 4, y: 17 }], 8)).toBeCloseTo(65);
    // Only the last three count: a first point off the parabola changes nothing.
    expect(extrapolate([{ x: 0.5, y: 1000 }, { x: 1, y: 2 }, { x: 2, y: 5 }, { x: 4, y: 17 }], 8)).toBeCloseTo(65);
  });

  it('says nothing from fewer than two points, and never predicts less than the last', () => {
    expect(extrapolate([], 4)).toBeNull();
    expect(extrapolate([{ x: 1, y: 5 }], 4)).toBeNull();
    expect(extrapolate([{ x: 1, y: 9 }, { x: 2, y: 5 }], 4)).toBe(5);
  });
});

describe('skipReason', () => {
  const shapes = sweepShapes([64, 128, 256, 512], [1, 2]);

  it('runs a shape whose predicted peak fits, and skips one predicted above the limit, with the numbers', () => {
    const done = [
      measuredPoint(record('lora', 1 * GIB), shapes[0], context),
      measuredPoint(record('lora', 1.5 * GIB), shapes[1], context),
    ];
    // Linear from 64 → 1 GiB and 128 → 1.5 GiB: 256 → 2.5 GiB, 512 → 4.5 GiB.
    expect(skipReason(done, 'lora', shapes[2], 3 * GIB, 'the heap')).toBeNull();
    expect(skipReason(done, 'lora', shapes[3], 3 * GIB, 'the heap')).toBe(
      'predicted peak 4.50 GiB (from the smaller points) exceeds the heap (3.00 GiB)',
    );
    // Another method's points say nothing about this one.
    expect(skipReason(done, 'wegeft', shapes[3], 3 * GIB, 'the heap')).toBeNull();
  });

  it('skips every larger shape of a curve once a shape of it was skipped, but not the other curve', () => {
    const done = [
      measuredPoint(record('lora', GIB), shapes[0], context),
      skippedPoint('lora', shapes[1], context, 'failed: memory access out of bounds'),
    ];
    expect(skipReason(done, 'lora', shapes[2], 100 * GIB, 'x')).toBe('sequence 128 was already skipped');
    expect(skipReason(done, 'lora', shapes[4], 100 * GIB, 'x')).toBeNull();
  });
});

describe('sweepCsv', () => {
  it('writes a header and one row per point, nulls empty, a reason with a comma quoted', () => {
    const shapes = sweepShapes([64], [1, 2]);
    const csv = sweepCsv([
      measuredPoint(record('wegeft', 1000, 12.5), shapes[0], context),
      skippedPoint('lora', shapes[1], context, 'failed: out of memory, "heap"'),
    ]);
    const lines = csv.trimEnd().split('\n');
    expect(lines[0]).toBe(SWEEP_CSV_COLUMNS.join(','));
    expect(lines[1]).toBe('wegeft,gpt2-124m,wasm,1,1,64,seq+batch,measured,,12.5,12.5,10,1000,0,2,1');
    expect(lines[2]).toBe('lora,gpt2-124m,wasm,1,2,64,batch,skipped,"failed: out of memory, ""heap""",,,,,,2,1');
  });
});
