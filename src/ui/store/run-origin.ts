/**
 * Which model and data a run belongs to, and what that allows: a run trained
 * on another model keeps its results, but cannot be exported, tried or
 * counted against the model loaded now. Runs are matched to models by
 * content hash, never by label.
 */
import type { DatasetRecord, ModelRecord } from '../../worker/protocol';
import type { PlaygroundState } from './index';
import type { RunRecord } from './types';

export type RunOrigin =
  /** Never trained: it will train on whatever model is loaded when it starts. */
  | 'untrained'
  /** Trained on the model loaded now. */
  | 'current'
  /** Trained on another model (or none is loaded now). */
  | 'other'
  /** Trained before runs recorded their model (a snapshot of an older version). */
  | 'unknown';

export function sameModel(a: ModelRecord | null | undefined, b: ModelRecord | null | undefined): boolean {
  return !!a && !!b && a.hash === b.hash;
}

export function sameDataset(a: DatasetRecord | null | undefined, b: DatasetRecord | null | undefined): boolean {
  return !!a && !!b && a.hash === b.hash && a.split.trainCount === b.split.trainCount && a.split.validationCount === b.split.validationCount;
}

export function runOrigin(run: RunRecord, current: ModelRecord | null): RunOrigin {
  if (run.model) return sameModel(run.model, current) ? 'current' : 'other';
  if (run.model === undefined && run.status !== 'idle') return 'unknown';
  return 'untrained';
}

/** Whether a run's settings and results apply to the model loaded now. */
export function appliesToCurrentModel(run: RunRecord, current: ModelRecord | null): boolean {
  const origin = runOrigin(run, current);
  return origin === 'untrained' || origin === 'current';
}

/** Statuses after which a run's adapter stays in the engine. */
export const hasTrainedStatus = (status: RunRecord['status']) => status === 'finished' || status === 'stopped' || status === 'paused';

/**
 * Why a run cannot be exported or tried with the model loaded now, in words;
 * null when it can.
 */
export function adapterUnavailableReason(state: Pick<PlaygroundState, 'model' | 'adapterHeld'>, run: RunRecord): string | null {
  const current = state.model.record;
  const origin = runOrigin(run, current);
  if (origin === 'other') return `Trained on ${describeModel(run.model!)}: load that model to use this run.`;
  if (origin === 'unknown') return 'Trained before runs recorded their model: train it again to use it.';
  if (!hasTrainedStatus(run.status)) return 'Not trained yet.';
  if (!state.adapterHeld[run.id]) return 'Its trained weights are not in this session (the model was reloaded or the page was): train it again.';
  return null;
}

/** "gpt2-tiny-moby-brown (bundled)", "owner/name@v1.0 (Hub)", "my-model (dropped files)". */
export function describeModel(record: ModelRecord): string {
  const where = record.source === 'bundled' ? 'bundled' : record.source === 'hub' ? 'Hub' : 'dropped files';
  const id = record.source === 'hub' && record.revision && record.revision !== 'main' ? `${record.id}@${record.revision}` : record.id;
  return `${id} (${where})`;
}

/** "sotu.txt · 65 train / 13 validation". */
export function describeDataset(record: DatasetRecord): string {
  return `${record.name} · ${record.split.trainCount.toLocaleString('en-US')} train / ${record.split.validationCount.toLocaleString('en-US')} validation`;
}

/** A short form of a content hash for display: "sha256:1a2b3c4d". */
export function shortHash(hash: string): string {
  const [kind, value] = hash.includes(':') ? hash.split(':') : ['', hash];
  return `${kind ? `${kind}:` : ''}${value.slice(0, 8)}`;
}

/** Runs whose trained adapter the engine holds for the model loaded now: what Try it and Export can use. */
export function usableRuns(state: Pick<PlaygroundState, 'model' | 'adapterHeld' | 'runs' | 'runOrder'>): RunRecord[] {
  return state.runOrder.map((id) => state.runs[id]).filter((run) => run && adapterUnavailableReason(state, run) === null);
}
