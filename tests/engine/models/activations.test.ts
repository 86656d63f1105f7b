/**
 * The activations with their own gradients: values as their formulas, and
 * derivatives that agree with central finite differences (float64 in
 * JavaScript) over a range that covers both tails.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACTIVATIONS } from '../../../src/engine/models/layers';
import { useBackend } from '../../helpers/backend';

beforeAll(async () => {
  await useBackend('cpu');
});

const erf = (x: number): number => {
  // Abramowitz–Stegun 7.1.26 is too coarse here: integrate instead (Simpson, 2,000 panels).
  const n = 2000;
  const h = x / n;
  let sum = 0;
  for (let i = 0; i <= n; i++) sum += Math.exp(-((i * h) ** 2)) * (i === 0 || i === n ? 1 : i % 2 ? 4 : 2);
  return ((2 / Math.sqrt(Math.PI)) * sum * h) / 3;
};
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const FORMULAS: Record<string, (x: number) => number> = {
  gelu: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
  gelu_new: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
  silu: (x) => x * sigmoid(x),
};

const POINTS = [-6, -3, -1.5, -0.7, -0.1, 0, 0.05, 0.4, 1, 2.2, 5];

describe.each(Object.keys(FORMULAS))('%s', (name) => {
  const f = FORMULAS[name];
  const activation = ACTIVATIONS[name];

  it('computes the formula', () => {
    const values = tf.tidy(() => activation(tf.tensor1d(POINTS)).arraySync() as number[]);
    values.forEach((v, i) => expect(v).toBeCloseTo(f(POINTS[i]), 5));
  });

  it('has the formula’s derivative as its gradient', () => {
    const grads = tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(activation(x)))(tf.tensor1d(POINTS)).arraySync() as number[]);
    const h = 1e-4;
    grads.forEach((g, i) => expect(g).toBeCloseTo((f(POINTS[i] + h) - f(POINTS[i] - h)) / (2 * h), 4));
  });

  it('keeps no tensors after a gradient', () => {
    const x = tf.tensor1d(POINTS);
    const before = tf.memory().numTensors;
    const { value, grad } = tf.valueAndGrad((input: tf.Tensor) => tf.sum(activation(input)))(x);
    value.dispose();
    grad.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});

describe('the other activation names', () => {
  it('map to the same functions', () => {
    expect(ACTIVATIONS.gelu_pytorch_tanh).toBe(ACTIVATIONS.gelu_new);
    expect(ACTIVATIONS.gelu_fast).toBe(ACTIVATIONS.gelu_new);
    expect(ACTIVATIONS.swish).toBe(ACTIVATIONS.silu);
  });
});
