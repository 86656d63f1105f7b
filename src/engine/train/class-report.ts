/**
 * Where a classifier is right and wrong on held-out data: the confusion
 * matrix (rows: true class, columns: predicted class), each class's
 * accuracy (its recall), and which examples it got wrong. Pure functions of
 * the true and predicted labels (the predictions come from
 * `predictClasses` in evaluate.ts); a thumbnail helper for showing the
 * misclassified images without sending whole images to the page.
 */
import type { RgbaImage } from '../data/types';

export interface ClassAccuracy {
  label: string;
  /** Held-out examples of this class, and how many of them were predicted as it. */
  total: number;
  correct: number;
  /** correct / total; null for a class with no held-out example. */
  accuracy: number | null;
}

export interface ClassReport {
  labels: string[];
  /** confusion[t][p]: examples of true class t predicted as p (labels.length × labels.length). */
  confusion: number[][];
  perClass: ClassAccuracy[];
  /** Overall accuracy: the diagonal over every example. */
  accuracy: number;
  examples: number;
  /** Every misclassified example, in data order: its index in the held-out data, true and predicted class. */
  misclassified: { index: number; label: number; predicted: number }[];
}

/** The report of `predicted` against `truth` (class indices, one per held-out example, same order). */
export function classReport(truth: ArrayLike<number>, predicted: ArrayLike<number>, labels: readonly string[]): ClassReport {
  if (truth.length !== predicted.length) throw new Error(`${truth.length} true labels but ${predicted.length} predictions`);
  const n = labels.length;
  const confusion = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const misclassified: ClassReport['misclassified'] = [];
  for (let i = 0; i < truth.length; i++) {
    const [t, p] = [truth[i], predicted[i]];
    if (!(Number.isInteger(t) && t >= 0 && t < n)) throw new Error(`true label ${t} of example ${i} is not one of the ${n} classes`);
    if (!(Number.isInteger(p) && p >= 0 && p < n)) throw new Error(`prediction ${p} of example ${i} is not one of the ${n} classes`);
    confusion[t][p]++;
    if (t !== p) misclassified.push({ index: i, label: t, predicted: p });
  }
  const perClass = labels.map((label, c) => {
    const total = confusion[c].reduce((a, b) => a + b, 0);
    return { label, total, correct: confusion[c][c], accuracy: total > 0 ? confusion[c][c] / total : null };
  });
  const correct = perClass.reduce((a, c) => a + c.correct, 0);
  return { labels: [...labels], confusion, perClass, accuracy: truth.length > 0 ? correct / truth.length : 0, examples: truth.length, misclassified };
}

/** The image shrunk (nearest pixel) so its longer side is at most `maxSide`; as it is when already that small. */
export function thumbnail(image: RgbaImage, maxSide: number): RgbaImage {
  const scale = Math.min(1, maxSide / Math.max(image.width, image.height));
  if (scale === 1) return { width: image.width, height: image.height, data: Uint8ClampedArray.from(image.data) };
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  const data = new Uint8ClampedArray(width * height * 4); // (H, W, RGBA)
  for (let y = 0; y < height; y++) {
    const sy = Math.min(image.height - 1, Math.floor((y + 0.5) / scale));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(image.width - 1, Math.floor((x + 0.5) / scale));
      data.set(image.data.subarray((sy * image.width + sx) * 4, (sy * image.width + sx) * 4 + 4), (y * width + x) * 4);
    }
  }
  return { width, height, data };
}
