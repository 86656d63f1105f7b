/**
 * Evaluation math on hand-made logits: a language model's loss is the mean
 * over every target token of the set (not a mean of batch means), its
 * perplexity exp(loss); a classifier's loss is the mean over examples and its
 * accuracy the share of top-1 hits. No tensor outlives an evaluation.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RgbaImage } from '../../../src/engine/data/types';
import { Model } from '../../../src/engine/models/model';
import type { AnyModelConfig, ModelFamily, ModelGraph, ModelInputs } from '../../../src/engine/models/types';
import type { TrainingData } from '../../../src/engine/train/batches';
import { evaluate, predictClasses } from '../../../src/engine/train/evaluate';
import { useBackend } from '../../helpers/backend';

beforeAll(async () => {
  await useBackend('cpu');
});

const VOCAB = 4;
/** Row v: the logits after token v. */
const TABLE = [
  [2, 0, 0, -1],
  [0, 1, 3, 0],
  [1, 1, 1, 1],
  [0, -2, 0, 4],
];

/** A model whose logits are a fixed function of its input: a lookup table, or the pixels themselves. */
function fakeModel(task: AnyModelConfig['task']): Model {
  const family = {
    modelType: 'fake',
    displayName: 'Fake',
    task,
    linearModules: () => [],
    forward: (graph: ModelGraph, inputs: ModelInputs) =>
      tf.tidy(() => {
        if ('inputIds' in inputs) return tf.gather(graph.param('table'), inputs.inputIds); // (B, T, V)
        const [B] = inputs.pixelValues.shape;
        return tf.reshape(inputs.pixelValues, [B, -1]); // (B, C·H·W) = (B, classes)
      }),
  } as unknown as ModelFamily;
  const config = { task, vocabSize: VOCAB, maxPositions: 8, numLabels: 3 } as unknown as AnyModelConfig;
  return new Model(family, config, new Map([['table', tf.tensor2d(TABLE)]]));
}

const logSoftmax = (row: number[]) => {
  const max = Math.max(...row);
  const logSum = Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0)) + max;
  return row.map((x) => x - logSum);
};
/** -log p(next | previous) under TABLE. */
const nll = (previous: number, next: number) => -logSoftmax(TABLE[previous])[next];

describe('evaluate: language model', () => {
  const data: TrainingData = {
    kind: 'tokens',
    sequences: [
      { ids: Int32Array.from([0, 1, 2, 3]), lossMask: null },
      { ids: Int32Array.from([3, 3]), lossMask: null },
      // A prompt (0, 2) and completion (1): only token 1 is a target.
      { ids: Int32Array.from([0, 2, 1]), lossMask: Uint8Array.from([0, 0, 1]) },
    ],
  };

  it('is the token-weighted mean over the whole set, and perplexity its exp', async () => {
    const model = fakeModel('causal-lm');
    const targets = [nll(0, 1), nll(1, 2), nll(2, 3), nll(3, 3), nll(2, 1)];
    const expected = targets.reduce((a, b) => a + b, 0) / targets.length;
    const before = tf.memory().numTensors;
    // Batches of 2: the first holds 4 targets, the second 1; a mean of batch means would differ.
    const result = await evaluate(model, null, data, { batchSize: 2, tokenLength: 4 });
    expect(tf.memory().numTensors).toBe(before);
    expect(result.task).toBe('causal-lm');
    if (result.task !== 'causal-lm') return;
    expect(result.targets).toBe(5);
    expect(result.loss).toBeCloseTo(expected, 5);
    expect(result.perplexity).toBeCloseTo(Math.exp(expected), 4);
    model.dispose();
  });

  it('does not depend on the batch size', async () => {
    const model = fakeModel('causal-lm');
    const a = await evaluate(model, null, data, { batchSize: 1, tokenLength: 4 });
    const b = await evaluate(model, null, data, { batchSize: 3, tokenLength: 6 });
    expect(a.loss).toBeCloseTo(b.loss, 5);
    model.dispose();
  });

  it('evaluates with the given patch and reports progress per batch', async () => {
    const model = fakeModel('causal-lm');
    const uniform = tf.zeros([VOCAB, VOCAB]);
    const progress: string[] = [];
    const result = await evaluate(model, { params: new Map([['table', uniform]]) }, data, {
      batchSize: 2,
      tokenLength: 4,
      onBatch: (done, total) => {
        progress.push(`${done}/${total}`);
      },
    });
    expect(result.loss).toBeCloseTo(Math.log(VOCAB), 5);
    expect(progress).toEqual(['1/2', '2/2']);
    expect(model.attachedPatch).toBeNull();
    uniform.dispose();
    model.dispose();
  });

  it('refuses a set with nothing to predict', async () => {
    const model = fakeModel('causal-lm');
    const single: TrainingData = { kind: 'tokens', sequences: [{ ids: Int32Array.from([1]), lossMask: null }] };
    await expect(evaluate(model, null, single, { batchSize: 2, tokenLength: 1 })).rejects.toThrow(/no target tokens/);
    await expect(evaluate(model, null, { kind: 'tokens', sequences: [] }, { batchSize: 2, tokenLength: 1 })).rejects.toThrow(
      /empty/,
    );
    model.dispose();
  });
});

describe('evaluate: classifier', () => {
  // Each "image" carries its own logits: preprocessing returns them as (C=3, H=1, W=1).
  const logits = [
    [3, 1, 0], // predicts 0
    [0, 2, 1], // predicts 1
    [1, 0, 5], // predicts 2
    [0.5, 0.2, 0.1], // predicts 0
  ];
  const labels = [0, 2, 2, 1];
  const image = (i: number): RgbaImage => ({ width: 1, height: 1, data: Uint8Array.from([i, 0, 0, 255]) });
  const data: TrainingData = {
    kind: 'images',
    samples: labels.map((label, i) => ({ image: image(i), label })),
    preprocess: (img) => Float32Array.from(logits[img.data[0]]),
    imageShape: [3, 1, 1],
  };

  it('gives the mean loss over examples and top-1 accuracy', async () => {
    const model = fakeModel('image-classification');
    const expectedLoss = labels.reduce((s, label, i) => s - logSoftmax(logits[i])[label], 0) / labels.length;
    const before = tf.memory().numTensors;
    const result = await evaluate(model, null, data, { batchSize: 3, tokenLength: 0 });
    expect(tf.memory().numTensors).toBe(before);
    expect(result).toMatchObject({ task: 'image-classification', examples: 4, accuracy: 0.5 });
    expect(result.loss).toBeCloseTo(expectedLoss, 5);
    model.dispose();
  });

  it('predicts the class of each example (its top logit), in order, across batches, leaving no tensor', async () => {
    const model = fakeModel('image-classification');
    const before = tf.memory().numTensors;
    expect(Array.from(await predictClasses(model, null, data, 3))).toEqual([0, 1, 2, 0]);
    expect(Array.from(await predictClasses(model, null, data, 1))).toEqual([0, 1, 2, 0]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('refuses a label the head has no logit for', async () => {
    const model = fakeModel('image-classification');
    const bad: TrainingData = { ...data, samples: [{ image: image(0), label: 3 }] } as TrainingData;
    const before = tf.memory().numTensors;
    await expect(evaluate(model, null, bad, { batchSize: 2, tokenLength: 0 })).rejects.toThrow(/label index 3 .* 3 classes/);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
