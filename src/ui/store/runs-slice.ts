import type { StateCreator } from 'zustand';
import type { DatasetRecord, EvalResult, ModelRecord, RunClassReport, RunStatus, ScheduleMode } from '../../worker/protocol';
import { describeMethod, type RunForm } from '../schemas/run-form';
import type { PlaygroundState } from './index';
import type { CheckpointInfo, RunFailure, RunProgress, RunRecord, TrainableCount } from './types';

/** Distinct colours that read on light and dark backgrounds (Tableau 10). */
export const RUN_COLORS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

export interface RunsSlice {
  runs: Record<string, RunRecord>;
  /** Run ids in the order they were added. */
  runOrder: string[];
  scheduleMode: ScheduleMode;
  /**
   * Whether the engine holds a run's trained adapter now (not persisted: a
   * reload or a model change empties the engine). Exports and Try it need one.
   */
  adapterHeld: Record<string, boolean>;
  /** Adds a run and returns its id; `startsFrom`: the run whose adapter it trains further. */
  addRun(form: RunForm, options?: { name?: string; startsFrom?: RunRecord['startsFrom'] }): string;
  /** Adds an imported adapter as a finished run (the engine holds its adapter). */
  addImportedRun(run: ImportedRunInput): void;
  /** Records the model and dataset a run starts training on. */
  setRunTrainedOn(id: string, model: ModelRecord | null, dataset: DatasetRecord | null): void;
  setAdapterHeld(id: string, held: boolean): void;
  /** The engine let go of every adapter (another model was loaded). */
  forgetAdapters(): void;
  updateRunForm(id: string, form: RunForm): void;
  renameRun(id: string, name: string): void;
  removeRun(id: string): void;
  setRunStatus(id: string, status: RunStatus, message: string | null): void;
  /** Forgets a run's results before it trains again from the start. */
  resetRunResults(id: string): void;
  setRunProgress(id: string, progress: RunProgress): void;
  setRunTrainable(id: string, trainable: TrainableCount): void;
  /** `message`: how it ended when not at its last step (stopped early, best checkpoint kept). */
  runFinished(id: string, finalEval: EvalResult | null, message?: string | null): void;
  setRunBaseEval(id: string, evaluation: EvalResult): void;
  setRunClassReport(id: string, report: RunClassReport): void;
  runFailed(id: string, failure: RunFailure): void;
  setScheduleMode(mode: ScheduleMode): void;
  /** Where the run's last checkpoint is, or null when it has none (any more). */
  setRunCheckpoint(id: string, checkpoint: CheckpointInfo | null): void;
  addRunWarning(id: string, step: number, message: string): void;
}

/** The first palette colour no run uses yet (cycling when all are taken). */
export function nextRunColor(runs: RunRecord[]): string {
  const used = new Set(runs.map((r) => r.color));
  return RUN_COLORS.find((c) => !used.has(c)) ?? RUN_COLORS[runs.length % RUN_COLORS.length];
}

/** What an imported run is made of (the rest is a finished run's). */
export type ImportedRunInput = Pick<RunRecord, 'id' | 'name' | 'form' | 'trainable' | 'finalEval' | 'baseEval' | 'classReport' | 'model' | 'dataset' | 'imported'>;

/** A name no other run has, from the method's description. */
export function uniqueRunName(form: RunForm, runs: RunRecord[]): string {
  return uniqueName(describeMethod(form), runs);
}

/** `base`, or `base (2)`, `base (3)`…: the first no run has. */
export function uniqueName(base: string, runs: RunRecord[]): string {
  const names = new Set(runs.map((r) => r.name));
  if (!names.has(base)) return base;
  for (let i = 2; ; i++) if (!names.has(`${base} (${i})`)) return `${base} (${i})`;
}

/** A run id unique among `runs`, readable in URLs and logs. */
export function newRunId(runs: RunRecord[]): string {
  const ids = new Set(runs.map((r) => r.id));
  for (let i = runs.length + 1; ; i++) if (!ids.has(`run-${i}`)) return `run-${i}`;
}

function patchRun(state: PlaygroundState, id: string, patch: Partial<RunRecord>): Pick<RunsSlice, 'runs'> | PlaygroundState {
  const run = state.runs[id];
  if (!run) return state;
  return { runs: { ...state.runs, [id]: { ...run, ...patch } } };
}

