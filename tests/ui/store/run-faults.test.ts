/**
 * The page's side of run faults: Start is blocked with the reason when no
 * model or data is loaded; checkpoints are kept (in memory without
 * IndexedDB) and Resume sends the last one; after a reload only checkpoints
 * IndexedDB holds are offered; a crashed worker fails the runs it held with
 * the reason and leaves finished runs alone; storage failures warn once.
 */
import { describe, expect, it } from 'vitest';
import type { RunCheckpoint } from '../../../src/worker/protocol';
import { applyEngineEvent } from '../../../src/ui/engine/engine-events';
import { EngineClient } from '../../../src/ui/engine/engine-client';
import { PlaygroundActions } from '../../../src/ui/engine/actions';
import { engineStopped } from '../../../src/ui/bootstrap';
import { createPlaygroundStore } from '../../../src/ui/store';
import { persistStore, restoreSnapshot, snapshotOf, storageProblem, type PlaygroundDatabase } from '../../../src/ui/store/persistence';
import { canResumeFromCheckpoint, resumeBlocker, startBlocker } from '../../../src/ui/store/run-start';
import { formForMethod } from '../../../src/ui/schemas/run-form';
import { datasetRecord, datasetSummary, FakeEngineWorker, modelRecord, modelSummary, settle } from '../helpers/fake-engine';

function checkpointOf(runId: string, step: number): RunCheckpoint {
  return {
    runId,
    step,
    totalSteps: 100,
    computeMs: 10,
    wallMs: 20,
    evaluationMs: 0,
    backend: 'cpu',
    savedAt: 1,
    trainer: { version: 1, step, totalSteps: 100, samplesSeen: step * 2, trainable: {}, optimizer: { steps: step, moments: {} }, firstLoss: 2, warnings: [] },
  };
}

function playground() {
  const store = createPlaygroundStore();
  const worker = new FakeEngineWorker({});
  let actions: PlaygroundActions | null = null;
  const client = new EngineClient(worker, (event) => {
    applyEngineEvent(store, event);
    actions?.onEngineEvent(event);
  }, () => {});
  actions = new PlaygroundActions(store, client);
  return { store, worker, actions };
}

function loadModelAndData(store: ReturnType<typeof createPlaygroundStore>) {
  store.getState().modelLoading({ kind: 'bundled', name: 'vit' });
  store.getState().modelLoaded(modelSummary('vit', 'image-classification'), modelRecord('vit', 'image-classification'));
  store.getState().datasetLoaded(datasetSummary('digits', 'image-classification'), datasetRecord('digits', 'image-classification'));
}

