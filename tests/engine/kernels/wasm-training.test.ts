/**
 * The wasm backend's training fixes (the gather gradient it lacks is tested
 * in segment-sum.test.ts): matMuls with transposed operands,
 * routed through explicit transposes, give the same numbers as the cpu
 * backend; Identity (clone) shares its input's buffer instead of copying it.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmTrainingKernels } from '../../../src/engine/kernels/wasm-training';
import { useBackend } from '../../helpers/backend';

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

async function on(backend: 'cpu' | 'wasm', fn: () => tf.Tensor): Promise<Float32Array> {
  await tf.setBackend(backend);
  const out = fn();
  const values = (await out.data()) as Float32Array;
  out.dispose();
  return values;
}

describe('wasm training kernels', () => {
  beforeAll(async () => {
    await useBackend('cpu');
    await useBackend('wasm'); // registers the kernels (scripts/lib/node-backend.ts)
    registerWasmTrainingKernels(); // a second call changes nothing
  });

  it.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])('matMul with transposeA=%s transposeB=%s agrees with the cpu backend', async (transposeA, transposeB) => {
    const a = () => tf.reshape(tf.range(0, 2 * 6 * 5).div(37).sin(), transposeA ? [2, 5, 6] : [2, 6, 5]);
    const b = () => tf.reshape(tf.range(0, 2 * 5 * 4).div(11).cos(), transposeB ? [2, 4, 5] : [2, 5, 4]);
    const product = () => tf.tidy(() => tf.matMul(a(), b(), transposeA, transposeB));
    const expected = await on('cpu', product);
    const actual = await on('wasm', product);
    expect(maxAbsDiff(actual, expected)).toBeLessThan(1e-5);
  });

  // Batched products go one XNNPACK product per matrix, or one tall product against a shared b.
  it.each([
    ['equal batches', [3, 6, 5], [3, 5, 4], false, false],
    ['equal batches, both transposed', [3, 5, 6], [3, 4, 5], true, true],
    ['batch × heads (rank 4)', [2, 3, 6, 5], [2, 3, 4, 5], false, true],
    ['a batch against one shared b', [4, 6, 5], [1, 5, 4], false, false],
    ['one a against a batch of b (the original kernel)', [1, 6, 5], [4, 5, 4], false, false],
  ] as const)('batched matMul, %s, agrees with the cpu backend', async (_, aShape, bShape, transposeA, transposeB) => {
    const sizeOf = (s: readonly number[]) => s.reduce((p, d) => p * d, 1);
    const a = () => tf.reshape(tf.range(0, sizeOf(aShape)).div(37).sin(), [...aShape]);
    const b = () => tf.reshape(tf.range(0, sizeOf(bShape)).div(11).cos(), [...bShape]);
    const product = () => tf.tidy(() => tf.matMul(a(), b(), transposeA, transposeB));
    const expected = await on('cpu', product);
    const actual = await on('wasm', product);
    expect(actual.length).toBe(expected.length);
    expect(maxAbsDiff(actual, expected)).toBeLessThan(1e-5);
  });

  it('gradients through a batched matMul agree with the cpu backend, and leave no backend buffer behind', async () => {
    const grads = () =>
      tf.tidy(() => {
        const a = tf.reshape(tf.range(0, 2 * 3 * 4 * 5).div(13).sin(), [2, 3, 4, 5]);
        const b = tf.reshape(tf.range(0, 2 * 3 * 5 * 4).div(7).cos(), [2, 3, 5, 4]);
        const [da, db] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, y, false, true))))([a, tf.transpose(b, [0, 1, 3, 2])]);
        return tf.concat([da.flatten(), db.flatten()]);
      });
    expect(maxAbsDiff(await on('wasm', grads), await on('cpu', grads))).toBeLessThan(1e-4);
    await tf.setBackend('wasm');
    const buffers = () => tf.engine().backend.numDataIds();
    const before = buffers();
    for (let i = 0; i < 3; i++) grads().dispose();
    expect(buffers()).toBe(before);
  });

  it('fused matMul (bias, activation) with a transposed weight agrees with the cpu backend', async () => {
    const fused = () =>
      tf.tidy(() =>
        tf.fused.matMul({
          a: tf.reshape(tf.range(0, 12).div(7).sin(), [3, 4]) as tf.Tensor2D,
          b: tf.reshape(tf.range(0, 20).div(5).cos(), [5, 4]) as tf.Tensor2D,
          transposeB: true,
          bias: tf.range(0, 5).div(10),
          activation: 'relu',
        }),
      );
    expect(maxAbsDiff(await on('wasm', fused), await on('cpu', fused))).toBeLessThan(1e-5);
  });

  it('leaks no tensors through the explicit transposes', async () => {
    await tf.setBackend('wasm');
    const a = tf.ones([8, 3]);
    const b = tf.ones([4, 3]);
    tf.matMul(a, b, false, true).dispose();
    // The transposed copies live in the backend only: count its buffers, not just tfjs's tensors.
    const buffers = () => tf.engine().backend.numDataIds();
    const before = buffers();
    for (let i = 0; i < 3; i++) tf.matMul(a, b, false, true).dispose();
    expect(buffers()).toBe(before);
    tf.dispose([a, b]);
  });

  it('clones by sharing the buffer (autodiff clones what it saves), and a clone outlives its original', async () => {
    await tf.setBackend('wasm');
    const original = tf.tensor1d([1, 2, 3]);
    const buffers = tf.memory().numDataBuffers;
    const clone = original.clone();
    expect(tf.memory().numDataBuffers).toBe(buffers);
    original.dispose();
    expect(Array.from(await clone.data())).toEqual([1, 2, 3]);
    clone.dispose();
  });
});
