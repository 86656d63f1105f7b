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
import type { RunRecord } from '../store/types';

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

const canStart = (run: RunRecord) => run.status !== 'running' && run.status !== 'queued';

export function RunsPanel() {
  const runs = usePlayground(useShallow(selectRunList));
  const mode = usePlayground(selectScheduleMode);
  const actions = useActions();
  const startable = runs.filter((r) => r.status === 'idle' || r.status === 'paused' || r.status === 'interrupted');
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
          <button type="button" disabled={startable.length === 0} onClick={() => startable.forEach((r) => actions.startRun(r.id))}>
            Start all
          </button>
        </div>
      }
    >
      {runs.length === 0 ? <p className="muted">No runs yet: add one in Methods.</p> : null}
      <ul className="runs">
        {runs.map((run) => (
          <RunRow key={run.id} run={run} />
        ))}
      </ul>
    </Panel>
  );
}

function RunRow({ run }: { run: RunRecord }) {
  const actions = useActions();
  const progress = run.progress;
  const editable = canStart(run) && run.status !== 'paused';
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
            {progress.etaMs !== null && run.status === 'running' ? ` · ETA ${formatDuration(progress.etaMs)}` : ''} · {formatDuration(progress.elapsedMs)} elapsed
          </span>
        </div>
      )}
      {run.statusMessage && run.status !== 'failed' && <p className="muted small">{run.statusMessage}</p>}
      {run.failure && <FailureView run={run} />}
      <div className="row">
        {canStart(run) && (
          <button type="button" className="primary" onClick={() => actions.startRun(run.id)} aria-label={`Start ${run.name}`}>
            {run.status === 'paused' ? 'Resume' : run.status === 'idle' ? 'Start' : 'Restart'}
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
        <button type="button" className="danger" onClick={() => actions.removeRun(run.id)} aria-label={`Remove ${run.name}`}>
          Remove
        </button>
      </div>
      <details>
        <summary>Settings: {describeMethod(run.form)}</summary>
        <SettingsForm form={run.form} onChange={(form) => actions.updateRun(run.id, form)} disabled={!editable} />
      </details>
    </li>
  );
}

function FailureView({ run }: { run: RunRecord }) {
  const actions = useActions();
  const failure = run.failure!;
  const alternatives = (['cpu', 'wasm', 'webgpu'] as const).filter((b) => b !== failure.suggestedBackend);
  return (
    <div className="error" role="alert" data-testid="run-failure">
      <p>{failure.message}</p>
      <div className="row">
        {failure.suggestedBackend && (
          <button type="button" onClick={() => void actions.retryOnBackend(run.id, failure.suggestedBackend!)}>
            Retry on {backendDisplayName(failure.suggestedBackend)}
          </button>
        )}
        {!failure.suggestedBackend &&
          alternatives.map((b) => (
            <button key={b} type="button" onClick={() => void actions.retryOnBackend(run.id, b)}>
              Retry on {backendDisplayName(b)}
            </button>
          ))}
      </div>
    </div>
  );
}
