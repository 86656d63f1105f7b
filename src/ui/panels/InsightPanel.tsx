import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { InsightInput, RunClusterMaps, RunUpdateAnalysis, WorkerEventOf } from '../../worker/protocol';
import { DropZone } from '../components/DropZone';
import { Panel } from '../components/Panel';
import { ProgressBar } from '../components/ProgressBar';
import { useActions } from '../playground-context';
import { usePlayground } from '../store';
import { usableRuns } from '../store/run-origin';
import type { RunRecord } from '../store/types';
import { decodeImage } from './ClassifyTry';
import { AnatomyView } from './insight/AnatomyView';
import { clusterGridsPng, ClusterMapsView } from './insight/ClusterMapsView';
import { anatomyGrid } from './insight/view-model';

type Progress = WorkerEventOf<'analysisProgress'> | null;

/**
 * What each method learned: the update anatomy of every trained run and the
 * paper's cluster maps of one module, side by side, computed in the worker.
 */
export function InsightPanel() {
  const task = usePlayground((s) => (s.model.status === 'ready' ? s.model.summary?.task ?? null : null));
  const runs = usePlayground(useShallow(usableRuns));
  return (
    <Panel id="insight" number={6} title="Insight: what each method learned">
      {task === null && <p className="muted">Load a model and train runs to see what each method changed.</p>}
      {task !== null && runs.length === 0 && <p className="muted">Train a run (or several, with different methods) to see what each changed.</p>}
      {task !== null && runs.length > 0 && <InsightBody runs={runs} task={task} />}
    </Panel>
  );
}

