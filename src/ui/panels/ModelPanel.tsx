import { useState, type FormEvent } from 'react';
import type { ModelSourceSpec } from '../../worker/protocol';
import { DropZone } from '../components/DropZone';
import { Markdown } from '../components/Markdown';
import { Panel } from '../components/Panel';
import { ProgressBar } from '../components/ProgressBar';
import { SharedModelPrompt } from '../components/SharedModelPrompt';
import { LARGE_FILE_BYTES } from '../engine/actions';
import { labelOfDropped } from '../engine/dropped-files';
import { formatBytes, formatCount } from '../format';
import { fetchModelCard, fetchModelManifest, modelsBaseUrl, type BundledModel } from '../manifests';
import { useActions } from '../playground-context';
import { usePlayground } from '../store';
import { selectModel } from '../store/selectors';
import { useAsync } from '../use-async';
import { ModelSummaryView, MODEL_SUMMARY_HEADING_ID } from './ModelSummaryView';

export const MODEL_ERROR_ID = 'model-error';

/**
 * Loads a model, then puts keyboard focus on what came of it (the loaded
 * model's heading, or the error): the button that was pressed is disabled
 * while the model loads, which would otherwise drop focus to the page.
 */
function useLoadModel(): (spec: ModelSourceSpec) => Promise<void> {
  const actions = useActions();
  return async (spec) => {
    const loaded = await actions.loadModel(spec);
    requestAnimationFrame(() => document.getElementById(loaded ? MODEL_SUMMARY_HEADING_ID : MODEL_ERROR_ID)?.focus());
  };
}

export function ModelPanel() {
  const model = usePlayground(selectModel);
  const load = useLoadModel();
  const busy = model.status === 'loading';
  return (
    <Panel id="model" number={1} title="Model">
      <SharedModelPrompt />
      <BundledModels disabled={busy} load={load} />
      <HubForm disabled={busy} load={load} />
      <DropZone
        label="Drop a checkpoint"
        hint="A folder, or its files: config.json + model.safetensors (+ tokenizer.json or preprocessor_config.json)."
        testId="model-drop"
        disabled={busy}
        onFiles={(files) => {
          const large = files.filter((f) => f.file.size > LARGE_FILE_BYTES);
          const warning = `${large.map((f) => `${f.path} (${formatBytes(f.file.size)})`).join(', ')}: very large. Loading may take a while and need as much memory again. Load anyway?`;
          if (large.length === 0 || window.confirm(warning)) void load({ kind: 'files', files, label: labelOfDropped(files) });
        }}
      />
      <ModelStatus />
    </Panel>
  );
}

function BundledModels({ disabled, load }: { disabled: boolean; load: (spec: ModelSourceSpec) => Promise<void> }) {
  const manifest = useAsync(fetchModelManifest, []);
  const [card, setCard] = useState<{ name: string; text: string } | null>(null);
  if (manifest.loading) return <p className="muted">Looking for bundled models…</p>;
  if (manifest.error || !manifest.value || manifest.value.length === 0) {
    return <p className="muted">No bundled models in this build{manifest.error ? ` (${manifest.error})` : ''}.</p>;
  }
  return (
    <div className="bundled">
      <h3>Bundled models</h3>
      <ul className="cards">
        {manifest.value.map((m) => (
          <BundledModelCard
            key={m.name}
            model={m}
            disabled={disabled}
            load={load}
            showCard={() => void fetchModelCard(m.name).then((text) => setCard(text ? { name: m.name, text } : null))}
          />
        ))}
      </ul>
      {card && (
        <details open className="model-card" data-testid="model-card">
          <summary>Model card</summary>
          <Markdown source={card.text} baseUrl={`${modelsBaseUrl()}${encodeURIComponent(card.name)}/`} />
        </details>
      )}
    </div>
  );
}

function BundledModelCard({
  model,
  disabled,
  load,
  showCard,
}: {
  model: BundledModel;
  disabled: boolean;
  load: (spec: ModelSourceSpec) => Promise<void>;
  showCard: () => void;
}) {
  const current = usePlayground((s) => s.model.source?.kind === 'bundled' && s.model.source.name === model.name);
  return (
    <li className={current ? 'card current' : 'card'}>
      <strong>{model.title}</strong>
      {model.task && (
        <span className="tag">
          {model.task === 'image-classification' ? 'images' : 'text'}
          {model.parameters !== null ? ` · ${formatCount(model.parameters)} parameters` : ''}
        </span>
      )}
      <p className="muted">{model.description}</p>
      <div className="row">
        <button
          type="button"
          disabled={disabled}
          aria-label={`Load ${model.title}`}
          onClick={() => {
            showCard();
            void load({ kind: 'bundled', name: model.name });
          }}
        >
          {current ? 'Reload' : 'Load'}
        </button>
      </div>
    </li>
  );
}

function HubForm({ disabled, load }: { disabled: boolean; load: (spec: ModelSourceSpec) => Promise<void> }) {
  const [repoId, setRepoId] = useState('');
  const [revision, setRevision] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (repoId.trim()) void load({ kind: 'hub', repoId: repoId.trim(), revision: revision.trim() || undefined });
  };
  return (
    <form className="hub-form" onSubmit={submit}>
      <h3>From the Hugging Face Hub</h3>
      <div className="row">
        <label>
          Repo id
          <input value={repoId} onChange={(e) => setRepoId(e.target.value)} placeholder="owner/name" spellCheck={false} />
        </label>
        <label>
          Revision
          <input value={revision} onChange={(e) => setRevision(e.target.value)} placeholder="main" spellCheck={false} size={8} />
        </label>
        <button type="submit" disabled={disabled || repoId.trim() === ''}>
          Download
        </button>
      </div>
      <p className="muted small">Files are cached in the browser: a model is downloaded once.</p>
    </form>
  );
}

function ModelStatus() {
  const model = usePlayground(selectModel);
  const progress = model.progress;
  const pending = model.pendingSource;
  const pendingName = pending ? (pending.kind === 'bundled' ? pending.name : pending.kind === 'hub' ? pending.repoId : pending.label) : null;
  return (
    <>
      {model.status === 'loading' && (
        <div className="status" aria-live="polite">
          <p>
            Loading {pendingName ? `${pendingName}: ` : ''}
            {progress ? progress.file : 'the model'}
            {progress?.tensor ? `, tensor ${progress.tensor.index} of ${progress.tensor.count} (${progress.tensor.name})` : ''}
            {progress ? ` — ${formatBytes(progress.loaded)}${progress.total ? ` of ${formatBytes(progress.total)}` : ''}` : '…'}
          </p>
          <ProgressBar value={progress?.loaded ?? 0} max={progress?.total ?? null} label={progress?.tensor ? 'Model loading' : 'Model download'} />
        </div>
      )}
      {model.error && (
        <div className="error" role="alert" data-testid="model-error" id={MODEL_ERROR_ID} tabIndex={-1}>
          <p>{model.error}</p>
          {model.summary && (
            <p className="small" data-testid="model-kept">
              Still loaded, unchanged: {model.summary.label}, with its dataset and runs.
            </p>
          )}
        </div>
      )}
      {model.summary ? <ModelSummaryView summary={model.summary} /> : model.status !== 'loading' && !model.error && <p className="muted">No model loaded yet.</p>}
    </>
  );
}
