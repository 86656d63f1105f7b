/** Accuracy per trainable parameter: points from finished runs, lines per method in rank order, the frontier, the CSV rows. */
import { describe, expect, it } from 'vitest';
import { SWEEP_CSV_COLUMNS, sweepCsv } from '../../../src/engine/train/sweep';
import { efficiencyFrontier, efficiencyLines, efficiencyPoints, logAxis, sweepRowsOf } from '../../../src/ui/charts/efficiency';
import { sweepForms } from '../../../src/ui/panels/SweepControls';
import { formForMethod } from '../../../src/ui/schemas/run-form';
import { createPlaygroundStore } from '../../../src/ui/store';
import { selectRunList } from '../../../src/ui/store/selectors';
import type { MetricPoint } from '../../../src/worker/protocol';

const point = (runId: string, step: number): MetricPoint => ({ runId, step, timeMs: step * 50, loss: 1, learningRate: 0.01, examplesPerSecond: 10, tokensPerSecond: null, memoryBytes: 1000 * step, numTensors: 5, validation: null });

describe('efficiency chart data', () => {
  it('one point per finished run, lines per method by rank, the Pareto frontier, and the CLI CSV columns', () => {
    const store = createPlaygroundStore();
    const s = store.getState();
    const made = [
      ['wegeft', 4, 400, 0.8],
      ['wegeft', 1, 100, 0.6],
      ['lora', 1, 300, 0.7],
      ['lora', 4, 1200, 0.82],
    ] as const;
    const ids = made.map(([method, rank, count, accuracy]) => {
      const id = s.addRun({ ...formForMethod(method, undefined, 'image-classification'), rank, alpha: rank });
      s.setRunTrainable(id, { count, percent: null, problems: [] });
      s.setRunBaseEval(id, { kind: 'classifier', loss: 2.3, accuracy: 0.1 });
      s.runFinished(id, { kind: 'classifier', loss: 1 - accuracy, accuracy });
      return id;
    });
    const unfinished = s.addRun(formForMethod('lora'));
    s.setRunTrainable(unfinished, { count: 50, percent: null, problems: [] });
    const metrics = Object.fromEntries(ids.map((id) => [id, [point(id, 1), point(id, 2), point(id, 3)]]));
    const runs = selectRunList(store.getState());
    const points = efficiencyPoints(runs, metrics);
    expect(points.map((p) => [p.x, p.y])).toEqual(made.map(([, , count, accuracy]) => [count, accuracy]));
    expect(points[0]).toMatchObject({ stepMs: 50, peakBytes: 3000, metricName: 'accuracy', color: store.getState().runs[ids[0]].color });
    expect(efficiencyLines(points).map((l) => [l.label, l.points.map((p) => p.rank)])).toEqual([
      ['WeGeFT', [1, 4]],
      ['LoRA', [1, 4]],
    ]);
    // (100, 0.6), (300, 0.7), (400, 0.8), (1200, 0.82): each buys accuracy with parameters, all on the frontier;
    // LoRA r1 at 0.55 would be beaten by WeGeFT r1 (fewer parameters, better).
    expect(efficiencyFrontier(points).map((p) => p.x)).toEqual([100, 300, 400, 1200]);
    expect(efficiencyFrontier(points.filter((p) => p.x !== 400)).map((p) => p.x)).toEqual([100, 300, 1200]);
    s.runFinished(ids[2], { kind: 'classifier', loss: 0.5, accuracy: 0.55 });
    expect(efficiencyFrontier(efficiencyPoints(selectRunList(store.getState()), metrics)).map((p) => p.x)).toEqual([100, 400, 1200]);

    const csv = sweepCsv(sweepRowsOf(selectRunList(store.getState()), metrics)).trim().split('\n');
    expect(csv[0]).toBe(SWEEP_CSV_COLUMNS.join(','));
    expect(csv[1]).toBe('wegeft,4,4,400,accuracy,0.8,0.1,0.19999999999999996,3,50,10,3000,0');
    expect(csv).toHaveLength(5);
  });

  it('a log axis of whole decades with 1-2-5 ticks', () => {
    expect(logAxis(1546, 9482)).toEqual({ domain: [1000, 10000], ticks: [1000, 2000, 5000, 10000] });
    expect(logAxis(150, 2400).ticks).toEqual([100, 200, 500, 1000, 2000, 5000, 10000]);
    expect(logAxis(5, 5e7).ticks).toEqual([1, 10, 100, 1000, 10000, 1e5, 1e6, 1e7, 1e8]);
  });

  it('the Sweep action makes every chosen method at every rank over the draft settings, or says what is wrong', () => {
    const draft = { ...formForMethod('wegeft', undefined, 'image-classification'), steps: 7, seed: 3 };
    const { forms, problem } = sweepForms(['wegeft', 'lora'], '1,2,4', draft, 'image-classification');
    expect(problem).toBeNull();
    expect(forms.map((f) => [f.method, f.rank, f.alpha, f.steps, f.seed])).toEqual([
      ['wegeft', 1, 1, 7, 3],
      ['wegeft', 2, 2, 7, 3],
      ['wegeft', 4, 4, 7, 3],
      ['lora', 1, 1, 7, 3],
      ['lora', 2, 2, 7, 3],
      ['lora', 4, 4, 7, 3],
    ]);
    expect(sweepForms(['lora'], '1,x', draft, 'image-classification').problem).toMatch(/got "x"/);
    expect(sweepForms([], '1', draft, 'image-classification').problem).toBe('choose at least one method to sweep');
    expect(sweepForms(['lora'], '1,5000', draft, 'image-classification').problem).toMatch(/^LoRA r5000.*Rank r must be at most 4096/);
  });
});
