/**
 * Batches: right padding with padded positions out of the loss, loss masks
 * respected, images preprocessed into (B, C, H, W), a seeded stream that
 * reshuffles each epoch, and a seeded (stratified) train/validation split.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ImageSample, RgbaImage, TokenSequence } from '../../../src/engine/data/types';
import {
  batchOf,
  batchTensors,
  disposeBatchTensors,
  imageBatch,
  paddedLength,
  SampleStream,
  sequentialBatches,
  splitTrainValidation,
  tokenBatch,
  type TrainingData,
} from '../../../src/engine/train/batches';
import { useBackend } from '../../helpers/backend';

beforeAll(async () => {
  await useBackend('cpu');
});

const seq = (ids: number[], mask: number[] | null = null): TokenSequence => ({
  ids: Int32Array.from(ids),
  lossMask: mask ? Uint8Array.from(mask) : null,
});

describe('tokenBatch', () => {
  it('right-pads to the given length and masks the padding out of the loss', () => {
    const batch = tokenBatch([seq([5, 6, 7]), seq([8, 9])], 4);
    expect(Array.from(batch.inputIds)).toEqual([5, 6, 7, 0, 8, 9, 0, 0]);
    expect(Array.from(batch.lossMask)).toEqual([1, 1, 1, 0, 1, 1, 0, 0]);
    // Targets are positions 1..T-1 that count: (6, 7) and (9).
    expect(batch.targetCount).toBe(3);
    expect(batch.tokenCount).toBe(5);
    expect([batch.size, batch.length]).toEqual([2, 4]);
  });

  it('keeps a prompt/completion loss mask', () => {
    const batch = tokenBatch([seq([1, 2, 3, 4], [0, 0, 1, 1])], 5, 9);
    expect(Array.from(batch.inputIds)).toEqual([1, 2, 3, 4, 9]);
    expect(Array.from(batch.lossMask)).toEqual([0, 0, 1, 1, 0]);
    expect(batch.targetCount).toBe(2);
  });

  it('refuses a sequence longer than the batch or a mask of another length', () => {
    expect(() => tokenBatch([seq([1, 2, 3])], 2)).toThrow(/3 tokens does not fit a batch of length 2/);
    expect(() => tokenBatch([seq([1, 2, 3], [1, 1])], 3)).toThrow(/loss mask of 2/);
  });

  it('paddedLength is the longest sequence', () => {
    expect(paddedLength([seq([1]), seq([1, 2, 3]), seq([1, 2])])).toBe(3);
  });
});

describe('imageBatch', () => {
  const image = (value: number): RgbaImage => ({ width: 1, height: 1, data: Uint8Array.from([value, value, value, 255]) });
  // A stand-in preprocessor: (C=2, H=1, W=2) filled with the red value and its negative.
  const preprocess = (img: RgbaImage) => Float32Array.from([img.data[0], img.data[0], -img.data[0], -img.data[0]]);

  it('stacks preprocessed images into (B, C, H, W) with their labels', () => {
    const samples: ImageSample[] = [
      { image: image(1), label: 3 },
      { image: image(2), label: 0 },
    ];
    const batch = imageBatch(samples, preprocess, [2, 1, 2]);
    expect(batch.shape).toEqual([2, 2, 1, 2]);
    expect(Array.from(batch.pixels)).toEqual([1, 1, -1, -1, 2, 2, -2, -2]);
    expect(Array.from(batch.labels)).toEqual([3, 0]);
  });

  it('says so when preprocessing gives the wrong number of values', () => {
    expect(() => imageBatch([{ image: image(1), label: 0 }], preprocess, [3, 1, 2])).toThrow(/gave 4 values .* 3×1×2 = 6/);
  });
});

describe('batch tensors', () => {
  it('puts a token batch on the device as int32 ids and a float mask, and frees it', async () => {
    const before = tf.memory().numTensors;
    const tensors = batchTensors(tokenBatch([seq([1, 2]), seq([3])], 2));
    const { inputIds } = tensors.inputs as { inputIds: tf.Tensor2D };
    expect(inputIds.dtype).toBe('int32');
    expect(inputIds.shape).toEqual([2, 2]);
    expect(Array.from(await tensors.lossMask!.data())).toEqual([1, 1, 1, 0]);
    expect(tensors.labels).toBeNull();
    disposeBatchTensors(tensors);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('SampleStream', () => {
  it('visits every sample once per epoch, in a new seeded order each epoch', () => {
    const stream = new SampleStream(6, 7);
    const epoch1 = [...stream.next(4), ...stream.next(2)];
    const epoch2 = stream.next(6);
    expect([...epoch1].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect([...epoch2].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(epoch1).not.toEqual(epoch2);
    expect(stream.epoch).toBe(2);
  });

  it('fills a batch across an epoch boundary and counts fractional epochs', () => {
    const stream = new SampleStream(5, 1);
    stream.next(4);
    const crossing = stream.next(4);
    expect(crossing).toHaveLength(4);
    expect(stream.samplesSeen).toBe(8);
    expect(stream.epoch).toBeCloseTo(1.6, 12);
  });

  it('repeats exactly for a seed and differs for another', () => {
    const draw = (seed: number) => {
      const stream = new SampleStream(20, seed);
      return [stream.next(8), stream.next(8), stream.next(8)];
    };
    expect(draw(3)).toEqual(draw(3));
    expect(draw(3)).not.toEqual(draw(4));
  });

  it('a batch of k·b samples is the same samples as k batches of b', () => {
    const big = new SampleStream(10, 5).next(6);
    const small = new SampleStream(10, 5);
    expect([...small.next(2), ...small.next(2), ...small.next(2)]).toEqual(big);
  });
});

describe('sequentialBatches', () => {
  it('covers every sample once, in order, with a smaller last batch', () => {
    const data: TrainingData = { kind: 'tokens', sequences: [seq([1, 2]), seq([3, 4]), seq([5, 6]), seq([7])] };
    const batches = [...sequentialBatches(data, 3, 2)];
    expect(batches.map((b) => b.size)).toEqual([3, 1]);
    expect(batches.map((b) => (b.kind === 'tokens' ? Array.from(b.inputIds) : []))).toEqual([[1, 2, 3, 4, 5, 6], [7, 0]]);
  });

  it('batchOf takes the samples at the given indices', () => {
    const data: TrainingData = { kind: 'tokens', sequences: [seq([1]), seq([2]), seq([3])] };
    const batch = batchOf(data, [2, 0], 1);
    expect(batch.kind === 'tokens' && Array.from(batch.inputIds)).toEqual([3, 1]);
  });
});

describe('splitTrainValidation', () => {
  const items = Array.from({ length: 50 }, (_, i) => i);

  it('holds out the requested fraction, disjoint, in the original order', () => {
    const { train, validation } = splitTrainValidation(items, 0.1, 42);
    expect(validation).toHaveLength(5);
    expect(train).toHaveLength(45);
    expect([...train, ...validation].sort((a, b) => a - b)).toEqual(items);
    expect(validation).toEqual([...validation].sort((a, b) => a - b));
  });

  it('is deterministic for a seed and differs between seeds', () => {
    expect(splitTrainValidation(items, 0.2, 1)).toEqual(splitTrainValidation(items, 0.2, 1));
    expect(splitTrainValidation(items, 0.2, 1).validation).not.toEqual(splitTrainValidation(items, 0.2, 2).validation);
  });

  it('holds out nothing for fraction 0 and at least one item otherwise', () => {
    expect(splitTrainValidation(items, 0, 1).validation).toEqual([]);
    expect(splitTrainValidation([1, 2, 3], 0.01, 1).validation).toHaveLength(1);
    expect(splitTrainValidation([1], 0.5, 1)).toEqual({ train: [1], validation: [] });
  });

  it('stratifies by label: each class keeps its share and at least one training item', () => {
    const labelled = [
      ...Array.from({ length: 30 }, (_, i) => ({ id: i, label: 'a' })),
      ...Array.from({ length: 10 }, (_, i) => ({ id: 30 + i, label: 'b' })),
      { id: 40, label: 'c' },
    ];
    const { train, validation } = splitTrainValidation(labelled, 0.2, 9, (x) => x.label);
    const count = (list: typeof labelled, label: string) => list.filter((x) => x.label === label).length;
    expect(validation).toHaveLength(8);
    expect([count(validation, 'a'), count(validation, 'b'), count(validation, 'c')]).toEqual([6, 2, 0]);
    expect(count(train, 'c')).toBe(1);
  });

  it('rejects a fraction outside [0, 1)', () => {
    expect(() => splitTrainValidation(items, 1, 1)).toThrow(/validation fraction/);
  });
});
