import { useEffect, useRef } from 'react';
import { compositeOnWhite } from '../../engine/preprocess/composite';
import type { RgbaImageData } from '../../worker/protocol';

/**
 * Draws RGBA pixels into a canvas, scaled up without smoothing, keeping the
 * image's aspect ratio within `size`. Transparent pixels are composited on
 * white exactly as the engine composites them for the model, so a
 * thumbnail shows what the model sees (an icon drawn only in alpha would
 * otherwise show on the page's background, black in the dark theme).
 */
export function ImageThumb({ image, size = 48, label }: { image: RgbaImageData; size?: number; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const context = canvas.current?.getContext('2d');
    if (!context) return;
    const opaque = compositeOnWhite({ width: image.width, height: image.height, data: image.rgba });
    context.putImageData(new ImageData(new Uint8ClampedArray(opaque.data), image.width, image.height), 0, 0);
  }, [image]);
  const scale = size / Math.max(image.width, image.height);
  return (
    <canvas
      ref={canvas}
      width={image.width}
      height={image.height}
      style={{ width: Math.round(image.width * scale), height: Math.round(image.height * scale) }}
      role="img"
      aria-label={label}
      className="thumb"
    />
  );
}
