import { useState, type FormEvent } from 'react';
import { Panel } from '../components/Panel';
import { DropZone } from '../components/DropZone';
import { ProgressBar } from '../components/ProgressBar';
import { LARGE_FILE_BYTES } from '../engine/actions';
import { labelOfDropped } from '../engine/dropped-files';
import { formatBytes, formatCount } from '../format';
import { fetchModelCard, fetchModelManifest, type BundledModel } from '../manifests';
import { useActions } from '../playground-context';
import { usePlayground } from '../store';
import { selectModel } from '../store/selectors';
import { useAsync } from '../use-async';
import { ModelSummaryView } from './ModelSummaryView';

export function ModelPanel() {
  const model = usePlayground(selectModel);
  const actions = useActions();
  const busy = model.status === 'loading';
  return (
    <Panel id="model" number={1} title="Model">
      <BundledModels disabled={busy} />
      <HubForm disabled={busy} />
      <DropZone
        label="Drop a checkpoint"
        hint="A folder, or its files: config.json + model.safetensors (+ tokenizer.json or preprocessor_config.json)."
        testId="model-drop"
        disabled={busy}
        onFiles={(files) => {
          const large = files.filter((f) => f.file.size > LARGE_FILE_BYTES);
          const warning = `${large.map((f) => `${f.path} (${formatBytes(f.file.size)})`).join(', ')}: very large. Loading may take a while and need as much memory again. Load anyway?`;
          if (large.length === 0 || window.confirm(warning)) void actions.loadModel({ kind: 'files', files, label: labelOfDropped(files) });
        }}
      />
      <ModelStatus />
    </Panel>
  );
}

function BundledModels({ disabled }: { disabled: boolean }) {
  const manifest = useAsync(fetchModelManifest, []);
  const [card, setCard] = useState<string | null>(null);
  if (manifest.loading) return <p className="muted">Looking for bundled models…</p>;
  if (manifest.error || !manifest.value || manifest.value.length === 0) {
    return <p className="muted">No bundled models in this build{manifest.error ? ` (${manifest.error})` : ''}.</p>;
  }
  return (
    <div className="bundled">
      <h3>Bundled models</h3>
      <ul className="cards">
        {manifest.value.map((m) => (
          <BundledModelCard key={m.name} model={m} disabled={disabled} showCard={() => void fetchModelCard(m.name).then(setCard)} />
        ))}
      </ul>
      {card && (
        <details open className="model-card">
          <summary>Model card</summary>
          <pre>{card}</pre>
        </details>
      )}
    </div>
  );
}

function BundledModelCard({ model, disabled, showCard }: { model: BundledModel; disabled: boolean; showCard: () => void }) {
  const actions = useActions();
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
            void actions.loadModel({ kind: 'bundled', name: model.name });
          }}
        >
          {current ? 'Reload' : 'Load'}
        </button>
      </div>
    </li>
  );
}

function HubForm({ disabled }: { disabled: boolean }) {
  const actions = useActions();
  const [repoId, setRepoId] = useState('');
  const [revision, setRevision] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (repoId.trim()) void actions.loadModel({ kind: 'hub', repoId: repoId.trim(), revision: revision.trim() || undefined });
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
  if (model.status === 'loading') {
    const progress = model.progress;
    return (
      <div className="status" aria-live="polite">
        <p>
          Loading {progress ? progress.file : 'the model'}
          {progress ? ` — ${formatBytes(progress.loaded)}${progress.total ? ` of ${formatBytes(progress.total)}` : ''}` : '…'}
        </p>
        <ProgressBar value={progress?.loaded ?? 0} max={progress?.total ?? null} label="Model download" />
      </div>
    );
  }
  if (model.status === 'error') {
    return (
      <p className="error" role="alert" data-testid="model-error">
        {model.error}
      </p>
    );
  }
  if (!model.summary) return <p className="muted">No model loaded yet.</p>;
  return <ModelSummaryView summary={model.summary} />;
}
