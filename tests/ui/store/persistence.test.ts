import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { createPlaygroundStore } from '../../../src/ui/store';
import {
  DB_NAME,
  loadAdapterFiles,
  loadFiles,
  saveAdapterFiles,
  loadSnapshot,
  openPlaygroundDb,
  persistStore,
  restoreSnapshot,
  saveFiles,
  snapshotOf,
} from '../../../src/ui/store/persistence';
import { formForMethod } from '../../../src/ui/schemas/run-form';
import { modelRecord, modelSummary } from '../helpers/fake-engine';

afterEach(async () => {
  await new Promise<void>((resolve) => {
    const request = indexedDB.deleteDatabase(DB_NAME);
    request.onsuccess = () => resolve();
    request.onerror = () => resolve();
  });
});

function storeWithRuns() {
  const store = createPlaygroundStore();
  const running = store.getState().addRun(formForMethod('wegeft'));
  const finished = store.getState().addRun(formForMethod('lora'));
  store.getState().setRunStatus(running, 'running', null);
  store.getState().runFinished(finished, { kind: 'classifier', loss: 0.5, accuracy: 0.9 });
  store.getState().appendMetrics([
    { runId: running, step: 1, timeMs: 5, loss: 2.5, learningRate: 0.01, examplesPerSecond: 3, tokensPerSecond: null, memoryBytes: 1, numTensors: 1, validation: null },
  ]);
  store.getState().setTheme('dark');
  store.getState().modelLoading({ kind: 'bundled', name: 'vit' });
  store.getState().modelLoaded(modelSummary('vit', 'image-classification'), modelRecord('vit', 'image-classification'));
  return { store, running, finished };
}

describe('persistence across a reload', () => {
  it('a snapshot restored into a new store brings back runs, settings and metrics', () => {
    const { store, running, finished } = storeWithRuns();
    const reloaded = createPlaygroundStore();
    restoreSnapshot(reloaded, structuredClone(snapshotOf(store.getState())));
    const state = reloaded.getState();
    expect(state.runOrder).toEqual([running, finished]);
    expect(state.runs[finished]).toEqual(store.getState().runs[finished]);
    expect(state.metrics[running]).toEqual(store.getState().metrics[running]);
    expect(state.theme).toBe('dark');
  });

  it('a form saved before early stopping existed comes back with it off, and valid', () => {
    const { store, finished } = storeWithRuns();
    const snapshot = structuredClone(snapshotOf(store.getState()));
    const old = snapshot.runs[finished].form as unknown as Record<string, unknown>;
    delete old.patience;
    delete old.keepBest;
    const reloaded = createPlaygroundStore();
    restoreSnapshot(reloaded, snapshot);
    expect(reloaded.getState().runs[finished].form).toMatchObject({ patience: 0, keepBest: false, method: 'lora' });
  });

  it('a run that was training when the page went away comes back interrupted, ready to start again', () => {
    const { store, running } = storeWithRuns();
    const reloaded = createPlaygroundStore();
    restoreSnapshot(reloaded, snapshotOf(store.getState()));
    expect(reloaded.getState().runs[running].status).toBe('interrupted');
    expect(reloaded.getState().runs[running].statusMessage).toMatch(/reloaded.*no checkpoint yet, so Restart trains it from step 0/);
  });

  it('keeps a bundled or hub model to reload, but not dropped files (kept separately)', () => {
    const { store } = storeWithRuns();
    expect(snapshotOf(store.getState()).model).toEqual({ kind: 'bundled', name: 'vit' });
    store.getState().modelLoading({ kind: 'files', label: 'my-model' });
    store.getState().modelLoaded(modelSummary('my-model', 'image-classification'), modelRecord('my-model', 'image-classification'));
    expect(snapshotOf(store.getState()).model).toBeNull();
  });

  it('persistStore writes changes to IndexedDB and they load back', async () => {
    const db = await openPlaygroundDb();
    const { store, running } = storeWithRuns();
    const stop = persistStore(store, db, 10);
    store.getState().setRunProgress(running, { step: 1, totalSteps: 4, epoch: 0, elapsedMs: 10, etaMs: 30 });
    await new Promise((r) => setTimeout(r, 50));
    const saved = await loadSnapshot(db);
    expect(saved?.runs[running].progress?.step).toBe(1);
    store.getState().renameRun(running, 'renamed');
    await stop(); // saves what is pending
    expect((await loadSnapshot(db))?.runs[running].name).toBe('renamed');
    db.close();
  });

  it('a model switch is saved at once, without waiting for the interval (a reload right after it comes back on that model)', async () => {
    const db = await openPlaygroundDb();
    const { store } = storeWithRuns();
    const stop = persistStore(store, db, 60_000);
    let saved;
    try {
      store.getState().modelLoading({ kind: 'bundled', name: 'gpt2' });
      store.getState().modelLoaded(modelSummary('gpt2', 'causal-lm'), modelRecord('gpt2', 'causal-lm'));
      await new Promise((r) => setTimeout(r, 50));
      saved = await loadSnapshot(db);
    } finally {
      // Closed before the assertion: an open database would block afterEach's deleteDatabase.
      await stop();
      db.close();
    }
    expect(saved?.model).toEqual({ kind: 'bundled', name: 'gpt2' });
  });

  it('stores dropped files for a reload, and forgets them on request', async () => {
    const db = await openPlaygroundDb();
    await saveFiles(db, 'dataset', { label: 'data', files: [{ path: 'a.txt', bytes: new Uint8Array([104, 105]), type: 'text/plain' }] });
    const files = await loadFiles(db, 'dataset');
    expect(files?.files[0].path).toBe('a.txt');
    expect([...files!.files[0].bytes]).toEqual([104, 105]);
    await saveFiles(db, 'dataset', null);
    expect(await loadFiles(db, 'dataset')).toBeUndefined();
    db.close();
  });

  it('keeps a finished run’s adapter files by run id', async () => {
    const db = await openPlaygroundDb();
    await saveAdapterFiles(db, 'run-1', { config: { peft_type: 'LORA' }, weights: new Uint8Array([1, 2, 3]) });
    expect((await loadAdapterFiles(db, 'run-1'))?.config).toEqual({ peft_type: 'LORA' });
    await saveAdapterFiles(db, 'run-1', null);
    expect(await loadAdapterFiles(db, 'run-1')).toBeUndefined();
    db.close();
  });

  it('an empty database has no snapshot', async () => {
    const db = await openPlaygroundDb();
    expect(await loadSnapshot(db)).toBeNull();
    db.close();
  });
});
