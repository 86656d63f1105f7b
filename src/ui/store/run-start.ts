/**
 * Whether a run can start, or resume from its checkpoint, with what the page
 * holds now, and if not why, in words the Runs panel shows beside the
 * disabled button (a run started without a model or data could only fail).
 */
import type { PlaygroundState } from './index';
import { sameDataset, sameModel } from './run-origin';
import type { RunRecord } from './types';

type StartState = Pick<PlaygroundState, 'model' | 'data'>;

/** Why no run can start now (no model, no dataset, one loading, data of another task), or null. */
export function startBlocker(state: StartState): string | null {
  if (state.model.status === 'loading') return 'Wait for the model to finish loading.';
  if (!state.model.summary) return 'Load a model first (Model panel).';
  if (state.data.status === 'loading') return 'Wait for the dataset to finish loading.';
  if (!state.data.summary) return 'Load a dataset first (Data panel).';
  if (state.data.summary.task !== state.model.summary.task) {
    return `The dataset is for ${state.data.summary.task}, the model for ${state.model.summary.task}: load matching data.`;
  }
  return null;
}

/** Why no adapter can be imported now (it is loaded onto the model), or null. */
export function importBlocker(state: Pick<PlaygroundState, 'model'>): string | null {
  if (state.model.status === 'loading') return 'Wait for the model to finish loading.';
  if (!state.model.summary) return 'Load a model first (Model panel): an adapter is imported onto it.';
  return null;
}

/** Why this run cannot resume from its checkpoint now, or null when it can. */
export function resumeBlocker(state: StartState, run: RunRecord): string | null {
  if (!run.checkpoint) return 'This run has no checkpoint.';
  const blocker = startBlocker(state);
  if (blocker) return blocker;
  // A checkpoint holds adapter weights for one model and a position in one dataset.
  if (run.model && !sameModel(run.model, state.model.record)) return 'The run trained on another model: load that model to resume it.';
  if (run.dataset && !sameDataset(run.dataset, state.data.record)) return 'The run trained on other data: load that dataset to resume it.';
  return null;
}

/** A run the engine can resume from its checkpoint (not one paused in the engine, which simply continues). */
export function canResumeFromCheckpoint(run: RunRecord): boolean {
  return !!run.checkpoint && (run.status === 'interrupted' || run.status === 'failed' || run.status === 'stopped');
}
