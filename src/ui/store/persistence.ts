/**
 * Runs, their settings and metrics survive a page reload: a snapshot of the
 * store's plain data goes to IndexedDB (debounced), and is read back at
 * start. Dropped model and dataset files are kept there too (up to a size
 * limit), so a reload can load them again without the user.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { AdapterFileData, BackendPreference, MetricPoint, RunCheckpoint, ScheduleMode } from '../../worker/protocol';
import { withTrainingDefaults, type RunForm } from '../schemas/run-form';
import type { SharedModel } from '../schemas/share-url';
import type { PlaygroundState, PlaygroundStore } from './index';
import type { RunRecord, Theme } from './types';

export const DB_NAME = 'wegeft-playground';
const DB_VERSION = 3;
const SNAPSHOT_KEY = 'current';

export interface Snapshot {
  version: 1;
  model: SharedModel | null;
  runs: Record<string, RunRecord>;
  runOrder: string[];
  metrics: Record<string, MetricPoint[]>;
  scheduleMode: ScheduleMode;
  theme: Theme;
  validationFraction: number;
  /** Absent in snapshots of older versions. */
  evaluationLimit?: number;
  backendPreference: BackendPreference;
  /** The Methods panel's settings (absent in snapshots of older versions). */
  draftForm?: RunForm;
}

/** Files kept for a reload: a dropped model or dataset. */
export interface StoredFiles {
  label: string;
  files: { path: string; bytes: Uint8Array; type: string }[];
}

export type StoredFilesKey = 'model' | 'dataset';

interface PlaygroundDb extends DBSchema {
  snapshots: { key: string; value: Snapshot };
  files: { key: StoredFilesKey; value: StoredFiles };
  /** Finished runs' adapter files, by run id. */
  adapters: { key: string; value: AdapterFileData };
  /** Unfinished runs' last checkpoints, by run id. */
  checkpoints: { key: string; value: RunCheckpoint };
}

export type PlaygroundDatabase = IDBPDatabase<PlaygroundDb>;

export function openPlaygroundDb(): Promise<PlaygroundDatabase> {
  return openDB<PlaygroundDb>(DB_NAME, DB_VERSION, {
    upgrade(db, oldVersion) {
      if (oldVersion < 1) {
        db.createObjectStore('snapshots');
        db.createObjectStore('files');
      }
      if (oldVersion < 2) db.createObjectStore('adapters');
      if (oldVersion < 3) db.createObjectStore('checkpoints');
    },
  });
}

/** The part of the state worth keeping across a reload. */
export function snapshotOf(state: PlaygroundState): Snapshot {
  const source = state.model.source;
  return {
    version: 1,
    model: source && source.kind !== 'files' ? source : null,
    runs: state.runs,
    runOrder: state.runOrder,
    metrics: state.metrics,
    scheduleMode: state.scheduleMode,
    theme: state.theme,
    validationFraction: state.data.validationFraction,
    evaluationLimit: state.data.evaluationLimit,
    backendPreference: state.backend.preference,
    draftForm: state.draftForm,
  };
}

/**
 * Puts a snapshot back into the store. The worker that was training is gone,
 * so runs that were training, waiting or paused become `interrupted`: their
 * settings and metrics are kept, and they can be resumed from their last
 * checkpoint (or started again).
 */
export function restoreSnapshot(store: PlaygroundStore, snapshot: Snapshot): void {
  const runs: Record<string, RunRecord> = {};
  for (const id of snapshot.runOrder) {
    const saved = snapshot.runs[id];
    if (!saved) continue;
    // A checkpoint held only in the page's memory (IndexedDB refused it) did not survive the reload.
    const kept = saved.checkpoint && !saved.checkpoint.persisted ? { ...saved, checkpoint: null } : saved;
    // Forms saved before a training field existed get its default.
    const run = { ...kept, form: withTrainingDefaults(kept.form) };
    const wasActive = run.status === 'running' || run.status === 'queued' || run.status === 'paused';
    const resumable = run.checkpoint
      ? ` Resume continues from step ${run.checkpoint.step}, its last checkpoint.`
      : ' It had made no checkpoint yet, so Restart trains it from step 0.';
    runs[id] = wasActive ? { ...run, status: 'interrupted', statusMessage: `The page was reloaded while this run was training.${resumable}` } : run;
  }
  store.setState((s) => ({
    runs,
    runOrder: snapshot.runOrder.filter((id) => runs[id]),
    metrics: snapshot.metrics,
    scheduleMode: snapshot.scheduleMode,
    theme: snapshot.theme,
    data: { ...s.data, validationFraction: snapshot.validationFraction, evaluationLimit: snapshot.evaluationLimit ?? s.data.evaluationLimit },
    backend: { ...s.backend, preference: snapshot.backendPreference },
    draftForm: snapshot.draftForm ? withTrainingDefaults(snapshot.draftForm) : s.draftForm,
  }));
}

