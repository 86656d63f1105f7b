import type { StateCreator } from 'zustand';
import type { ModelRecord, ModelSummary } from '../../worker/protocol';
import type { PlaygroundState } from './index';
import type { ModelState } from './types';

export interface ModelSlice {
  model: ModelState;
  modelLoading(source: ModelState['pendingSource']): void;
  modelProgress(file: string, loaded: number, total: number | null, tensor?: { name: string; index: number; count: number }): void;
  modelLoaded(summary: ModelSummary, record: ModelRecord): void;
  /** The engine keeps the model it had when a load fails: so does the store. */
  modelFailed(message: string): void;
}

export const INITIAL_MODEL: ModelState = {
  status: 'idle',
  source: null,
  summary: null,
  record: null,
  pendingSource: null,
  progress: null,
  error: null,
};

export const createModelSlice: StateCreator<PlaygroundState, [], [], ModelSlice> = (set) => ({
  model: INITIAL_MODEL,
  modelLoading: (source) => set((s) => ({ model: { ...s.model, status: 'loading', pendingSource: source, progress: null, error: null } })),
  modelProgress: (file, loaded, total, tensor) => set((s) => ({ model: { ...s.model, progress: { file, loaded, total, tensor } } })),
  modelLoaded: (summary, record) =>
    set((s) => ({
      model: {
        status: 'ready',
        // A backend switch reloads the same model with no pending source.
        source: s.model.pendingSource ?? s.model.source,
        summary,
        record,
        pendingSource: null,
        progress: null,
        error: null,
      },
    })),
  modelFailed: (message) =>
    set((s) => ({ model: { ...s.model, status: s.model.summary ? 'ready' : 'error', pendingSource: null, progress: null, error: message } })),
});
