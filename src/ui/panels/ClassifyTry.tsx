import { useState } from 'react';
import type { ClassificationOutput, DroppedFile, FolderScores, RgbaImageData } from '../../worker/protocol';
import { ProgressBar } from '../components/ProgressBar';
import { RunName } from '../components/RunName';
import { DropZone } from '../components/DropZone';
import { ImageThumb } from '../components/ImageThumb';
import { useActions } from '../playground-context';
import type { RunRecord } from '../store/types';

/** Decodes an image file in the page (the browser reads every common format). */
export async function decodeImage(file: File): Promise<RgbaImageData> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new Error(`${file.name}: not an image this browser can decode`);
  }
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d')!;
  context.drawImage(bitmap, 0, 0);
  const data = context.getImageData(0, 0, bitmap.width, bitmap.height);
  bitmap.close();
  return { width: data.width, height: data.height, rgba: data.data };
}

interface TriedImage {
  key: string;
  name: string;
  data: RgbaImageData | null;
  outputs: ClassificationOutput[] | null;
  error: string | null;
}

/** At most this many dropped images are classified at once: each is one forward pass per run. */
const MAX_IMAGES = 24;

/** Images, each classified by the base model and by each trained run: top-5 each, one row per image. */
export function ClassifyTry({ runs }: { runs: RunRecord[] }) {
  const actions = useActions();
  const [images, setImages] = useState<TriedImage[]>([]);
  const [skipped, setSkipped] = useState(0);
  const classifyAll = async (files: File[]) => {
    const batch = files.slice(0, MAX_IMAGES);
    setSkipped(files.length - batch.length);
    const stamp = Date.now();
    let current: TriedImage[] = batch.map((f, i) => ({ key: `${stamp}-${i}`, name: f.name, data: null, outputs: null, error: null }));
    setImages(current);
    // One after another: the engine answers one request at a time anyway, and rows fill in as they come.
    for (let i = 0; i < batch.length; i++) {
      let update: Partial<TriedImage>;
      try {
        const data = await decodeImage(batch[i]);
        current = current.map((img, j) => (j === i ? { ...img, data } : img));
        setImages(current);
        update = { outputs: await actions.classify(data, runs.map((r) => r.id), 5) };
      } catch (e) {
        update = { error: (e as Error).message };
      }
      current = current.map((img, j) => (j === i ? { ...img, ...update } : img));
      setImages(current);
    }
  };
  return (
    <div>
      <DropZone
        label="Drop images"
        hint="PNG, JPEG, WebP… one or several. Each is resized as the model expects."
        accept="image/*"
        testId="try-drop"
        onFiles={(files) => void classifyAll(files.map((f) => f.file))}
      />
      {skipped > 0 && (
        <p className="muted small">
          The first {MAX_IMAGES} images are shown; {skipped} more were left out.
        </p>
      )}
      <FolderScoring runs={runs} />
      <ul className="tried-images">
        {images.map((image) => (
          <li key={image.key} data-testid="tried-image">
            <div className="row">
              {image.data && <ImageThumb image={image.data} size={96} label={image.name} />}
              <span className="muted">{image.name}</span>
            </div>
            {image.error && (
              <p className="error" role="alert">
                {image.error}
              </p>
            )}
            {!image.error && !image.outputs && <p className="muted small">Classifying…</p>}
            {image.outputs && <Classifications outputs={image.outputs} runs={runs} />}
          </li>
        ))}
      </ul>
    </div>
  );
}

function Classifications({ outputs, runs }: { outputs: ClassificationOutput[]; runs: RunRecord[] }) {
  return (
    <div className="side-by-side" data-testid="classifications">
      {outputs.map((o) => {
        const run = runs.find((r) => r.id === o.runId);
        return (
          <article key={o.runId ?? 'base'} className="output" style={{ borderTopColor: run?.color ?? 'var(--muted)' }} data-testid="classification">
            <h4>{run?.name ?? 'Base model'}</h4>
            {o.error ? (
              <p className="error">{o.error}</p>
            ) : (
              <ol className="top-k">
                {o.top.map((t) => (
                  <li key={t.index}>
                    <span className="bar" style={{ width: `${Math.round(t.probability * 100)}%`, background: run?.color ?? 'var(--muted)' }} />
                    <span>
                      {t.label} — {(t.probability * 100).toFixed(1)}%
                    </span>
                  </li>
                ))}
              </ol>
            )}
          </article>
        );
      })}
    </div>
  );
}

