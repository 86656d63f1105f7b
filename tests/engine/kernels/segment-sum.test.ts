/**
 * The gather gradient (UnsortedSegmentSum) as this project registers it on
 * the cpu backend (replacing one masked sum per segment) and on the wasm
 * backend (which has none): the same numbers as the one-hot product it
 * stands for, for 1-D and 2-D ids, repeated and out-of-range ids. Its speed
 * is measured by npm run bench (full fine-tuning of gpt2-tiny).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerCpuTrainingKernels } from '../../../src/engine/kernels/cpu-training';
import { registerWasmTrainingKernels } from '../../../src/engine/kernels/wasm-training';
import { segmentSum } from '../../../src/engine/kernels/segment-sum';
import { useBackend } from '../../helpers/backend';

describe.each(['cpu', 'wasm'] as const)('gather gradient on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend); // registers the kernels (scripts/lib/node-backend.ts)
    await tf.setBackend(backend);
    registerCpuTrainingKernels(); // a second call changes nothing
    registerWasmTrainingKernels();
  });

  it('computes the gradient of an embedding lookup, summing repeated ids', async () => {
    await tf.setBackend(backend);
    const table = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
    const ids = tf.tensor1d([2, 0, 2], 'int32');
    const weights = tf.tensor2d([[1, 10], [100, 1000], [2, 20]]);
    const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, ids), weights)))(table);
    expect(Array.from(await grad.data())).toEqual([100, 1000, 0, 0, 3, 30]);
    tf.dispose([table, ids, weights, grad]);
  });

  it('agrees with the one-hot product for (B, T) ids into a (V, D) table', async () => {
    await tf.setBackend(backend);
    const [V, D, B, T] = [50, 8, 3, 7];
    const ids = tf.tensor2d(Array.from({ length: B * T }, (_, i) => (i * 17) % V), [B, T], 'int32');
    const upstream = tf.tidy(() => tf.reshape(tf.range(0, B * T * D).div(13).sin(), [B, T, D]));
    const grad = tf.unsortedSegmentSum(upstream, ids as unknown as tf.Tensor1D, V); // (V, D): tfjs types say 1-D ids, the kernel takes any rank
    // (B·T, V)ᵀ · (B·T, D) → (V, D), computed on the cpu backend as the reference.
    const expected = await (async () => {
      await tf.setBackend('cpu');
      const [idValues, upValues] = [await ids.data(), await upstream.data()];
      const product = tf.tidy(() =>
        tf.matMul(tf.oneHot(tf.tensor1d(Array.from(idValues), 'int32'), V).toFloat(), tf.tensor2d(Array.from(upValues), [B * T, D]), true, false),
      );
      const values = await product.data();
      product.dispose();
      await tf.setBackend(backend);
      return values;
    })();
    const actual = await grad.data();
    expect(grad.shape).toEqual([V, D]);
    let max = 0;
    for (let i = 0; i < actual.length; i++) max = Math.max(max, Math.abs(actual[i] - expected[i]));
    expect(max).toBeLessThan(1e-5);
    tf.dispose([ids, upstream, grad]);
  });
});

describe('segmentSum', () => {
  it('drops out-of-range ids, as TensorFlow does', () => {
    expect(Array.from(segmentSum([1, 2, 3, 4], [0, -1, 5, 1], 2, 1))).toEqual([1, 4]);
  });
});
