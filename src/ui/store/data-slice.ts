import type { StateCreator } from 'zustand';
import type { DatasetRecord, DatasetSummary } from '../../worker/protocol';
import type { PlaygroundState } from './index';
import type { DatasetState, FileProblem } from './types';

export interface DataSlice {
  data: DatasetState;
  datasetLoading(files: string[]): void;
  datasetLoaded(summary: DatasetSummary, record: DatasetRecord): void;
  datasetFailed(errors: FileProblem[]): void;
  /** Files above the size limit: loading waits for the user to confirm. */
  datasetNeedsConfirmation(largeFiles: { name: string; bytes: number }[]): void;
  setValidationFraction(fraction: number): void;
  setEvaluationLimit(limit: number): void;
}

export const INITIAL_DATA: DatasetState = {
  status: 'idle',
  pending: [],
  summary: null,
  record: null,
  errors: [],
  largeFiles: [],
  validationFraction: 0.1,
  evaluationLimit: 256,
};

export const createDataSlice: StateCreator<PlaygroundState, [], [], DataSlice> = (set) => ({
  data: INITIAL_DATA,
  datasetLoading: (files) => set((s) => ({ data: { ...s.data, status: 'loading', pending: files, errors: [], largeFiles: [] } })),
  datasetLoaded: (summary, record) => set((s) => ({ data: { ...s.data, status: 'ready', summary, record, pending: [], errors: [], largeFiles: [] } })),
  // A failed load keeps the previous dataset: nothing the user set up is lost.
  datasetFailed: (errors) =>
    set((s) => ({ data: { ...s.data, status: s.data.summary ? 'ready' : 'error', pending: [], errors, largeFiles: [] } })),
  datasetNeedsConfirmation: (largeFiles) => set((s) => ({ data: { ...s.data, largeFiles } })),
  setValidationFraction: (fraction) => set((s) => ({ data: { ...s.data, validationFraction: fraction } })),
  setEvaluationLimit: (limit) => set((s) => ({ data: { ...s.data, evaluationLimit: limit } })),
});
