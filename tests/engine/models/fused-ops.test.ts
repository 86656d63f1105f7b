/**
 * The fused normalisation and attention ops compute what their plain
 * compositions compute, and so do their gradients, for every input (the
 * weights and biases too, which full fine-tuning and BitFit train), at
 * grouped-query attention and with a causal mask; they leave no tensors.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { attentionOp, layerNormOp, rmsNormOp } from '../../../src/engine/models/fused-ops';
import { attentionMask } from '../../../src/engine/models/layers';
import { useBackend } from '../../helpers/backend';

beforeAll(async () => {
  await useBackend('cpu');
});

const random = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);

/** Max |diff| between the value and gradients of f and of reference, for a random upstream gradient. */
function compare(f: (...xs: tf.Tensor[]) => tf.Tensor, reference: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[]): number {
  return tf.tidy(() => {
    const outShape = reference(...inputs).shape;
    const upstream = random(outShape, 99);
    const loss = (g: typeof f) => (...xs: tf.Tensor[]) => tf.sum(tf.mul(g(...xs), upstream));
    const a = tf.valueAndGrads(loss(f))(inputs);
    const b = tf.valueAndGrads(loss(reference))(inputs);
    const diffs = [a.value, ...a.grads].map((t, i) => tf.max(tf.abs(tf.sub(t, [b.value, ...b.grads][i]))).dataSync()[0]);
    return Math.max(...diffs);
  });
}

const plainLayerNorm = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), w), b);
};
const plainRmsNorm = (x: tf.Tensor, w: tf.Tensor) => tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), 1e-6))), w);

describe('fused ops', () => {
  it('LayerNorm: value and gradients of x, weight and bias', () => {
    const inputs = [random([6, 10], 1), random([10], 2), random([10], 3)];
    expect(compare((x, w, b) => layerNormOp(x as tf.Tensor2D, w, b, 1e-5), plainLayerNorm, inputs)).toBeLessThan(1e-5);
    inputs.forEach((t) => t.dispose());
  });

  it('RMSNorm: value and gradients of x and weight', () => {
    const inputs = [random([5, 12], 4), random([12], 5)];
    expect(compare((x, w) => rmsNormOp(x as tf.Tensor2D, w, 1e-6), plainRmsNorm, inputs)).toBeLessThan(1e-5);
    inputs.forEach((t) => t.dispose());
  });

  it('attention with grouped queries (4 heads on 2 key/value heads), causal mask and scale', () => {
    const [B, KV, group, T, hd] = [2, 2, 2, 5, 3];
    const mask = attentionMask(T, null);
    const core = { headsShape: [B, KV * group, T, T] as [number, number, number, number], groupedShape: [B, KV, group * T, T] as [number, number, number, number], mask, scale: 0.5 };
    const plain = (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) => {
      const scores = tf.mul(tf.matMul(q as tf.Tensor4D, k as tf.Tensor4D, false, true), 0.5);
      const probs = tf.reshape(tf.softmax(tf.add(tf.reshape(scores, core.headsShape), mask), -1), core.groupedShape);
      return tf.matMul(probs as tf.Tensor4D, v as tf.Tensor4D);
    };
    const inputs = [random([B, KV, group * T, hd], 6), random([B, KV, T, hd], 7), random([B, KV, T, hd], 8)];
    const fused = (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) => attentionOp(q as tf.Tensor4D, k as tf.Tensor4D, v as tf.Tensor4D, core);
    expect(compare(fused, plain, inputs)).toBeLessThan(1e-5);
    [...inputs, mask].forEach((t) => t.dispose());
  });

  it('leave no tensors behind after a gradient', () => {
    const x = random([4, 8], 9);
    const w = random([8], 10);
    const b = random([8], 11);
    const before = tf.memory().numTensors;
    const { value, grads } = tf.valueAndGrads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) =>
      tf.sum(rmsNormOp(layerNormOp(a as tf.Tensor2D, c, d, 1e-5), c, 1e-6)),
    )([x, w, b]);
    value.dispose();
    grads.forEach((g) => g.dispose());
    expect(tf.memory().numTensors).toBe(before);
    [x, w, b].forEach((t) => t.dispose());
  });
});