export const createRunsSlice: StateCreator<PlaygroundState, [], [], RunsSlice> = (set, get) => ({
  runs: {},
  runOrder: [],
  scheduleMode: 'interleaved',
  adapterHeld: {},
  addRun: (form, options = {}) => {
    const existing = get().runOrder.map((id) => get().runs[id]);
    const run: RunRecord = {
      id: newRunId(existing),
      name: options.name ? uniqueName(options.name, existing) : uniqueRunName(form, existing),
      color: nextRunColor(existing),
      form,
      status: 'idle',
      statusMessage: null,
      progress: null,
      trainable: null,
      finalEval: null,
      failure: null,
      model: null,
      dataset: null,
      ...(options.startsFrom ? { startsFrom: options.startsFrom } : {}),
      createdAt: Date.now(),
    };
    set((s) => ({ runs: { ...s.runs, [run.id]: run }, runOrder: [...s.runOrder, run.id] }));
    return run.id;
  },
  addImportedRun: (input) => {
    const existing = get().runOrder.map((id) => get().runs[id]);
    const run: RunRecord = {
      ...input,
      name: uniqueName(input.name, existing),
      color: nextRunColor(existing),
      status: 'finished',
      statusMessage: null,
      progress: null,
      failure: null,
      checkpoint: null,
      warnings: [],
      createdAt: Date.now(),
    };
    set((s) => ({ runs: { ...s.runs, [run.id]: run }, runOrder: [...s.runOrder, run.id], adapterHeld: { ...s.adapterHeld, [run.id]: true } }));
  },
  updateRunForm: (id, form) => set((s) => patchRun(s, id, { form, trainable: null })),
  renameRun: (id, name) => set((s) => patchRun(s, id, { name })),
  removeRun: (id) =>
    set((s) => {
      const runs = { ...s.runs };
      delete runs[id];
      const metrics = { ...s.metrics };
      delete metrics[id];
      const adapterHeld = { ...s.adapterHeld };
      delete adapterHeld[id];
      return { runs, metrics, adapterHeld, runOrder: s.runOrder.filter((r) => r !== id) };
    }),
  setRunTrainedOn: (id, model, dataset) => set((s) => patchRun(s, id, { model, dataset })),
  setAdapterHeld: (id, held) => set((s) => ({ adapterHeld: { ...s.adapterHeld, [id]: held } })),
  forgetAdapters: () => set({ adapterHeld: {} }),
  setRunStatus: (id, status, message) =>
    set((s) => ({
      ...patchRun(s, id, { status, statusMessage: message, ...(status === 'running' ? { failure: null } : {}) }),
      // A run training in the engine has an adapter there (kept when it pauses, stops or finishes).
      ...(status === 'running' && s.runs[id] ? { adapterHeld: { ...s.adapterHeld, [id]: true } } : {}),
    })),
  resetRunResults: (id) =>
    set((s) => ({ ...patchRun(s, id, { progress: null, finalEval: null, baseEval: null, classReport: null, failure: null, checkpoint: null, warnings: [] }), metrics: { ...s.metrics, [id]: [] } })),
  setRunCheckpoint: (id, checkpoint) => set((s) => patchRun(s, id, { checkpoint })),
  addRunWarning: (id, step, message) => set((s) => patchRun(s, id, { warnings: [...(s.runs[id]?.warnings ?? []), { step, message }] })),
  setRunProgress: (id, progress) => set((s) => patchRun(s, id, { progress })),
  setRunTrainable: (id, trainable) => set((s) => patchRun(s, id, { trainable })),
  // A finished run keeps its adapter instead of a checkpoint.
  runFinished: (id, finalEval, message = null) => set((s) => patchRun(s, id, { status: 'finished', statusMessage: message, finalEval, checkpoint: null })),
  setRunBaseEval: (id, evaluation) => set((s) => patchRun(s, id, { baseEval: evaluation })),
  setRunClassReport: (id, report) => set((s) => patchRun(s, id, { classReport: report })),
  // The engine frees a failed run's adapter (it may hold NaNs or a lost device's buffers).
  runFailed: (id, failure) =>
    set((s) => ({ ...patchRun(s, id, { status: 'failed', statusMessage: failure.message, failure }), adapterHeld: { ...s.adapterHeld, [id]: false } })),
  setScheduleMode: (mode) => set({ scheduleMode: mode }),
});
