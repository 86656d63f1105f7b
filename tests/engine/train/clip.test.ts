/** Global-norm clipping as torch.nn.utils.clip_grad_norm_, checked against hand computation. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { clipByGlobalNorm, globalNorm } from '../../../src/engine/train/clip';
import { measureBufferBytes } from '../../../src/engine/train/buffer-bytes';
import { useBackend } from '../../helpers/backend';

beforeAll(async () => {
  await useBackend('cpu');
});

/** Two gradients whose global norm is sqrt(9 + 16 + 144) = 13. */
function gradients(): Map<string, tf.Tensor> {
  return new Map<string, tf.Tensor>([
    ['a', tf.tensor1d([3, 4])],
    ['b', tf.tensor2d([[0, 12]])],
  ]);
}

describe('globalNorm', () => {
  it('is the L2 norm of all gradients together', async () => {
    const grads = gradients();
    const norm = globalNorm(grads.values());
    expect(await norm.data()).toEqual(new Float32Array([13]));
    tf.dispose([norm, ...grads.values()]);
  });

  it('sums any number of gradients (a tree of adds, not one addN)', async () => {
    // 11 gradients [k] for k = 1..11: norm = sqrt(1² + … + 11²) = sqrt(506).
    const grads = Array.from({ length: 11 }, (_, k) => tf.tensor1d([k + 1]));
    const norm = globalNorm(grads);
    expect((await norm.data())[0]).toBeCloseTo(Math.sqrt(506), 5);
    tf.dispose([norm, ...grads]);
  });

  it("frees each gradient's square as it goes: never more than one gradient's size beside the inputs", async () => {
    const grads = [0, 1, 2, 3].map((i) => tf.randomNormal([32, 32], 0, 1, 'float32', i));
    const { result: norm, bytes } = await measureBufferBytes(async () => globalNorm(grads));
    expect(bytes.peak).toBeLessThanOrEqual(32 * 32 * 4 + 64);
    expect(bytes.retained).toBe(4); // the norm
    norm.dispose();
    grads.forEach((g) => g.dispose());
  });

  it('is 0 for no gradients', async () => {
    const norm = globalNorm([]);
    expect((await norm.data())[0]).toBe(0);
    norm.dispose();
  });
});

describe('clipByGlobalNorm', () => {
  it('scales every gradient by max_norm / (norm + 1e-6) when the norm is larger', async () => {
    const grads = gradients();
    const { grads: clipped, norm } = clipByGlobalNorm(grads, 6.5);
    const coef = 6.5 / (13 + 1e-6);
    expect((await norm.data())[0]).toBe(13);
    expect(Array.from(await clipped.get('a')!.data())).toEqual([3 * coef, 4 * coef].map(Math.fround));
    expect(Array.from(await clipped.get('b')!.data())).toEqual([0, Math.fround(12 * coef)]);
    expect(clipped.get('b')!.shape).toEqual([1, 2]);
    const after = globalNorm(clipped.values());
    expect((await after.data())[0]).toBeCloseTo(6.5, 4);
    tf.dispose([norm, after, ...grads.values(), ...clipped.values()]);
  });

  it('leaves gradients unchanged when the norm is within max_norm', async () => {
    const grads = gradients();
    const { grads: clipped, norm } = clipByGlobalNorm(grads, 20);
    expect(Array.from(await clipped.get('a')!.data())).toEqual([3, 4]);
    expect(Array.from(await clipped.get('b')!.data())).toEqual([0, 12]);
    tf.dispose([norm, ...grads.values(), ...clipped.values()]);
  });

  it('neither frees the inputs nor leaks: only the results are new', () => {
    const grads = gradients();
    const before = tf.memory().numTensors;
    const { grads: clipped, norm } = clipByGlobalNorm(grads, 1);
    expect(tf.memory().numTensors).toBe(before + clipped.size + 1);
    expect(grads.get('a')!.isDisposed).toBe(false);
    tf.dispose([norm, ...clipped.values()]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([...grads.values()]);
  });

  it('rejects a maximum norm that is not a positive number', () => {
    expect(() => clipByGlobalNorm(new Map(), 0)).toThrow(/maximum gradient norm/);
    expect(() => clipByGlobalNorm(new Map(), Number.NaN)).toThrow(/maximum gradient norm/);
  });
});
