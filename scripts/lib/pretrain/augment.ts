/**
 * Data augmentation for pretraining the ViT: random translations of the
 * training images, so the features it learns do not depend on where on the
 * 28 × 28 canvas a shape sits (Fashion-MNIST's items are centred the same
 * way every time; a digit, or a user's photo, is not).
 *
 * Shifts are drawn from a seeded generator, one per image in the order the
 * trainer asks for them; the trainer draws batches in a seeded order, so the
 * same recipe gives the same shifts, step for step, and the same model.
 */
import type { RgbaImage } from '../../../src/engine/data/types';
import { createRng } from '../../../src/engine/random';
import type { ImagePreprocess } from '../../../src/engine/train/batches';

/**
 * `image` moved by (dx, dy) pixels (right and down when positive), on the
 * same canvas: what moves out is lost, what comes in is black and opaque
 * (Fashion-MNIST's background).
 */
export function shiftImage(image: RgbaImage, dx: number, dy: number): RgbaImage {
  const { width, height } = image;
  const data = new Uint8Array(width * height * 4);
  for (let i = 3; i < data.length; i += 4) data[i] = 255;
  for (let y = Math.max(0, dy); y < Math.min(height, height + dy); y++) {
    const from = ((y - dy) * width + Math.max(0, -dx)) * 4;
    const to = (y * width + Math.max(0, dx)) * 4;
    const pixels = width - Math.abs(dx);
    if (pixels > 0) data.set(image.data.subarray(from, from + pixels * 4), to);
  }
  return { width, height, data };
}

/**
 * `preprocess` after a random shift of up to `maxShift` pixels along each
 * axis (uniform over −maxShift..maxShift). `maxShift` 0 returns `preprocess`.
 */
export function withRandomShifts(preprocess: ImagePreprocess, maxShift: number, seed: number): ImagePreprocess {
  if (!Number.isInteger(maxShift) || maxShift < 0) throw new Error(`maxShift must be a whole number ≥ 0, got ${maxShift}`);
  if (maxShift === 0) return preprocess;
  const random = createRng(seed);
  const draw = () => Math.floor(random() * (2 * maxShift + 1)) - maxShift;
  return (image) => {
    const dx = draw();
    const dy = draw();
    return preprocess(dx === 0 && dy === 0 ? image : shiftImage(image, dx, dy));
  };
}
