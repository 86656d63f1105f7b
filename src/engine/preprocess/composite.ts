/**
 * Transparent images onto an opaque white background, as transformers'
 * image processors do before dropping alpha (`convert_to_rgb`: a white RGBA
 * canvas, Pillow's `alpha_composite` of the image over it, then RGB). An
 * icon whose shape lives only in its alpha channel (RGB = 0 everywhere)
 * would otherwise become a black square.
 *
 * The arithmetic is Pillow's (libImaging/AlphaComposite.c): 7 extra bits of
 * precision and rounded divisions by 255, so results match it byte for byte.
 * Over opaque white the output is opaque and each channel is
 * round((c·a + 255·(255 − a)) / 255).
 */
import type { RgbaImage } from '../data/types';

const PRECISION_BITS = 7;
const shiftForDiv255 = (a: number) => (((a >>> 8) + a) >>> 8);

/** Whether any pixel is not fully opaque. */
export function hasTransparency(image: RgbaImage): boolean {
  const { data } = image;
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 255) return true;
  return false;
}

/** The image over opaque white (alpha 255 everywhere); the same object when it is already opaque. */
export function compositeOnWhite(image: RgbaImage): RgbaImage {
  if (!hasTransparency(image)) return image;
  const { data } = image;
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i += 4) {
    const alpha = data[i + 3];
    if (alpha === 0) {
      out[i] = out[i + 1] = out[i + 2] = 255;
    } else {
      // Pillow's coefficients with the destination opaque white: outa255 = 255², so coef1 = a·2^7.
      const coef1 = alpha << PRECISION_BITS;
      const coef2 = (255 << PRECISION_BITS) - coef1;
      for (let c = 0; c < 3; c++) {
        const mixed = data[i + c] * coef1 + 255 * coef2;
        out[i + c] = shiftForDiv255(mixed + (0x80 << PRECISION_BITS)) >>> PRECISION_BITS;
      }
    }
    out[i + 3] = 255;
  }
  return { width: image.width, height: image.height, data: out };
}
