import { useEffect, useRef } from 'react';
import type { RgbaImageData } from '../../worker/protocol';

/** Draws RGBA pixels into a canvas, scaled up without smoothing. */
export function ImageThumb({ image, size = 48, label }: { image: RgbaImageData; size?: number; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const context = canvas.current?.getContext('2d');
    if (!context) return;
    const pixels = new ImageData(new Uint8ClampedArray(image.rgba), image.width, image.height);
    context.putImageData(pixels, 0, 0);
  }, [image]);
  return <canvas ref={canvas} width={image.width} height={image.height} style={{ width: size, height: size }} role="img" aria-label={label} className="thumb" />;
}
