import { describe, expect, it } from 'vitest';
import { createPlaygroundStore } from '../../../src/ui/store';
import { RUN_COLORS } from '../../../src/ui/store/runs-slice';
import { selectAnyRunActive, selectRunList } from '../../../src/ui/store/selectors';
import { formForMethod } from '../../../src/ui/schemas/run-form';
import type { MetricPoint } from '../../../src/worker/protocol';
import { datasetRecord } from '../helpers/fake-engine';

function point(runId: string, step: number, loss: number | null = 1): MetricPoint {
  return {
    runId,
    step,
    timeMs: step * 10,
    loss,
    learningRate: 0.001,
    examplesPerSecond: 4,
    tokensPerSecond: null,
    memoryBytes: 1000,
    numTensors: 10,
    validation: null,
  };
}

describe('playground store', () => {
  it('gives each new run its own id, name and colour', () => {
    const store = createPlaygroundStore();
    const a = store.getState().addRun(formForMethod('wegeft'));
    const b = store.getState().addRun(formForMethod('wegeft'));
    const c = store.getState().addRun(formForMethod('lora'));
    const runs = selectRunList(store.getState());
    expect(runs.map((r) => r.id)).toEqual([a, b, c]);
    expect(runs.map((r) => r.name)).toEqual(['WeGeFT r16 α32', 'WeGeFT r16 α32 (2)', 'LoRA r16 α32']);
    expect(runs.map((r) => r.color)).toEqual(RUN_COLORS.slice(0, 3));
    expect(runs.every((r) => r.status === 'idle' && r.model === null && r.dataset === null)).toBe(true);
  });

  it('reuses the colour of a removed run, and removes its metrics with it', () => {
    const store = createPlaygroundStore();
    const a = store.getState().addRun(formForMethod('wegeft'));
    store.getState().addRun(formForMethod('lora'));
    store.getState().appendMetrics([point(a, 1)]);
    store.getState().removeRun(a);
    expect(store.getState().metrics[a]).toBeUndefined();
    const c = store.getState().addRun(formForMethod('full'));
    expect(store.getState().runs[c].color).toBe(RUN_COLORS[0]);
  });

  it('appends batched metric points per run, in step order', () => {
    const store = createPlaygroundStore();
    store.getState().appendMetrics([point('x', 1), point('y', 1), point('x', 2)]);
    store.getState().appendMetrics([point('x', 3, null)]);
    expect(store.getState().metrics.x.map((p) => p.step)).toEqual([1, 2, 3]);
    expect(store.getState().metrics.y.map((p) => p.step)).toEqual([1]);
  });

  it('a restarted run replaces its old points from the first new step on', () => {
    const store = createPlaygroundStore();
    store.getState().appendMetrics([point('x', 1), point('x', 2), point('x', 3)]);
    store.getState().appendMetrics([point('x', 1, 5)]);
    expect(store.getState().metrics.x.map((p) => [p.step, p.loss])).toEqual([[1, 5]]);
  });

  it('tracks a run through its life: running, progress, failure, retry, finish', () => {
    const store = createPlaygroundStore();
    const id = store.getState().addRun(formForMethod('lora'));
    store.getState().setRunStatus(id, 'running', null);
    expect(selectAnyRunActive(store.getState())).toBe(true);
    store.getState().setRunProgress(id, { step: 3, totalSteps: 10, epoch: 0, elapsedMs: 300, etaMs: 700 });
    store.getState().runFailed(id, { kind: 'non-finite-loss', message: 'the loss became NaN', suggestedBackend: 'cpu' });
    expect(store.getState().runs[id].status).toBe('failed');
    expect(selectAnyRunActive(store.getState())).toBe(false);
    store.getState().setRunStatus(id, 'running', null);
    expect(store.getState().runs[id].failure).toBeNull();
    store.getState().runFinished(id, { kind: 'lm', loss: 2, perplexity: Math.exp(2) });
    expect(store.getState().runs[id]).toMatchObject({ status: 'finished', finalEval: { kind: 'lm', loss: 2 } });
  });

  it('a run trained again from the start forgets its previous results', () => {
    const store = createPlaygroundStore();
    const id = store.getState().addRun(formForMethod('lora'));
    store.getState().appendMetrics([point(id, 1)]);
    store.getState().setRunProgress(id, { step: 1, totalSteps: 1, epoch: 1, elapsedMs: 5, etaMs: 0 });
    store.getState().runFinished(id, { kind: 'lm', loss: 1, perplexity: Math.E });
    store.getState().resetRunResults(id);
    expect(store.getState().runs[id]).toMatchObject({ progress: null, finalEval: null, failure: null });
    expect(store.getState().metrics[id]).toEqual([]);
  });

  it('changing a run’s settings forgets its stale trainable-parameter count', () => {
    const store = createPlaygroundStore();
    const id = store.getState().addRun(formForMethod('lora'));
    store.getState().setRunTrainable(id, { count: 100, percent: 1, problems: [] });
    store.getState().updateRunForm(id, { ...formForMethod('lora'), rank: 2 });
    expect(store.getState().runs[id].trainable).toBeNull();
    expect(store.getState().runs[id].form.rank).toBe(2);
  });

  it('a failed dataset load keeps the dataset that was loaded before', () => {
    const store = createPlaygroundStore();
    const summary = {
      name: 'a.txt', task: 'causal-lm' as const, files: ['a.txt'], examples: 1, trainCount: 1, validationCount: 0,
      labelCounts: null, characters: 10, tokens: null, preview: { kind: 'text' as const, samples: ['hello'] }, warnings: [],
    };
    store.getState().datasetLoaded(summary, datasetRecord('a.txt', 'causal-lm'));
    store.getState().datasetLoading(['bad.png']);
    store.getState().datasetFailed([{ file: 'bad.png', problem: 'not a PNG' }]);
    expect(store.getState().data).toMatchObject({ status: 'ready', summary, errors: [{ file: 'bad.png' }] });
  });

  it('keeps at most five notices', () => {
    const store = createPlaygroundStore();
    for (let i = 0; i < 8; i++) store.getState().notify('info', `n${i}`);
    expect(store.getState().notices.map((n) => n.text)).toEqual(['n3', 'n4', 'n5', 'n6', 'n7']);
  });
});
