/**
 * The one handler that turns the worker's events into store actions. Replies
 * that belong to one request (generation, exports, counts) are taken by the
 * code that sent the request; this handler keeps the shared state.
 */
import type { WorkerEvent } from '../../worker/protocol';
import type { PlaygroundStore } from '../store';

export function applyEngineEvent(store: PlaygroundStore, event: WorkerEvent): void {
  const state = store.getState();
  switch (event.type) {
    case 'backend':
      state.backendReady(event.backend, event.fallbackReasons, event.adapterInfo, event);
      return;
    case 'modelLoading':
      state.modelProgress(event.file, event.loaded, event.total, event.tensor);
      return;
    case 'modelLoaded':
      state.modelLoaded(event.summary, event.record);
      return;
    case 'datasetLoaded':
      state.datasetLoaded(event.summary, event.record);
      return;
    case 'runStatus':
      state.setRunStatus(event.runId, event.status, event.message);
      return;
    case 'runProgress':
      state.setRunProgress(event.runId, {
        step: event.step,
        totalSteps: event.totalSteps,
        epoch: event.epoch,
        elapsedMs: event.elapsedMs,
        etaMs: event.etaMs,
        ...(event.computeMs !== undefined ? { computeMs: event.computeMs } : {}),
      });
      return;
    case 'runWarning':
      state.addRunWarning(event.runId, event.step, event.message);
      state.notify('warning', `${state.runs[event.runId]?.name ?? event.runId}: ${event.message}`);
      return;
    case 'runMetrics':
      state.appendMetrics(event.points);
      return;
    case 'runFinished':
      state.runFinished(event.runId, event.finalEval, event.message ?? null);
      return;
    case 'runBaseEval':
      state.setRunBaseEval(event.runId, event.evaluation);
      return;
    case 'runClassReport':
      state.setRunClassReport(event.runId, event.report);
      return;
    case 'runFailed':
      state.runFailed(event.runId, { kind: event.kind, message: event.message, suggestedBackend: event.suggestedBackend });
      return;
    case 'error':
      // Errors of a request are shown where the request was made.
      if (event.requestId === null) state.notify('error', event.message);
      return;
    // Kept by the actions (IndexedDB, or memory without it).
    case 'runCheckpoint':
    case 'adapterSaved':
    case 'downloadSize':
    case 'trainableCount':
    case 'generation':
    case 'classification':
    case 'folderScores':
    case 'exportReady':
    case 'adapterImported':
      return;
  }
}
