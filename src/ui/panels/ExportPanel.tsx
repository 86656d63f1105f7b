import { useShallow } from 'zustand/react/shallow';
import { chartsToPng } from '../charts/charts-png';
import { Panel } from '../components/Panel';
import { RunOriginNote } from '../components/RunOriginNote';
import { exportChoices, exportKind, methodsExportingAs } from '../../engine/adapters/handoff/export-kinds';
import { DEFAULT_MAX_BUNDLE_DATA_BYTES } from '../../engine/adapters/handoff/pytorch-bundle';
import { downloadBytes } from '../engine/download';
import { useActions } from '../playground-context';
import { metricsCsv, reportJson } from '../report';
import { playgroundStore, usePlayground } from '../store';
import { adapterUnavailableReason, hasTrainedStatus } from '../store/run-origin';
import { selectRunList } from '../store/selectors';
import type { RunRecord } from '../store/types';
import { CHARTS_ELEMENT_ID } from './ComparePanel';

const BUNDLE_DATA_MIB = DEFAULT_MAX_BUNDLE_DATA_BYTES / 2 ** 20;

export function ExportPanel() {
  const runs = usePlayground(useShallow(selectRunList));
  const trained = runs.filter((r) => hasTrainedStatus(r.status));
  const stamp = () => new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
  const saveReport = () => {
    const s = playgroundStore.getState();
    const json = reportJson({
      model: s.model.summary,
      datasetName: s.data.summary?.name ?? null,
      backend: s.backend.active,
      runs,
      metrics: s.metrics,
      createdAt: new Date(),
    });
    downloadBytes(`wegeft-report-${stamp()}.json`, json, 'application/json');
  };
  const saveCsv = () => downloadBytes(`wegeft-metrics-${stamp()}.csv`, metricsCsv(runs, playgroundStore.getState().metrics), 'text/csv');
  const savePng = async () => {
    const element = document.getElementById(CHARTS_ELEMENT_ID);
    if (!element) return;
    try {
      downloadBytes(`wegeft-charts-${stamp()}.png`, await chartsToPng(element, runs.map((r) => ({ name: r.name, color: r.color }))), 'image/png');
    } catch (error) {
      playgroundStore.getState().notify('error', `Could not draw the charts: ${(error as Error).message}`);
    }
  };
  return (
    <Panel id="export" number={8} title="Export">
      <h3>Trained runs</h3>
      {trained.length === 0 && <p className="muted">Finish (or stop) a run to export it.</p>}
      {trained.length > 0 && (
        <p className="muted small" data-testid="export-explanation">
          Each run exports as what its method is: a PEFT adapter ({methodsExportingAs('peft-adapter').join(', ')}) for{' '}
          <code>PeftModel.from_pretrained</code>; {methodsExportingAs('own-adapter').join(', ')} in this app&apos;s format or for
          its authors&apos; fork of PEFT; {methodsExportingAs('full-checkpoint').join(', ').toLowerCase()} as a whole Hugging Face
          checkpoint; {methodsExportingAs('parameters').join(', ')} as the trained tensors. Every zip has a README with the Python
          that loads it, and a classifier&apos;s label names in config.json. The merged model is a plain checkpoint in the
          base&apos;s dtype.
        </p>
      )}
      {trained.length > 0 && (
        <p className="muted small" data-testid="bundle-explanation">
          <strong>Continue in PyTorch</strong> zips what it takes to carry a run on in Python, on one GPU or many: the export,
          the run&apos;s exact settings (<code>run.json</code>), the data it trained on (up to {BUNDLE_DATA_MIB} MiB),{' '}
          <code>train.py</code> (transformers with PEFT, or <code>wegeft.py</code> for WeGeFT), <code>requirements.txt</code> and an
          Accelerate config. Unzip, then <code>pip install -r requirements.txt</code> and <code>python train.py</code>, or{' '}
          <code>accelerate launch --config_file accelerate_config.yaml train.py</code> for several GPUs (README inside).
        </p>
      )}
      <ul className="export-list">
        {trained.map((run) => (
          <ExportRow key={run.id} run={run} />
        ))}
      </ul>
      <h3>Run report</h3>
      <div className="row">
        <button type="button" disabled={runs.length === 0} onClick={saveReport}>
          Report (JSON)
        </button>
        <button type="button" disabled={runs.length === 0} onClick={saveCsv}>
          Metrics (CSV)
        </button>
        <button type="button" disabled={runs.length === 0} onClick={() => void savePng()}>
          Charts (PNG)
        </button>
      </div>
    </Panel>
  );
}

/** A trained run's downloads: greyed, with the reason, when the engine cannot produce them now. */
function ExportRow({ run }: { run: RunRecord }) {
  const actions = useActions();
  const reason = usePlayground((s) => adapterUnavailableReason(s, run));
  const reasonId = `export-reason-${run.id}`;
  const method = run.form.method;
  const choices = exportChoices(method);
  // Full fine-tuning's export already is the whole checkpoint: a merged copy would be the same files.
  const fullCheckpoint = exportKind(method) === 'full-checkpoint';
  const disabledProps = reason ? { disabled: true, 'aria-describedby': reasonId } : {};
  return (
    <li className={reason ? 'dimmed' : undefined} data-testid="export-run" data-run-id={run.id}>
      <span className="swatch" style={{ background: run.color }} aria-hidden="true" /> {run.name} <RunOriginNote run={run} />
      <div className="row">
        {choices.map((choice) => (
          <button
            key={choice.format}
            type="button"
            {...disabledProps}
            title={choice.explanation}
            onClick={() => void actions.exportAdapter(run.id, choice.format)}
            aria-label={choice.format === 'authors' ? `Download the authors'-format adapter of ${run.name}` : `Download the adapter of ${run.name}`}
          >
            {choice.label}
          </button>
        ))}
        <button
          type="button"
          {...disabledProps}
          title="The export, run.json (the run's settings), its data, train.py and requirements.txt: python train.py or accelerate launch carries the run on in PyTorch (README inside)"
          onClick={() => void actions.exportBundle(run.id)}
          aria-label={`Download the Continue-in-PyTorch bundle of ${run.name}`}
        >
          Continue in PyTorch (.zip)
        </button>
        {!fullCheckpoint && (
          <button
            type="button"
            {...disabledProps}
            title="config.json + model.safetensors with the update merged in, in the base's dtype: from_pretrained loads it without PEFT"
            onClick={() => void actions.exportMerged(run.id)}
            aria-label={`Download the merged model of ${run.name}`}
          >
            Merged model (.zip)
          </button>
        )}
      </div>
      {reason && (
        <p id={reasonId} className="muted small" data-testid="export-reason">
          {reason}
        </p>
      )}
    </li>
  );
}
