import { useState } from 'react';
import type { ClassificationOutput, RgbaImageData } from '../../worker/protocol';
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