export async function loadSnapshot(db: PlaygroundDatabase): Promise<Snapshot | null> {
  const snapshot = await db.get('snapshots', SNAPSHOT_KEY);
  return snapshot && snapshot.version === 1 ? snapshot : null;
}

export async function saveSnapshot(db: PlaygroundDatabase, snapshot: Snapshot): Promise<void> {
  await db.put('snapshots', snapshot, SNAPSHOT_KEY);
}

export async function saveFiles(db: PlaygroundDatabase, key: StoredFilesKey, files: StoredFiles | null): Promise<void> {
  if (files) await db.put('files', files, key);
  else await db.delete('files', key);
}

export function loadFiles(db: PlaygroundDatabase, key: StoredFilesKey): Promise<StoredFiles | undefined> {
  return db.get('files', key);
}

export async function saveAdapterFiles(db: PlaygroundDatabase, runId: string, files: AdapterFileData | null): Promise<void> {
  if (files) await db.put('adapters', files, runId);
  else await db.delete('adapters', runId);
}

export async function saveCheckpoint(db: PlaygroundDatabase, runId: string, checkpoint: RunCheckpoint | null): Promise<void> {
  if (checkpoint) await db.put('checkpoints', checkpoint, runId);
  else await db.delete('checkpoints', runId);
}

export function loadCheckpoint(db: PlaygroundDatabase, runId: string): Promise<RunCheckpoint | undefined> {
  return db.get('checkpoints', runId);
}

/** Why a write failed, in the user's terms: a full disk or quota says so. */
export function storageProblem(error: unknown): string {
  const e = error as { name?: string; message?: string };
  if (e?.name === 'QuotaExceededError' || /quota/i.test(e?.message ?? '')) return 'the browser’s storage for this site is full';
  return e?.message || String(error);
}

export function loadAdapterFiles(db: PlaygroundDatabase, runId: string): Promise<AdapterFileData | undefined> {
  return db.get('adapters', runId);
}

/**
 * Saves a snapshot whenever the persisted part of the state changes, at most
 * once per `intervalMs`. Returns a function that stops it (after a last save).
 */
export function persistStore(store: PlaygroundStore, db: PlaygroundDatabase, intervalMs = 1000): () => Promise<void> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let last = snapshotOf(store.getState());
  let writing: Promise<unknown> = Promise.resolve();
  let failed = false;
  const flush = () => {
    timer = null;
    const snapshot = snapshotOf(store.getState());
    writing = writing
      .then(() => saveSnapshot(db, snapshot))
      .then(() => (failed = false))
      .catch((error) => {
        // Once per failing stretch, not at every change: the app keeps working without persistence.
        if (!failed) store.getState().notify('warning', `Could not save runs for a reload (${storageProblem(error)}): the app keeps working, without persistence.`);
        failed = true;
      });
  };
  const saveNow = () => {
    if (timer) clearTimeout(timer);
    flush();
  };
  const unsubscribe = store.subscribe((state) => {
    const snapshot = snapshotOf(state);
    if (sameSnapshot(snapshot, last)) return;
    const modelChanged = snapshot.model !== last.model;
    last = snapshot;
    // A model switch is saved at once: a reload right after it must come back on that model, not the one before.
    if (modelChanged) saveNow();
    else timer ??= setTimeout(flush, intervalMs);
  });
  // Leaving the page (a reload, a closed tab) saves what is pending; the browser may still cut a slow write short.
  const onHide = () => {
    if (timer) saveNow();
  };
  globalThis.addEventListener?.('pagehide', onHide);
  return async () => {
    unsubscribe();
    globalThis.removeEventListener?.('pagehide', onHide);
    if (timer) saveNow();
    await writing;
  };
}

function sameSnapshot(a: Snapshot, b: Snapshot): boolean {
  return (Object.keys(a) as (keyof Snapshot)[]).every((key) => a[key] === b[key]);
}
