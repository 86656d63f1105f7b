/**
 * The losses as transformers computes them: cross-entropy (mean, or weighted
 * by a 0/1 mask) with the gradient (softmax − onehot) · weight, and the causal
 * LM loss predicting token t+1 at position t, prompt and padding masked.
 * Checked against float64 arithmetic in JavaScript, gradients included.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { causalLmLoss, crossEntropy } from '../../../src/engine/train/losses';
import { useBackend } from '../../helpers/backend';

beforeAll(async () => {
  await useBackend('cpu');
});

const LOGITS = [
  [2.0, -1.0, 0.5, 0.0],
  [-0.3, 0.8, 0.8, -2.0],
  [1.5, 1.5, -0.5, 3.0],
];
const LABELS = [0, 2, 3];

function softmax(row: number[]): number[] {
  const max = Math.max(...row);
  const exps = row.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/** Σ w_i · nll_i / Σ w_i and its gradient in float64. */
function reference(logits: number[][], labels: number[], weights: number[]) {
  const total = Math.max(weights.reduce((a, b) => a + b, 0), 1);
  let loss = 0;
  const grad = logits.map((row, i) => {
    const p = softmax(row);
    loss += (weights[i] * -Math.log(p[labels[i]])) / total;
    return p.map((pj, j) => ((pj - (j === labels[i] ? 1 : 0)) * weights[i]) / total);
  });
  return { loss, grad };
}

function lossAndGrad(f: (x: tf.Tensor2D) => tf.Scalar, logits: number[][]) {
  const x = tf.tensor2d(logits);
  const { value, grad } = tf.valueAndGrad((input: tf.Tensor) => f(input as tf.Tensor2D))(x);
  const out = { loss: value.dataSync()[0], grad: grad.arraySync() as number[][] };
  value.dispose();
  grad.dispose();
  x.dispose();
  return out;
}

function expectClose(actual: { loss: number; grad: number[][] }, expected: { loss: number; grad: number[][] }) {
  expect(actual.loss).toBeCloseTo(expected.loss, 5);
  actual.grad.forEach((row, i) => row.forEach((g, j) => expect(g).toBeCloseTo(expected.grad[i][j], 6)));
}

describe('crossEntropy', () => {
  it('is the mean negative log-likelihood, with (softmax − onehot) / N as its gradient', () => {
    const labels = tf.tensor1d(LABELS, 'int32');
    expectClose(lossAndGrad((x) => crossEntropy(x, labels), LOGITS), reference(LOGITS, LABELS, [1, 1, 1]));
    labels.dispose();
  });

  it('weights rows by a mask, and gives 0 (not NaN) when every row is masked', () => {
    const labels = tf.tensor1d(LABELS, 'int32');
    for (const mask of [[1, 0, 1], [0, 0, 0]]) {
      const weights = tf.tensor1d(mask);
      expectClose(lossAndGrad((x) => crossEntropy(x, labels, weights), LOGITS), reference(LOGITS, LABELS, mask));
      weights.dispose();
    }
    labels.dispose();
  });

  it('leaves no tensors behind, with or without a gradient', () => {
    const labels = tf.tensor1d(LABELS, 'int32');
    const before = tf.memory().numTensors;
    lossAndGrad((x) => crossEntropy(x, labels), LOGITS);
    tf.tidy(() => {
      crossEntropy(tf.tensor2d(LOGITS), labels);
    });
    expect(tf.memory().numTensors).toBe(before);
    labels.dispose();
  });
});

describe('causalLmLoss', () => {
  // (B=1, T=3, V=4): positions 0 and 1 predict tokens 1 and 2; position 2 predicts nothing.
  const ids = [[3, 0, 2]];

  it('predicts token t+1 at position t', () => {
    const inputIds = tf.tensor2d(ids, [1, 3], 'int32');
    const actual = lossAndGrad((x) => causalLmLoss(tf.reshape(x, [1, 3, 4]) as tf.Tensor3D, inputIds), LOGITS);
    expectClose(actual, reference(LOGITS, [0, 2, 0], [1, 1, 0]));
    inputIds.dispose();
  });

  it('counts only the targets the mask marks', () => {
    const inputIds = tf.tensor2d(ids, [1, 3], 'int32');
    const mask = tf.tensor2d([[1, 0, 1]]); // token 1 is a prompt token: position 0 is not trained
    const actual = lossAndGrad((x) => causalLmLoss(tf.reshape(x, [1, 3, 4]) as tf.Tensor3D, inputIds, mask), LOGITS);
    expectClose(actual, reference(LOGITS, [0, 2, 0], [0, 1, 0]));
    inputIds.dispose();
    mask.dispose();
  });
});
