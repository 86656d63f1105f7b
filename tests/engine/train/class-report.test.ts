/** The per-class report of a classifier's held-out predictions, against counts made by hand. */
import { describe, expect, it } from 'vitest';
import { classReport, thumbnail } from '../../../src/engine/train/class-report';

describe('classReport', () => {
  // Ten held-out examples of three classes, counted by hand:
  //   cat (4): predicted cat, cat, dog, cat  → 3 right
  //   dog (3): predicted dog, bird, dog      → 2 right
  //   bird (3): predicted bird, cat, bird    → 2 right
  const labels = ['cat', 'dog', 'bird'];
  const truth = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2];
  const predicted = [0, 0, 1, 0, 1, 2, 1, 2, 0, 2];

  it('counts the confusion matrix (rows true, columns predicted) and each class accuracy', () => {
    const report = classReport(truth, predicted, labels);
    expect(report.confusion).toEqual([
      [3, 1, 0],
      [0, 2, 1],
      [1, 0, 2],
    ]);
    expect(report.perClass).toEqual([
      { label: 'cat', total: 4, correct: 3, accuracy: 0.75 },
      { label: 'dog', total: 3, correct: 2, accuracy: 2 / 3 },
      { label: 'bird', total: 3, correct: 2, accuracy: 2 / 3 },
    ]);
    expect(report.accuracy).toBe(0.7);
    expect(report.examples).toBe(10);
    expect(report.misclassified).toEqual([
      { index: 2, label: 0, predicted: 1 },
      { index: 5, label: 1, predicted: 2 },
      { index: 8, label: 2, predicted: 0 },
    ]);
  });

  it('a class without held-out examples has no accuracy; bad input is refused', () => {
    const report = classReport([0, 0], [0, 1], ['a', 'b', 'c']);
    expect(report.perClass.map((c) => c.accuracy)).toEqual([0.5, null, null]);
    expect(() => classReport([0], [0, 1], labels)).toThrow(/1 true labels but 2 predictions/);
    expect(() => classReport([3], [0], labels)).toThrow(/true label 3 of example 0 is not one of the 3 classes/);
    expect(() => classReport([0], [-1], labels)).toThrow(/prediction -1/);
  });
});

describe('thumbnail', () => {
  it('shrinks the longer side to at most maxSide by nearest pixel, and copies small images as they are', () => {
    // A 4 × 2 image whose pixel (x, y) has red 10·x + y.
    const data = new Uint8Array(4 * 2 * 4);
    for (let y = 0; y < 2; y++) for (let x = 0; x < 4; x++) data.set([10 * x + y, 0, 0, 255], (y * 4 + x) * 4);
    const small = thumbnail({ width: 4, height: 2, data }, 2);
    expect([small.width, small.height]).toEqual([2, 1]);
    // Centres of the 2 × 2 blocks: source pixels (1, 1) and (3, 1).
    expect(Array.from(small.data)).toEqual([11, 0, 0, 255, 31, 0, 0, 255]);
    const same = thumbnail({ width: 4, height: 2, data }, 8);
    expect(same.width).toBe(4);
    expect(Array.from(same.data)).toEqual(Array.from(data));
  });
});
