import { describe, expect, it } from 'vitest';
import { byStep, downsample, MAX_CHART_POINTS, evaluationSeries, lossOf, lossOfEval, metricOfEval, runSeries, summaryRows, validationOf } from '../../../src/ui/charts/series';
import { createPlaygroundStore } from '../../../src/ui/store';
import { selectRunList } from '../../../src/ui/store/selectors';
import { formForMethod, describeMethod } from '../../../src/ui/schemas/run-form';
import type { MetricPoint } from '../../../src/worker/protocol';

function point(runId: string, step: number, loss: number | null, extra: Partial<MetricPoint> = {}): MetricPoint {
  return { runId, step, timeMs: step * 100, loss, learningRate: 0.01, examplesPerSecond: 10, tokensPerSecond: null, memoryBytes: step * 1000, numTensors: 5, validation: null, ...extra };
}

function twoRuns() {
  const store = createPlaygroundStore();
  const a = store.getState().addRun(formForMethod('wegeft'));
  const b = store.getState().addRun(formForMethod('lora'));
  return { store, a, b };
}

describe('chart series', () => {
  it('one series per run with data, in the run’s colour, skipping unknown values', () => {
    const { store, a, b } = twoRuns();
    const metrics = { [a]: [point(a, 1, 2), point(a, 2, null), point(a, 3, 1.5)], [b]: [point(b, 1, null)] };
    const series = runSeries(selectRunList(store.getState()), metrics, byStep, lossOf);
    expect(series).toEqual([{ runId: a, name: 'WeGeFT r16 α32', color: store.getState().runs[a].color, points: [{ x: 1, y: 2 }, { x: 3, y: 1.5 }] }]);
  });

  it('a long run is drawn with at most MAX_CHART_POINTS points: first and last kept, every bucket’s low and high, in step order', () => {
    // A noisy decreasing loss over 5,000 steps with one spike at step 3,333.
    const points = Array.from({ length: 5000 }, (_, i) => ({ x: i + 1, y: 5 - i / 2000 + ((i * 7919) % 13) / 100 + (i === 3332 ? 40 : 0) }));
    const drawn = downsample(points);
    expect(drawn.length).toBeLessThanOrEqual(MAX_CHART_POINTS);
    expect(drawn.length).toBeGreaterThan(MAX_CHART_POINTS - 4);
    expect(drawn[0]).toBe(points[0]);
    expect(drawn.at(-1)).toBe(points.at(-1));
    expect(drawn.every((p, i) => i === 0 || p.x > drawn[i - 1].x)).toBe(true);
    // The spike and the overall extremes survive.
    expect(Math.max(...drawn.map((p) => p.y))).toBe(Math.max(...points.map((p) => p.y)));
    expect(Math.min(...drawn.map((p) => p.y))).toBe(Math.min(...points.map((p) => p.y)));
    expect(drawn.some((p) => p.x === 3333)).toBe(true);
    // Every drawn point is one of the run's own.
    const own = new Set(points);
    expect(drawn.every((p) => own.has(p))).toBe(true);
    // Short series are drawn as they are.
    expect(downsample(points.slice(0, MAX_CHART_POINTS))).toHaveLength(MAX_CHART_POINTS);
    // And runSeries applies it.
    const { store, a } = twoRuns();
    const metrics = { [a]: points.map((p) => point(a, p.x, p.y)) };
    expect(runSeries(selectRunList(store.getState()), metrics, byStep, lossOf)[0].points).toEqual(drawn);
  });

  it('validation curves start at step 0 with the base evaluation, then every evaluation of the run', () => {
    const { store, a, b } = twoRuns();
    store.getState().setRunBaseEval(a, { kind: 'classifier', loss: 2.3, accuracy: 0.1 });
    const evalAt = (step: number, loss: number, accuracy: number) => point(a, step, 1, { validation: { kind: 'classifier', loss, accuracy } });
    const metrics = { [a]: [evalAt(5, 1.2, 0.6), point(a, 6, 1), evalAt(10, 0.9, 0.8)], [b]: [point(b, 1, 2)] };
    const runs = selectRunList(store.getState());
    expect(evaluationSeries(runs, metrics, metricOfEval).map((s) => [s.runId, s.points])).toEqual([[a, [{ x: 0, y: 0.1 }, { x: 5, y: 0.6 }, { x: 10, y: 0.8 }]]]);
    expect(evaluationSeries(runs, metrics, lossOfEval)[0].points.map((p) => p.y)).toEqual([2.3, 1.2, 0.9]);
    // Restarting a run forgets its base evaluation with its other results.
    store.getState().resetRunResults(a);
    expect(store.getState().runs[a].baseEval).toBeNull();
  });

  it('an imported run draws no curve (no steps here); the summary says it is imported, evaluated or not', () => {
    const store = createPlaygroundStore();
    const imported = (id: string, evaluated: boolean) =>
      store.getState().addImportedRun({
        id, name: id, form: formForMethod('lora'), trainable: { count: 10, percent: 1, problems: [] },
        finalEval: evaluated ? { kind: 'classifier', loss: 1, accuracy: 0.5 } : null,
        baseEval: evaluated ? { kind: 'classifier', loss: 2, accuracy: 0.1 } : null,
        classReport: null, model: null, dataset: null,
        imported: { label: id, peftType: 'LORA', notEvaluated: evaluated ? null : 'not evaluated: no dataset was loaded', importedAt: 0 },
      });
    imported('seen', true);
    imported('unseen', false);
    const runs = selectRunList(store.getState());
    expect(runs.map((r) => [r.status, store.getState().adapterHeld[r.id]])).toEqual([['finished', true], ['finished', true]]);
    expect(evaluationSeries(runs, {}, metricOfEval)).toEqual([]);
    const rows = summaryRows(runs, {}, (r) => describeMethod(r.form));
    expect(rows.map((r) => [r.status, r.validation, r.steps, r.firstLoss])).toEqual([['imported', 'accuracy 50.0%', 0, null], ['imported', 'not evaluated', 0, null]]);
  });

  it("peak memory is the steps' own high-water where the points carry it, else the memory after each step", () => {
    const { store, a, b } = twoRuns();
    const metrics = {
      [a]: [point(a, 1, 3, { peakBytes: 9000 }), point(a, 2, 2, { peakBytes: 12000 })],
      [b]: [point(b, 1, 3), point(b, 2, 2)],
    };
    const [rowA, rowB] = summaryRows(selectRunList(store.getState()), metrics, (r) => describeMethod(r.form));
    expect(rowA.peakMemoryBytes).toBe(12000);
    expect(rowB.peakMemoryBytes).toBe(Math.max(...metrics[b].map((p) => p.memoryBytes)));
  });

  it('the validation metric is accuracy for classifiers and perplexity for language models', () => {
    expect(validationOf(point('a', 1, 1, { validation: { kind: 'classifier', loss: 1, accuracy: 0.75 } }))).toBe(0.75);
    expect(validationOf(point('a', 1, 1, { validation: { kind: 'lm', loss: 2, perplexity: 7.39 } }))).toBe(7.39);
    expect(validationOf(point('a', 1, 1))).toBeNull();
  });

  it('summary rows: first and last loss, median step time, peak memory, last validation', () => {
    const { store, a, b } = twoRuns();
    store.getState().setRunTrainable(a, { count: 100, percent: 0.5, problems: [] });
    const metrics = {
      [a]: [point(a, 1, 3), point(a, 2, 2, { timeMs: 250 }), point(a, 3, 1, { timeMs: 300, validation: { kind: 'lm', loss: 1, perplexity: 2.72 } })],
    };
    const [rowA, rowB] = summaryRows(selectRunList(store.getState()), metrics, (r) => describeMethod(r.form));
    expect(rowA).toMatchObject({ runId: a, trainable: 100, percent: 0.5, steps: 3, firstLoss: 3, lastLoss: 1, validation: 'perplexity 2.72', peakMemoryBytes: 3000 });
    // Step times 150 ms and 50 ms: the median is 100.
    expect(rowA.medianStepMs).toBe(100);
    expect(rowB).toMatchObject({ runId: b, steps: 0, firstLoss: null, validation: null, medianStepMs: null });
  });
});