describe('starting and resuming runs', () => {
  it('blocks Start with the reason until a model and a matching dataset are loaded, and sends nothing', () => {
    const { store, worker, actions } = playground();
    const id = actions.addRun(formForMethod('wegeft'));
    expect(startBlocker(store.getState())).toBe('Load a model first (Model panel).');
    actions.startRun(id);
    expect(worker.sent.some((c) => c.type === 'startRun')).toBe(false);
    expect(store.getState().runs[id].status).toBe('idle');
    expect(store.getState().notices.pop()?.text).toMatch(/Load a model first/);
    store.getState().modelLoading({ kind: 'bundled', name: 'vit' });
    expect(startBlocker(store.getState())).toBe('Wait for the model to finish loading.');
    store.getState().modelLoaded(modelSummary('vit', 'image-classification'), modelRecord('vit', 'image-classification'));
    expect(startBlocker(store.getState())).toBe('Load a dataset first (Data panel).');
    store.getState().datasetLoaded(datasetSummary('speeches', 'causal-lm'), datasetRecord('speeches', 'causal-lm'));
    expect(startBlocker(store.getState())).toMatch(/dataset is for causal-lm, the model for image-classification/);
    store.getState().datasetLoaded(datasetSummary('digits', 'image-classification'), datasetRecord('digits', 'image-classification'));
    expect(startBlocker(store.getState())).toBeNull();
  });

  it('keeps the last checkpoint in memory without IndexedDB and resumes from it', async () => {
    const { store, worker, actions } = playground();
    loadModelAndData(store);
    const id = actions.addRun(formForMethod('wegeft'));
    store.getState().setRunTrainedOn(id, store.getState().model.record, store.getState().data.record);
    store.getState().setRunStatus(id, 'running', null);
    worker.emit({ type: 'runCheckpoint', checkpoint: checkpointOf(id, 10) });
    worker.emit({ type: 'runCheckpoint', checkpoint: checkpointOf(id, 20) });
    await settle();
    expect(store.getState().runs[id].checkpoint).toMatchObject({ step: 20, persisted: false });
    store.getState().runFailed(id, { kind: 'device-lost', message: 'lost', suggestedBackend: 'wasm' });
    expect(canResumeFromCheckpoint(store.getState().runs[id])).toBe(true);
    expect(resumeBlocker(store.getState(), store.getState().runs[id])).toBeNull();
    await actions.resumeRun(id);
    const start = worker.sent.filter((c) => c.type === 'startRun').pop();
    expect(start).toMatchObject({ type: 'startRun', runId: id, resume: { step: 20 } });
  });

  it('will not resume on another model or dataset, and says which', () => {
    const { store, actions } = playground();
    loadModelAndData(store);
    const id = actions.addRun(formForMethod('wegeft'));
    store.getState().setRunTrainedOn(id, modelRecord('gpt2', 'image-classification'), store.getState().data.record);
    store.getState().setRunCheckpoint(id, { step: 5, totalSteps: 100, savedAt: 1, backend: 'cpu', persisted: true });
    store.getState().setRunStatus(id, 'interrupted', null);
    expect(resumeBlocker(store.getState(), store.getState().runs[id])).toMatch(/another model/);
    store.getState().setRunTrainedOn(id, store.getState().model.record, datasetRecord('other', 'image-classification', 9, 1));
    expect(resumeBlocker(store.getState(), store.getState().runs[id])).toMatch(/other data/);
  });

  it('after a reload offers only the checkpoints IndexedDB kept, and says from which step', () => {
    const store = createPlaygroundStore();
    const kept = store.getState().addRun(formForMethod('wegeft'));
    const lost = store.getState().addRun(formForMethod('lora'));
    for (const id of [kept, lost]) store.getState().setRunStatus(id, 'running', null);
    store.getState().setRunCheckpoint(kept, { step: 40, totalSteps: 100, savedAt: 1, backend: 'webgpu', persisted: true });
    store.getState().setRunCheckpoint(lost, { step: 30, totalSteps: 100, savedAt: 1, backend: 'webgpu', persisted: false });
    const reloaded = createPlaygroundStore();
    restoreSnapshot(reloaded, structuredClone(snapshotOf(store.getState())));
    const runs = reloaded.getState().runs;
    expect(runs[kept]).toMatchObject({ status: 'interrupted', checkpoint: { step: 40 } });
    expect(runs[kept].statusMessage).toMatch(/Resume continues from step 40/);
    expect(runs[lost].checkpoint).toBeNull();
    expect(canResumeFromCheckpoint(runs[lost])).toBe(false);
  });
});

describe('a crashed engine worker', () => {
  it('fails the runs it was training or held paused, with the reason; finished runs keep their results', () => {
    const store = createPlaygroundStore();
    const running = store.getState().addRun(formForMethod('wegeft'));
    const paused = store.getState().addRun(formForMethod('lora'));
    const finished = store.getState().addRun(formForMethod('head'));
    store.getState().setRunStatus(running, 'running', null);
    store.getState().setRunStatus(paused, 'paused', null);
    store.getState().runFinished(finished, { kind: 'classifier', loss: 0.4, accuracy: 0.9 });
    store.getState().backendReady('webgpu', [], null);
    engineStopped(store, 'injected crash');
    const runs = store.getState().runs;
    for (const id of [running, paused]) {
      expect(runs[id].status).toBe('failed');
      expect(runs[id].failure).toMatchObject({ kind: 'worker-crashed', suggestedBackend: 'webgpu' });
      expect(runs[id].failure!.message).toMatch(/engine worker stopped .*injected crash/);
    }
    expect(runs[finished]).toMatchObject({ status: 'finished', finalEval: { accuracy: 0.9 } });
    expect(store.getState().notices.pop()?.text).toMatch(/A new one is starting/);
  });
});

describe('storage that refuses writes', () => {
  it('warns once that the app goes on without persistence, naming a full quota', async () => {
    const store = createPlaygroundStore();
    const full = Object.assign(new Error('The quota has been exceeded.'), { name: 'QuotaExceededError' });
    const db = { put: () => Promise.reject(full) } as unknown as PlaygroundDatabase;
    const stop = persistStore(store, db, 1);
    store.getState().addRun(formForMethod('wegeft'));
    await new Promise((r) => setTimeout(r, 20));
    store.getState().addRun(formForMethod('lora'));
    await new Promise((r) => setTimeout(r, 20));
    await stop();
    const warnings = store.getState().notices.filter((n) => n.text.startsWith('Could not save runs'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0].text).toMatch(/storage for this site is full.*keeps working, without persistence/);
    expect(storageProblem(new Error('disk I/O'))).toBe('disk I/O');
  });
});
