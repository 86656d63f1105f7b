import { useEffect, useRef } from 'react';
import type { RunClusterMaps } from '../../../worker/protocol';
import type { RunRecord } from '../../store/types';
import { RunName } from '../../components/RunName';
import { clusterGridPicture } from '../../../engine/analysis/grid-image';

/** One opaque RGBA tile on a canvas, shown at `size` CSS pixels. */
function Tile({ rgba, width, height, size, label }: { rgba: Uint8ClampedArray; width: number; height: number; size: number; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const context = canvas.current?.getContext('2d');
    if (!context) return;
    context.putImageData(new ImageData(new Uint8ClampedArray(rgba), width, height), 0, 0);
  }, [rgba, width, height]);
  return <canvas ref={canvas} width={width} height={height} style={{ width: size, height: size }} role="img" aria-label={label} data-testid="cluster-tile" />;
}

/** Each prompt token with a background as strong as its score along one direction. */
function TokenRow({ tokens, scores, color }: { tokens: string[]; scores: number[]; color: string }) {
  return (
    <span className="token-row">
      {tokens.map((token, i) => (
        <span key={i} className="token" style={{ background: `color-mix(in srgb, ${color} ${Math.round(scores[i] * 85)}%, transparent)` }} title={scores[i].toFixed(3)}>
          {token}
        </span>
      ))}
    </span>
  );
}

/** Every run's maps of one module side by side: a row before the update and a row after. */
export function ClusterMapsView({ results, runs }: { results: RunClusterMaps[]; runs: RunRecord[] }) {
  const runOf = (id: string) => runs.find((r) => r.id === id);
  return (
    <div className="cluster-grids" data-testid="cluster-grids">
      {results.map((result) => {
        const run = runOf(result.runId);
        const name = run?.name ?? result.runId;
        return (
          <div key={result.runId} className="cluster-grid" data-testid="cluster-grid">
            <p className="run-label">
              <RunName name={name} color={run?.color} />
              {result.kind !== 'none' && <span className="muted small"> · {result.r} directions: {result.source}</span>}
            </p>
            {result.kind === 'none' && <p className="muted small" data-testid="cluster-error">{result.error}</p>}
            {result.kind === 'image' &&
              (['before', 'after'] as const).map((row) => (
                <div key={row} className="cluster-row">
                  <span className="cluster-row-label small muted">{row === 'before' ? 'frozen W' : 'with ΔW'}</span>
                  <Tile rgba={result.image} width={result.width} height={result.height} size={96} label={`${name}: the image`} />
                  {result[row].map((tile, q) => (
                    <Tile key={q} rgba={tile} width={result.width} height={result.height} size={96} label={`${name}: direction ${q + 1}, ${row} the update`} />
                  ))}
                </div>
              ))}
            {result.kind === 'prompt' && (
              <table className="token-table">
                <thead>
                  <tr>
                    <th />
                    <th scope="col" className="small muted">frozen W</th>
                    <th scope="col" className="small muted">with ΔW</th>
                  </tr>
                </thead>
                <tbody>
                  {result.after.map((scores, q) => (
                    <tr key={q}>
                      <th scope="row" className="small muted">direction {q + 1}</th>
                      <td>
                        <TokenRow tokens={result.tokens} scores={result.before[q]} color="#888" />
                      </td>
                      <td>
                        <TokenRow tokens={result.tokens} scores={scores} color={run?.color ?? '#e67e22'} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>
        );
      })}
    </div>
  );
}

/**
 * The image grids of every run as one PNG: per run, a label band (its
 * swatch, name and module), then the engine's own grid picture (the image
 * and the maps; frozen W's row above, the adapted module's below), the same
 * picture `npm run analyze -- --maps` writes.
 */
export async function clusterGridsPng(results: RunClusterMaps[], runs: RunRecord[]): Promise<Blob> {
  const images = results.filter((r): r is Extract<RunClusterMaps, { kind: 'image' }> => r.kind === 'image');
  if (images.length === 0) throw new Error('no cluster maps to save');
  const pictures = images.map((result) => clusterGridPicture(result));
  const labelHeight = 22;
  const width = Math.max(...pictures.map((p) => p.width));
  const height = pictures.reduce((sum, p) => sum + labelHeight + p.height, 0);
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d')!;
  context.fillStyle = '#fff';
  context.fillRect(0, 0, width, height);
  let y = 0;
  images.forEach((result, i) => {
    const run = runs.find((r) => r.id === result.runId);
    context.fillStyle = run?.color ?? '#000';
    context.fillRect(4, y + 7, 12, 12);
    context.fillStyle = '#111';
    context.font = '14px sans-serif';
    context.fillText(`${run?.name ?? result.runId} — ${result.module} (top: frozen W, bottom: with ΔW)`, 22, y + 18);
    y += labelHeight;
    const picture = pictures[i];
    context.putImageData(new ImageData(new Uint8ClampedArray(picture.data), picture.width, picture.height), 0, y);
    y += picture.height;
  });
  return canvas.convertToBlob({ type: 'image/png' });
}