function InsightBody({ runs, task }: { runs: RunRecord[]; task: 'causal-lm' | 'image-classification' }) {
  const actions = useActions();
  const [anatomy, setAnatomy] = useState<RunUpdateAnalysis[] | null>(null);
  const [progress, setProgress] = useState<Progress>(null);
  const [busy, setBusy] = useState<'anatomy' | 'maps' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [layer, setLayer] = useState<number | null>(null);
  const [kind, setKind] = useState<string | null>(null);
  const [prompt, setPrompt] = useState('');
  const [input, setInput] = useState<{ name: string; value: InsightInput } | null>(null);
  const [maps, setMaps] = useState<RunClusterMaps[] | null>(null);
  const runIds = runs.map((r) => r.id);
  const runKey = runIds.join(',');
  // Results of runs that are gone (removed, or trained again) no longer apply.
  useEffect(() => {
    setAnatomy((a) => (a && a.every((r) => runIds.includes(r.runId)) ? a : null));
    setMaps(null);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [runKey]);

  const analyse = async (): Promise<RunUpdateAnalysis[] | null> => {
    setBusy('anatomy');
    setError(null);
    try {
      const results = await actions.analyzeUpdates(runIds, setProgress);
      setAnatomy(results);
      return results;
    } catch (e) {
      setError((e as Error).message);
      return null;
    } finally {
      setBusy(null);
      setProgress(null);
    }
  };

  const grid = anatomy ? anatomyGrid(anatomy) : null;
  const chosenLayer = grid && layer !== null && grid.layers.includes(layer) ? layer : grid?.layers.at(-1) ?? null;
  const chosenKind = grid && kind !== null && grid.kinds.includes(kind) ? kind : preferredKind(grid?.kinds ?? []);
  const modulePath = (results: RunUpdateAnalysis[]) =>
    results.flatMap((r) => r.modules).find((m) => m.layer === chosenLayer && m.kind === chosenKind)?.module ?? null;

  const draw = async (value: InsightInput) => {
    const results = anatomy ?? (await analyse());
    if (!results) return;
    const path = modulePath(results) ?? results.flatMap((r) => r.modules).at(-1)?.module;
    if (!path) {
      setError('no run changes a weight matrix: there are no update directions to draw');
      return;
    }
    setBusy('maps');
    setError(null);
    try {
      setMaps(await actions.clusterMaps(runIds, path, value));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(null);
    }
  };

  const savePng = async () => {
    if (!maps) return;
    try {
      const blob = await clusterGridsPng(maps, runs);
      const link = document.createElement('a');
      link.href = URL.createObjectURL(blob);
      link.download = 'cluster-maps.png';
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <div className="insight">
      <div className="row">
        <button type="button" onClick={() => void analyse()} disabled={busy !== null} data-testid="analyse-updates">
          {anatomy ? 'Analyse again' : 'Analyse updates'}
        </button>
        <span className="muted small">
          {runs.length} trained run{runs.length === 1 ? '' : 's'}: {runs.map((r) => r.name).join(', ')}
        </span>
      </div>
      {busy === 'anatomy' && (
        <div data-testid="analysis-progress">
          <ProgressBar value={progress?.done ?? 0} max={progress?.total ?? null} label="Analysing updates" />
          <p className="muted small">
            {progress ? `${runs.find((r) => r.id === progress.runId)?.name ?? ''}: module ${progress.done} of ${progress.total} (${progress.module})` : 'Starting…'}
          </p>
        </div>
      )}
      {error && (
        <p className="error" role="alert" data-testid="insight-error">
          {error}
        </p>
      )}
      {anatomy && <AnatomyView results={anatomy} runs={runs} />}

      <h3 className="small-heading">{task === 'image-classification' ? 'Cluster maps on an image' : 'Token scores over a prompt'}</h3>
      <p className="chart-note">
        {task === 'image-classification'
          ? "WeGeFT's paper reads the r columns of W·φᵀ as directions over a layer's outputs: each patch's output is scored along each direction and drawn as a heat map (values below half of a map's range are hidden), with the frozen W's outputs above and the adapted ones below. LoRA's maps use its B; methods with a dense ΔW use its top singular directions."
          : "Each prompt token shaded by its output's score along each of the update's directions at one module (WeGeFT: the columns of W·φᵀ; LoRA: of B), with the frozen W's outputs and the adapted ones."}
      </p>
      {grid && grid.layers.length > 0 && (
        <div className="row">
          <label className="compact">
            Layer{' '}
            <select value={chosenLayer ?? ''} onChange={(e) => setLayer(Number(e.target.value))} data-testid="cluster-layer">
              {grid.layers.map((l) => (
                <option key={l} value={l}>
                  {l}
                </option>
              ))}
            </select>
          </label>
          <label className="compact">
            Module{' '}
            <select value={chosenKind ?? ''} onChange={(e) => setKind(e.target.value)} data-testid="cluster-module">
              {grid.kinds.map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
          </label>
          {input && (
            <button type="button" onClick={() => void draw(input.value)} disabled={busy !== null}>
              Draw again
            </button>
          )}
        </div>
      )}
      {task === 'image-classification' ? (
        <DropZone
          label="Drop an image"
          hint="PNG, JPEG, WebP… resized as the model expects; its maps are drawn for every trained run."
          accept="image/*"
          testId="cluster-drop"
          disabled={busy !== null}
          onFiles={(files) => {
            const file = files[0]?.file;
            if (!file) return;
            void decodeImage(file).then(
              (image) => {
                const value: InsightInput = { kind: 'image', image };
                setInput({ name: file.name, value });
                void draw(value);
              },
              (e: Error) => setError(e.message),
            );
          }}
        />
      ) : (
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            if (!prompt.trim()) return;
            const value: InsightInput = { kind: 'prompt', prompt };
            setInput({ name: 'prompt', value });
            void draw(value);
          }}
        >
          <input type="text" value={prompt} onChange={(e) => setPrompt(e.target.value)} placeholder="A prompt to score, e.g. Call me Ishmael." aria-label="Prompt to score" data-testid="cluster-prompt" />
          <button type="submit" disabled={busy !== null || !prompt.trim()}>
            Score tokens
          </button>
        </form>
      )}
      {busy === 'maps' && <ProgressBar value={0} max={null} label="Drawing cluster maps" />}
      {maps && (
        <>
          <p className="muted small">
            {input?.name}: module {maps[0]?.module}
            {task === 'image-classification' && (
              <>
                {' · '}
                <button type="button" className="link" onClick={() => void savePng()} data-testid="cluster-png">
                  Save as PNG
                </button>
              </>
            )}
          </p>
          <ClusterMapsView results={maps} runs={runs} />
        </>
      )}
    </div>
  );
}

/** The authors draw the attention output projection; else the first module type. */
function preferredKind(kinds: string[]): string | null {
  return kinds.find((k) => /attention\.output\.dense|attn\.c_proj|self_attn\.o_proj|attn\.out_proj/.test(k)) ?? kinds[0] ?? null;
}