type FolderState =
  | { kind: 'idle' }
  | { kind: 'working'; stage: 'reading' | 'scoring'; done: number; total: number }
  | { kind: 'done'; result: FolderScores }
  | { kind: 'failed'; message: string };

/**
 * A labelled folder (one subfolder of images per class, or a zip of one):
 * the base model's and each run's accuracy on all of it, side by side.
 */
function FolderScoring({ runs }: { runs: RunRecord[] }) {
  const actions = useActions();
  const [state, setState] = useState<FolderState>({ kind: 'idle' });
  const score = async (files: DroppedFile[]) => {
    setState({ kind: 'working', stage: 'reading', done: 0, total: files.length });
    try {
      const result = await actions.scoreFolder(files, runs.map((r) => r.id), (p) => setState({ kind: 'working', stage: p.stage, done: p.done, total: p.total }));
      setState({ kind: 'done', result });
    } catch (e) {
      setState({ kind: 'failed', message: (e as Error).message });
    }
  };
  return (
    <div className="folder-scoring">
      <DropZone
        label="Drop a labelled folder"
        hint="One subfolder of images per class (as for training), or a zip of it: the accuracy of the base model and of each run on every image."
        testId="try-folder-drop"
        disabled={state.kind === 'working'}
        onFiles={(files) => void score(files)}
      />
      {state.kind === 'working' && (
        <div className="muted small">
          {state.stage === 'reading' ? `Reading ${state.total} files…` : `Scoring: ${state.done} of ${state.total} models done`}
          <ProgressBar value={state.done} max={state.stage === 'reading' ? null : state.total} label="Scoring the folder" />
        </div>
      )}
      {state.kind === 'failed' && (
        <p className="error" role="alert">
          {state.message}
        </p>
      )}
      {state.kind === 'done' && <FolderScoreTable result={state.result} runs={runs} />}
    </div>
  );
}

function FolderScoreTable({ result, runs }: { result: FolderScores; runs: RunRecord[] }) {
  const anyExcluded = result.outputs.some((o) => o.excluded > 0);
  return (
    <div data-testid="folder-scores">
      <p className="small">
        <strong>{result.name}</strong>: {result.scored.toLocaleString('en-US')} images of {result.labels.length} labels
      </p>
      {result.notes.map((note) => (
        <p key={note} className="muted small">
          {note}
        </p>
      ))}
      <table className="summary-table">
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col">Accuracy</th>
            <th scope="col">Right / scored</th>
            {anyExcluded && <th scope="col" title="Images whose label is not one of this model's classes">Not its classes</th>}
          </tr>
        </thead>
        <tbody>
          {result.outputs.map((o) => {
            const run = runs.find((r) => r.id === o.runId);
            return (
              <tr key={o.runId ?? 'base'} data-testid="folder-score">
                <th scope="row">{o.runId === null ? 'Base model' : <RunName name={run?.name ?? o.runId} color={run?.color} />}</th>
                {o.error ? (
                  <td colSpan={anyExcluded ? 3 : 2} className="error">
                    {o.error}
                  </td>
                ) : (
                  <>
                    <td data-testid="folder-accuracy">{o.accuracy === null ? '—' : `${(o.accuracy * 100).toFixed(1)}%`}</td>
                    <td>
                      {o.correct.toLocaleString('en-US')} / {o.total.toLocaleString('en-US')}
                    </td>
                    {anyExcluded && <td>{o.excluded.toLocaleString('en-US')}</td>}
                  </>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
