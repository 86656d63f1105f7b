import { useShallow } from 'zustand/react/shallow';
import { Panel } from '../components/Panel';
import { ProgressBar } from '../components/ProgressBar';
import { SettingsForm } from '../components/SettingsForm';
import { TrainableCountView } from '../components/TrainableCountView';
import { RunOriginNote } from '../components/RunOriginNote';
import { backendDisplayName, formatDuration } from '../format';
import { useActions } from '../playground-context';
import { describeMethod } from '../schemas/run-form';
import { usePlayground } from '../store';
import { selectRunList, selectScheduleMode } from '../store/selectors';
import { canResumeFromCheckpoint, resumeBlocker, startBlocker } from '../store/run-start';
import type { RunRecord } from '../store/types';
import { adapterUnavailableReason } from '../store/run-origin';
import { methodOptionKeys } from '../schemas/imported-form';
import { ImportAdapterZone, ImportedNote } from './ImportAdapter';

const STATUS_LABELS: Record<RunRecord['status'], string> = {
  idle: 'ready',
  queued: 'waiting',
  running: 'training',
  paused: 'paused',
  finished: 'finished',
  stopped: 'stopped',
  failed: 'failed',
  interrupted: 'interrupted',
};

// An imported run was trained elsewhere: it does not start, it is trained further by a new run.
const canStart = (run: RunRecord) => run.status !== 'running' && run.status !== 'queued' && !run.imported;

export function RunsPanel() {
  const runs = usePlayground(useShallow(selectRunList));
  const mode = usePlayground(selectScheduleMode);
  const actions = useActions();
  const blocker = usePlayground(startBlocker);
  const startable = blocker ? [] : runs.filter((r) => r.status === 'idle' || r.status === 'paused' || r.status === 'interrupted');
  return (
    <Panel
      id="runs"
      number={4}
      title="Runs"
      actions={
        <div className="row">
          <label className="compact">
            Share the backend
            <select value={mode} onChange={(e) => actions.setScheduleMode(e.target.value as 'interleaved' | 'sequential')}>
              <option value="interleaved">interleaved (step by step)</option>
              <option value="sequential">one run at a time</option>
            </select>
          </label>
          <button
            type="button"
            disabled={startable.length === 0}
            title={blocker ?? undefined}
            onClick={() => startable.forEach((r) => (canResumeFromCheckpoint(r) ? void actions.resumeRun(r.id) : actions.startRun(r.id)))}
          >
            Start all
          </button>
        </div>
      }
    >
      {runs.length === 0 ? <p className="muted">No runs yet: add one in Methods, or import an adapter below.</p> : null}
      {runs.length > 0 && blocker ? (
        <p className="muted small" data-testid="runs-start-blocked">
          Runs cannot start: {blocker}
        </p>
      ) : null}
      <ul className="runs">
        {runs.map((run) => (
          <RunRow key={run.id} run={run} />
        ))}
      </ul>
      <ImportAdapterZone />
    </Panel>
  );
}

