/**
 * The sweep's charts: round ticks on both log axes, units that keep the
 * tick labels short, points placed on the log scale, one line per method
 * named in the legend, and a note for every skipped point.
 */
import { describe, expect, it } from 'vitest';
import type { BenchRecord } from '../../../src/engine/bench/report';
import { curveSeries, log2Ticks, logPosition, logTicks, memoryUnit, sweepFigure, tickLabel, timeUnit } from '../../../src/engine/bench/sweep-chart';
import { measuredPoint, skippedPoint, sweepShapes, type SweepContext } from '../../../src/engine/bench/sweep';

const context: SweepContext = { model: 'gpt2-124m', backend: 'wasm', threads: 1, steps: 2, warmup: 1 };
const record = (method: 'wegeft' | 'lora', ms: number, peak: number) =>
  ({ method, step_ms_median: ms, step_cpu_ms_median: ms, throughput: 1, peak_bytes: peak, num_tensors_growth: 0, steps: 2, warmup: 1 }) as BenchRecord;

describe('ticks', () => {
  it('log2: the powers of two covering the range', () => {
    expect(log2Ticks(64, 1024)).toEqual([64, 128, 256, 512, 1024]);
    expect(log2Ticks(1, 32)).toEqual([1, 2, 4, 8, 16, 32]);
    expect(log2Ticks(3, 5)).toEqual([2, 4, 8]);
    expect(() => log2Ticks(0, 4)).toThrow();
  });

  it('log: 1-2-5 from at or below the minimum to at or above the maximum', () => {
    expect(logTicks(3.6, 28.6)).toEqual([2, 5, 10, 20, 50]);
    expect(logTicks(633, 1806)).toEqual([500, 1000, 2000]);
    expect(logTicks(0.3, 0.7)).toEqual([0.2, 0.5, 1]);
    expect(logTicks(100, 100)).toEqual([100]);
  });

  it('log: only powers of ten over a wide range', () => {
    expect(logTicks(1.5, 40000)).toEqual([1, 10, 100, 1000, 10000, 100000]);
  });

  it('units and labels keep ticks short', () => {
    expect(timeUnit(1999)).toEqual({ name: 'ms', scale: 1 });
    expect(timeUnit(28600)).toEqual({ name: 's', scale: 1000 });
    expect(memoryUnit(1.9 * 1024 ** 3).name).toBe('MiB');
    expect(memoryUnit(2.5 * 1024 ** 3).name).toBe('GiB');
    expect([tickLabel(0.2), tickLabel(50), tickLabel(2000)]).toEqual(['0.2', '50', '2,000']);
  });

  it('places values on a log scale', () => {
    expect(logPosition(64, 64, 1024, 0, 400)).toBe(0);
    expect(logPosition(1024, 64, 1024, 0, 400)).toBe(400);
    expect(logPosition(256, 64, 1024, 0, 400)).toBeCloseTo(200);
    // Upwards on screen: from the bottom pixel to the top one.
    expect(logPosition(10, 1, 100, 300, 100)).toBeCloseTo(200);
  });
});

describe('sweepFigure', () => {
  const shapes = sweepShapes([64, 128, 256], [1, 2]);
  const points = [
    measuredPoint(record('wegeft', 3600, 633 * 1024 ** 2), shapes[0], context),
    measuredPoint(record('lora', 3700, 659 * 1024 ** 2), shapes[0], context),
    measuredPoint(record('wegeft', 5100, 787 * 1024 ** 2), shapes[1], context),
    measuredPoint(record('lora', 4800, 813 * 1024 ** 2), shapes[1], context),
    skippedPoint('wegeft', shapes[2], context, 'failed: memory access out of bounds'),
    skippedPoint('lora', shapes[2], context, 'failed: memory access out of bounds'),
    measuredPoint(record('wegeft', 7000, 900 * 1024 ** 2), shapes[3], context),
    measuredPoint(record('lora', 7100, 920 * 1024 ** 2), shapes[3], context),
  ];

  it('one series per method with the curve\'s measured points, by x', () => {
    const series = curveSeries(points, 'seq', (p) => p.step_ms_median);
    expect(series.map((s) => [s.label, s.points])).toEqual([
      ['WeGeFT', [{ x: 64, y: 3600 }, { x: 128, y: 5100 }]],
      ['LoRA', [{ x: 64, y: 3700 }, { x: 128, y: 4800 }]],
    ]);
    expect(curveSeries(points, 'batch', (p) => p.peak_bytes)[0].points.map((p) => p.x)).toEqual([1, 2]);
  });

  it('draws both panels with titled axes and units, a legend, and the skipped points noted', () => {
    const { svg, width, height } = sweepFigure(points, 'seq', 'gpt2-124m on wasm');
    expect(width).toBeGreaterThan(0);
    expect(height).toBeGreaterThan(0);
    expect(svg).toContain('sequence length (tokens)');
    expect(svg).toContain('CPU time per step (s)');
    expect(svg).toContain('peak memory (MiB)');
    expect(svg).toContain('>WeGeFT</text>');
    expect(svg).toContain('>LoRA</text>');
    expect(svg).toContain('WeGeFT at batch 1 × 256 tokens skipped: failed: memory access out of bounds');
    // Two lines and four markers a panel.
    expect(svg.match(/<polyline/g)).toHaveLength(4);
    expect(svg.match(/<circle cx/g)!.length).toBe(8 + 2);
    const batch = sweepFigure(points, 'batch', 't').svg;
    expect(batch).toContain('batch size (sequences)');
    expect(batch).not.toContain('skipped');
  });

  it('plots wall time where a point has no CPU time (a browser), CPU time where all have it', () => {
    const wall = points.map((p) => ({ ...p, step_cpu_ms_median: p.status === 'measured' && p.method === 'lora' ? null : p.step_cpu_ms_median }));
    expect(sweepFigure(wall, 'seq', 't').svg).toContain('>Step time (median)<');
    const halved = points.map((p) => ({ ...p, step_cpu_ms_median: p.step_cpu_ms_median === null ? null : p.step_cpu_ms_median / 2 }));
    // 1.8 s and 2.55 s of CPU: ticks 1, 2 and 5 s.
    const svg = sweepFigure(halved, 'seq', 't').svg;
    expect(svg).toContain('>CPU time per step (median)<');
    expect(svg).toMatch(/>5<\/text>/);
  });
});
