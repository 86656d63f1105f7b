import type { StateCreator } from 'zustand';
import type { ModelSummary } from '../../worker/protocol';
import type { PlaygroundState } from './index';
import type { ModelState } from './types';

export interface ModelSlice {
  model: ModelState;
  modelLoading(source: ModelState['source']): void;
  modelProgress(file: string, loaded: number, total: number | null): void;
  modelLoaded(summary: ModelSummary): void;
  modelFailed(message: string): void;
}

export const INITIAL_MODEL: ModelState = { status: 'idle', source: null, summary: null, progress: null, error: null };

export const createModelSlice: StateCreator<PlaygroundState, [], [], ModelSlice> = (set) => ({
  model: INITIAL_MODEL,
  modelLoading: (source) => set({ model: { ...INITIAL_MODEL, status: 'loading', source } }),
  modelProgress: (file, loaded, total) => set((s) => ({ model: { ...s.model, progress: { file, loaded, total } } })),
  modelLoaded: (summary) => set((s) => ({ model: { ...s.model, status: 'ready', summary, progress: null, error: null } })),
  modelFailed: (message) => set((s) => ({ model: { ...s.model, status: 'error', summary: null, progress: null, error: message } })),
});