function RunRow({ run }: { run: RunRecord }) {
  const actions = useActions();
  const progress = run.progress;
  const editable = canStart(run) && run.status !== 'paused';
  const startBlocked = usePlayground(startBlocker);
  const resumeBlocked = usePlayground((s) => (canResumeFromCheckpoint(run) ? resumeBlocker(s, run) : null));
  // After a device or worker failure the failure's own button resumes on another backend.
  const resumable = canResumeFromCheckpoint(run) && !(run.status === 'failed' && BACKEND_FAILURES.has(run.failure?.kind ?? ''));
  const furtherBlocked = usePlayground((s) => (run.imported ? adapterUnavailableReason(s, run) : null));
  const locked = run.startsFrom ? new Set<string>(['method', ...methodOptionKeys(run.form)]) : undefined;
  return (
    <li className="run" data-testid="run" data-run-id={run.id} data-status={run.status} style={{ borderLeftColor: run.color }}>
      <div className="run-head">
        <span className="swatch" style={{ background: run.color }} aria-hidden="true" />
        <strong className="run-name">{run.name}</strong>
        <span className={`status-tag ${run.status}`} data-testid="run-status">
          {STATUS_LABELS[run.status]}
        </span>
        <TrainableCountView trainable={run.trainable} testId="run-trainable" />
        <RunOriginNote run={run} />
        {run.finalEval && (
          <span className="small" data-testid="run-eval">
            validation{' '}
            {run.finalEval.kind === 'classifier' ? `accuracy ${(run.finalEval.accuracy * 100).toFixed(1)}%` : `perplexity ${run.finalEval.perplexity.toFixed(2)}`}
          </span>
        )}
      </div>
      {progress && (
        <div className="run-progress">
          <ProgressBar value={progress.step} max={progress.totalSteps} label={`${run.name} progress`} />
          <span className="small" data-testid="run-step">
            step {progress.step} / {progress.totalSteps}
            {run.status === 'running' ? ` · ETA ${progress.etaMs !== null ? formatDuration(progress.etaMs) : 'after the next step'}` : ''} ·{' '}
            <span title="Wall clock since the run started, pauses excluded (other runs' turns and evaluations included)">
              {formatDuration(progress.elapsedMs)} elapsed
            </span>
            {progress.computeMs !== undefined && (
              <span title="The run's own compute: its steps only"> · {formatDuration(progress.computeMs)} own compute</span>
            )}
          </span>
        </div>
      )}
      <ImportedNote run={run} />
      {run.statusMessage && run.status !== 'failed' && <p className="muted small">{run.statusMessage}</p>}
      {run.checkpoint && run.status !== 'finished' && (
        <p className="muted small" data-testid="run-checkpoint" data-step={run.checkpoint.step}>
          Checkpoint at step {run.checkpoint.step}
          {run.checkpoint.persisted ? ', kept for a reload' : ', in this page only (the browser would not store it)'}
        </p>
      )}
      {run.warnings && run.warnings.length > 0 && (
        <ul className="warnings small" data-testid="run-warnings">
          {run.warnings.map((w, i) => (
            <li key={i}>
              {w.step > 0 ? `Step ${w.step}: ` : ''}
              {w.message}
            </li>
          ))}
        </ul>
      )}
      {run.failure && <FailureView run={run} />}
      <div className="row">
        {resumable && (
          <button
            type="button"
            className="primary"
            disabled={resumeBlocked !== null}
            onClick={() => void actions.resumeRun(run.id)}
            aria-label={`Resume ${run.name}`}
            data-testid="run-resume"
          >
            Resume from step {run.checkpoint!.step}
          </button>
        )}
        {canStart(run) && (
          <button
            type="button"
            className={resumable ? undefined : 'primary'}
            disabled={startBlocked !== null}
            onClick={() => actions.startRun(run.id)}
            aria-label={`${run.status === 'paused' ? 'Resume' : run.status === 'idle' ? 'Start' : 'Restart'} ${run.name}`}
          >
            {run.status === 'paused' ? 'Resume' : run.status === 'idle' ? 'Start' : resumable ? 'Restart from step 0' : 'Restart'}
          </button>
        )}
        {(run.status === 'running' || run.status === 'queued') && (
          <button type="button" onClick={() => actions.pauseRun(run.id)} aria-label={`Pause ${run.name}`}>
            Pause
          </button>
        )}
        {(run.status === 'running' || run.status === 'queued' || run.status === 'paused') && (
          <button type="button" onClick={() => actions.stopRun(run.id)} aria-label={`Stop ${run.name}`}>
            Stop
          </button>
        )}
        {run.imported && (
          <button
            type="button"
            className="primary"
            disabled={furtherBlocked !== null}
            title={furtherBlocked ?? 'A new run of the same method and settings whose adapter starts from this one'}
            onClick={() => actions.trainFurther(run.id)}
            aria-label={`Train ${run.name} further`}
            data-testid="run-train-further"
          >
            Train further
          </button>
        )}
        <button type="button" className="danger" onClick={() => actions.removeRun(run.id)} aria-label={`Remove ${run.name}`}>
          Remove
        </button>
      </div>
      {(resumeBlocked ?? (canStart(run) ? startBlocked : null)) && (
        <p className="muted small" data-testid="run-start-blocked">
          {resumeBlocked ?? startBlocked}
        </p>
      )}
      <details>
        <summary>Settings: {describeMethod(run.form)}</summary>
        <SettingsForm form={run.form} onChange={(form) => actions.updateRun(run.id, form)} disabled={!editable} locked={locked} />
      </details>
    </li>
  );
}

/** Failures another backend can help with: the device, its memory, the engine worker. */
const BACKEND_FAILURES: ReadonlySet<string> = new Set(['device-lost', 'out-of-memory', 'worker-crashed']);

function FailureView({ run }: { run: RunRecord }) {
  const actions = useActions();
  const failure = run.failure!;
  // A missing dataset, bad settings or a NaN loss fail on every backend: no retry buttons for those.
  const offerBackend = BACKEND_FAILURES.has(failure.kind) && failure.suggestedBackend;
  const verb = run.checkpoint ? `Resume from step ${run.checkpoint.step} on` : 'Retry on';
  return (
    <div className="error" role="alert" data-testid="run-failure" data-kind={failure.kind}>
      <p>{failure.message}</p>
      {run.checkpoint && <p className="small">Its metrics and its checkpoint at step {run.checkpoint.step} (adapter weights and optimizer state) are kept.</p>}
      {offerBackend && (
        <div className="row">
          <button type="button" data-testid="run-retry" onClick={() => void actions.retryOnBackend(run.id, failure.suggestedBackend!)}>
            {verb} {backendDisplayName(failure.suggestedBackend!)}
          </button>
        </div>
      )}
    </div>
  );
}
