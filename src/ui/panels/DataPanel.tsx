import { DropZone } from '../components/DropZone';
import { Panel } from '../components/Panel';
import { ProgressBar } from '../components/ProgressBar';
import { formatBytes } from '../format';
import { datasetsBaseUrl, fetchDatasetManifest, fetchModelManifest } from '../manifests';
import { useActions } from '../playground-context';
import { playgroundStore, usePlayground } from '../store';
import { selectData } from '../store/selectors';
import { useAsync } from '../use-async';
import { DatasetSummaryView } from './DatasetSummaryView';

export function DataPanel() {
  const data = usePlayground(selectData);
  const modelReady = usePlayground((s) => s.model.status === 'ready');
  const actions = useActions();
  const busy = data.status === 'loading';
  return (
    <Panel id="data" number={2} title="Data">
      <BundledDatasets disabled={busy || !modelReady} />
      <DropZone
        label="Drop a dataset"
        hint="Text: .txt, .jsonl (text or prompt/completion), .csv, .json. Images: a folder of class folders, a .zip of one, or a .csv of path,label."
        testId="data-drop"
        disabled={busy || !modelReady}
        onFiles={(files) => void actions.loadDataset(files)}
      />
      {!modelReady && <p className="muted">Load a model first: the dataset is prepared for it (tokenizer, image size).</p>}
      <label className="inline">
        Validation split
        <input
          type="number"
          min={0}
          max={0.5}
          step={0.05}
          value={data.validationFraction}
          onChange={(e) => {
            const value = Number(e.target.value);
            if (Number.isFinite(value) && value >= 0 && value <= 0.5) playgroundStore.getState().setValidationFraction(value);
          }}
        />
        <span className="muted small">of the examples are held out, unless the data names its own</span>
      </label>
      <label className="inline">
        Evaluate on at most
        <input
          type="number"
          min={1}
          max={100_000}
          step={1}
          value={data.evaluationLimit}
          onChange={(e) => {
            const value = Number(e.target.value);
            if (Number.isInteger(value) && value >= 1) playgroundStore.getState().setEvaluationLimit(value);
          }}
        />
        <span className="muted small">held-out examples (fewer is quicker; both apply to the next dataset loaded)</span>
      </label>
      <LargeFileWarning />
      {busy && (
        <div className="status" aria-live="polite">
          <p>Reading {data.pending.length === 1 ? data.pending[0] : `${data.pending.length} files`}…</p>
          <ProgressBar value={0} max={null} label="Dataset loading" />
        </div>
      )}
      {data.errors.length > 0 && (
        <ul className="error-list" role="alert" data-testid="data-errors">
          {data.errors.map((e) => (
            <li key={e.file + e.problem}>
              <strong>{e.file}</strong>: {e.problem}
            </li>
          ))}
        </ul>
      )}
      {data.summary ? <DatasetSummaryView summary={data.summary} /> : !busy && <p className="muted">No dataset loaded yet.</p>}
    </Panel>
  );
}

const datasetUrl = (file: string) => new URL(`${datasetsBaseUrl()}${file}`, location.href).href;

function BundledDatasets({ disabled }: { disabled: boolean }) {
  const manifest = useAsync(fetchDatasetManifest, []);
  const task = usePlayground((s) => s.model.summary?.task ?? null);
  const actions = useActions();
  const models = useAsync(fetchModelManifest, []);
  const bundledName = usePlayground((s) => (s.model.source?.kind === 'bundled' ? s.model.source.name : null));
  const suggested = models.value?.find((m) => m.name === bundledName)?.demoDataset ?? null;
  const datasets = (manifest.value ?? [])
    .filter((d) => !task || !d.task || d.task === task)
    .sort((a, b) => Number(b.id === suggested) - Number(a.id === suggested));
  if (datasets.length === 0) return null;
  return (
    <div className="bundled">
      <h3>Demo datasets</h3>
      <ul className="cards">
        {datasets.map((d) => (
          <li key={d.id} className={d.id === suggested ? 'card current' : 'card'}>
            <strong>{d.name}</strong>
            {d.id === suggested && <span className="tag">suggested for this model</span>}
            <p className="muted">{d.description}</p>
            {d.licence && <p className="muted small">Licence: {d.licence}</p>}
            <button
              type="button"
              disabled={disabled}
              aria-label={`Use ${d.name}`}
              onClick={() => void actions.loadBundledDataset(d.name, d.files.map(datasetUrl), d.validationFiles.map(datasetUrl))}
            >
              Use
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

function LargeFileWarning() {
  const large = usePlayground((s) => s.data.largeFiles);
  const actions = useActions();
  if (large.length === 0) return null;
  return (
    <div className="warning" role="alertdialog" aria-label="Large files">
      <p>
        {large.map((f) => `${f.name} (${formatBytes(f.bytes)})`).join(', ')} {large.length === 1 ? 'is' : 'are'} very large: reading{' '}
        {large.length === 1 ? 'it' : 'them'} may take a while and use much memory.
      </p>
      <div className="row">
        <button type="button" onClick={() => void actions.confirmLargeDataset(true)}>
          Load anyway
        </button>
        <button type="button" onClick={() => void actions.confirmLargeDataset(false)}>
          Cancel
        </button>
      </div>
    </div>
  );
}
