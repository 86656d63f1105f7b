import { useState } from 'react';
import type { ClassificationOutput, RgbaImageData } from '../../worker/protocol';
import { DropZone } from '../components/DropZone';
import { ImageThumb } from '../components/ImageThumb';
import { useActions } from '../playground-context';
import type { RunRecord } from '../store/types';

/** Decodes an image file in the page (the browser reads every common format). */
async function decodeImage(file: File): Promise<RgbaImageData> {
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

/** An image, classified by the base model and by each trained run: top-5 each. */
export function ClassifyTry({ runs }: { runs: RunRecord[] }) {
  const actions = useActions();
  const [image, setImage] = useState<{ name: string; data: RgbaImageData } | null>(null);
  const [outputs, setOutputs] = useState<ClassificationOutput[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const classify = async (file: File) => {
    setError(null);
    setOutputs(null);
    try {
      const data = await decodeImage(file);
      setImage({ name: file.name, data });
      setOutputs(await actions.classify(data, runs.map((r) => r.id), 5));
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <div>
      <DropZone label="Drop an image" hint="PNG, JPEG, WebP… It is resized as the model expects." accept="image/*" testId="try-drop" onFiles={(files) => void classify(files[0].file)} />
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {image && (
        <div className="row">
          <ImageThumb image={image.data} size={96} label={image.name} />
          <span className="muted">{image.name}</span>
        </div>
      )}
      {outputs && (
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
      )}
    </div>
  );
}
