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
