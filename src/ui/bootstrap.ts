/**
 * Starts the playground: the engine worker, the store's persistence, the
 * runs saved before a reload or shared in the URL, and the model and dataset
 * the user had loaded.
 */
import type { WorkerEvent } from '../worker/protocol';
import { PlaygroundActions } from './engine/actions';
import { EngineClient, type WorkerLike } from './engine/engine-client';
import { applyEngineEvent } from './engine/engine-events';
import { decodeShareHash, type SharedModel } from './schemas/share-url';
import { playgroundStore, type PlaygroundStore } from './store';
import { loadFiles, loadSnapshot, openPlaygroundDb, persistStore, restoreSnapshot, type PlaygroundDatabase } from './store/persistence';

export interface Playground {
  store: PlaygroundStore;
  actions: PlaygroundActions;
  /** Resolves once saved state is back and the model/dataset reloads have started. */
  ready: Promise<void>;
}

function createEngineWorker(): WorkerLike {
  return new Worker(new URL('../worker/engine.worker.ts', import.meta.url), { type: 'module', name: 'wegeft-engine' }) as unknown as WorkerLike;
}

export function startPlayground(): Playground {
  const store = playgroundStore;
  let actions: PlaygroundActions | null = null;
  // A worker that died is replaced by a new one, which is given the model, data and runs again.
  const connect = (): EngineClient => {
    const client: EngineClient = new EngineClient(
      createEngineWorker(),
      (event: WorkerEvent) => {
        if (client !== current) return;
        applyEngineEvent(store, event);
        actions?.onEngineEvent(event);
      },
      (message) => {
        if (client !== current) return;
        client.terminate();
        engineStopped(store, message);
        current = connect();
        void actions?.reconnect(current);
      },
    );
    return client;
  };
  let current = connect();
  const playgroundActions = new PlaygroundActions(store, current);
  actions = playgroundActions;
  const ready = openDatabase(store).then(async (db) => {
    playgroundActions.useDatabase(db);
    await restore(store, playgroundActions, db);
  });
  return { store, actions: playgroundActions, ready };
}

/**
 * The worker died (out of memory, a crash): say so, and fail the runs it was
 * training or held paused, with the reason. Their metrics and checkpoints
 * are on the page; finished runs and settings are untouched.
 */
export function engineStopped(store: PlaygroundStore, message: string): void {
  const state = store.getState();
  const backend = state.backend.active ?? 'cpu';
  for (const id of state.runOrder) {
    const status = state.runs[id].status;
    if (status === 'running' || status === 'queued' || status === 'paused') {
      state.runFailed(id, { kind: 'worker-crashed', message: `The engine worker stopped while this run was training (${message}).`, suggestedBackend: backend });
    }
  }
  state.notify('error', `The engine worker stopped (${message}). A new one is starting with your model, data and runs.`);
}

async function openDatabase(store: PlaygroundStore): Promise<PlaygroundDatabase | null> {
  try {
    return await openPlaygroundDb();
  } catch (error) {
    store.getState().notify('warning', `Runs will not survive a reload: IndexedDB is unavailable (${(error as Error).message}).`);
    return null;
  }
}

async function restore(store: PlaygroundStore, actions: PlaygroundActions, db: PlaygroundDatabase | null): Promise<void> {
  const snapshot = db ? await loadSnapshot(db).catch(() => null) : null;
  if (snapshot) restoreSnapshot(store, snapshot);
  else if (matchMedia('(prefers-color-scheme: dark)').matches) store.getState().setTheme('dark');
  const shared = decodeShareHash(location.hash);
  for (const problem of shared.problems) store.getState().notify('warning', `Shared link: ${problem}`);
  store.getState().setHydrated();
  if (db) persistStore(store, db);
  // The backend starts now, not with the first model: the header says which one the page has from the start.
  await actions.setBackend(store.getState().backend.preference);
  actions.syncAllRuns();
  // A shared link's runs are added unless the same settings are already there.
  const existing = new Set(store.getState().runOrder.map((id) => JSON.stringify(store.getState().runs[id].form)));
  for (const form of shared.runs) if (!existing.has(JSON.stringify(form))) actions.addRun(form);
  // A link's Hub model may be gigabytes: it waits for the user's yes (with its size); meanwhile the page keeps what it had.
  const sharedHub = shared.model?.kind === 'hub' && !sameSharedModel(shared.model, snapshot?.model ?? null) ? shared.model : null;
  if (sharedHub) void actions.askToLoadSharedModel(sharedHub);
  const model = (sharedHub ? null : shared.model) ?? snapshot?.model ?? null;
  // loadModel gives the model's finished runs their saved adapters back.
  if (model) await actions.loadModel(model);
  else if (db) await reloadStoredFiles(actions, db, 'model');
  if (db && store.getState().model.status === 'ready') await reloadStoredFiles(actions, db, 'dataset');
}

function sameSharedModel(a: SharedModel, b: SharedModel | null): boolean {
  if (!b || a.kind !== b.kind) return false;
  return a.kind === 'bundled' ? a.name === (b as typeof a).name : a.repoId === (b as typeof a).repoId && (a.revision ?? 'main') === ((b as typeof a).revision ?? 'main');
}

async function reloadStoredFiles(actions: PlaygroundActions, db: PlaygroundDatabase, key: 'model' | 'dataset'): Promise<void> {
  const stored = await loadFiles(db, key).catch(() => undefined);
  if (!stored || stored.files.length === 0) return;
  const files = stored.files.map((f) => ({ path: f.path, file: new File([f.bytes as BlobPart], f.path.split('/').pop() ?? f.path, { type: f.type }) }));
  if (key === 'model') await actions.loadModel({ kind: 'files', files, label: stored.label });
  else await actions.loadDataset(files);
}
