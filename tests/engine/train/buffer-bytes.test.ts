/**
 * Buffer-byte tracking counts each tfjs data buffer once, however many
 * tensors share it (reshapes, clones), reports the highest level reached and
 * what was kept, and leaves tfjs's engine as it found it.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { measureBufferBytes, tensorBytes } from '../../../src/engine/train/buffer-bytes';
import { useBackend } from '../../helpers/backend';

beforeAll(async () => {
  await useBackend('cpu');
});

describe('measureBufferBytes', () => {
  it('counts a buffer once, whatever reshapes and clones share it', async () => {
    const { bytes } = await measureBufferBytes(async () => {
      const a = tf.zeros([100]); // 400 bytes
      const views = [tf.reshape(a, [10, 10]), tf.reshape(a, [4, 25]), a.clone()];
      expect(tf.memory().numBytes).toBeGreaterThanOrEqual(1600); // tfjs counts each tensor
      for (const v of views) v.dispose();
      a.dispose();
    });
    expect(bytes).toEqual({ peak: 400, retained: 0 });
  });

  it('reports the highest level reached and what was kept', async () => {
    const kept: tf.Tensor[] = [];
    const { result, bytes } = await measureBufferBytes(async () => {
      const big = tf.ones([1000]); // 4,000 bytes, freed below
      kept.push(tf.ones([10])); // 40 bytes, kept
      const sum = tf.sum(big); // 4 bytes, freed below
      await sum.data();
      big.dispose();
      sum.dispose();
      return 'value';
    });
    expect(result).toBe('value');
    expect(bytes).toEqual({ peak: 4044, retained: 40 });
    kept.forEach((t) => t.dispose());
  });

  it('sees buffers freed that were made before it started as a fall below the start', async () => {
    const before = tf.ones([25]);
    const { bytes } = await measureBufferBytes(async () => {
      before.dispose();
    });
    expect(bytes).toEqual({ peak: 0, retained: -100 });
  });

  it('restores the engine afterwards, also when the measured code throws', async () => {
    const engine = tf.engine() as unknown as Record<string, unknown>;
    await expect(
      measureBufferBytes(async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(Object.prototype.hasOwnProperty.call(engine, 'trackTensor')).toBe(false);
    expect(Object.prototype.hasOwnProperty.call(engine, 'removeDataId')).toBe(false);
  });

  it('nests: an inner measurement counts from its own start, the outer one sees everything', async () => {
    const { result: inner, bytes: outer } = await measureBufferBytes(async () => {
      const a = tf.ones([10]); // 40 bytes, before the inner measurement
      const { bytes } = await measureBufferBytes(async () => {
        const b = tf.ones([5]); // 20
        b.dispose();
        a.dispose();
      });
      return bytes;
    });
    expect(inner).toEqual({ peak: 20, retained: -40 });
    expect(outer).toEqual({ peak: 60, retained: 0 });
    const engine = tf.engine() as unknown as Record<string, unknown>;
    expect(Object.prototype.hasOwnProperty.call(engine, 'trackTensor')).toBe(false);
  });
});

describe('tensorBytes', () => {
  it('adds up float32 and int32 tensors at 4 bytes an element', () => {
    const tensors = [tf.zeros([3, 4]), tf.zeros([5], 'int32')];
    expect(tensorBytes(tensors)).toBe(68);
    tensors.forEach((t) => t.dispose());
  });
});
