/**
 * From prepared samples to batches: the seeded train/validation split, the
 * seeded order of samples epoch after epoch, and the host-side arrays of a
 * batch (token ids with their loss mask, or preprocessed pixels with labels).
 *
 * Training batches come from one endless stream: each epoch is a fresh seeded
 * permutation of the training set, and a batch takes the next B samples of
 * the stream, across an epoch boundary if need be. Every training batch is
 * thus full and every sample is seen equally often; "epoch" is samples seen
 * divided by the training-set size. Token batches are padded to one length
 * for the whole dataset, so every step has the same shapes (a GPU backend
 * compiles its kernels once, and memory stays flat).
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageSample, RgbaImage, TokenSequence } from '../data/types';
import { deriveSeed, shuffled } from '../random';
import type { ModelInputs } from '../models/types';

/** Token ids of a batch, right-padded, with the loss mask (1 = token t is a target). */
export interface TokenBatch {
  kind: 'tokens';
  size: number;
  /** T: positions per sequence. */
  length: number;
  /** (B, T) row-major. */
  inputIds: Int32Array;
  /** (B, T): 1 where token t is a prediction target, 0 for prompt tokens and padding. */
  lossMask: Float32Array;
  /** Targets that count in the loss: mask ones at positions 1..T-1. */
  targetCount: number;
  /** Real (unpadded) tokens in the batch, for throughput. */
  tokenCount: number;
}

/** Preprocessed pixels of a batch, with class indices. */
export interface ImageBatch {
  kind: 'images';
  size: number;
  /** [B, C, H, W]. */
  shape: [number, number, number, number];
  /** (B, C, H, W) row-major. */
  pixels: Float32Array;
  labels: Int32Array;
}

export type Batch = TokenBatch | ImageBatch;

/** An image in, (C, H, W) float pixels out, as the model expects them. */
export type ImagePreprocess = (image: RgbaImage) => Float32Array;

/** Training or validation data as the trainer takes it. */
export type TrainingData =
  | { kind: 'tokens'; sequences: readonly TokenSequence[] }
  | {
      kind: 'images';
      samples: readonly ImageSample[];
      preprocess: ImagePreprocess;
      /** [C, H, W] that `preprocess` returns. */
      imageShape: [number, number, number];
    };

export function sampleCount(data: TrainingData): number {
  return data.kind === 'tokens' ? data.sequences.length : data.samples.length;
}

/** Samples in a seeded order, epoch after epoch, taken B at a time. */
export class SampleStream {
  private order: number[] = [];
  private position = 0;
  private epochIndex = -1;
  private consumed = 0;

  constructor(
    private readonly count: number,
    private readonly seed: number,
  ) {
    if (!Number.isInteger(count) || count < 1) throw new Error(`cannot draw batches from ${count} samples`);
  }

  /** Indices of the next `batchSize` samples. */
  next(batchSize: number): number[] {
    const indices: number[] = [];
    while (indices.length < batchSize) {
      if (this.position >= this.order.length) this.startEpoch();
      indices.push(this.order[this.position++]);
    }
    this.consumed += batchSize;
    return indices;
  }

  /**
   * Puts the stream where it was after `samplesSeen` samples, as if they had
   * been drawn: each epoch's order depends only on the seed and the epoch's
   * index, so a resumed run draws exactly the batches it would have drawn.
   */
  skipTo(samplesSeen: number): void {
    if (!Number.isInteger(samplesSeen) || samplesSeen < 0) throw new Error(`cannot resume a sample stream at ${samplesSeen} samples`);
    this.epochIndex = Math.floor(samplesSeen / this.count) - 1;
    this.startEpoch();
    this.position = samplesSeen % this.count;
    this.consumed = samplesSeen;
  }

  /** Samples drawn so far. */
  get samplesSeen(): number {
    return this.consumed;
  }

  /** Fractional epochs completed: samples seen over the set's size. */
  get epoch(): number {
    return this.consumed / this.count;
  }

  private startEpoch(): void {
    this.epochIndex++;
    const indices = Array.from({ length: this.count }, (_, i) => i);
    this.order = shuffled(indices, deriveSeed(this.seed, `epoch ${this.epochIndex}`));
    this.position = 0;
  }
}

/** Longest sequence: the padded length of every batch of this dataset. */
export function paddedLength(sequences: readonly TokenSequence[]): number {
  let length = 0;
  for (const s of sequences) length = Math.max(length, s.ids.length);
  return length;
}

/**
 * Token ids right-padded to `length` with `padId`. Causal attention lets no
 * real token see the padding after it, and the padding is masked out of the
 * loss, so the pad id itself never matters (0 is valid in every vocabulary).
 */
export function tokenBatch(sequences: readonly TokenSequence[], length: number, padId = 0): TokenBatch {
  const size = sequences.length;
  const inputIds = new Int32Array(size * length).fill(padId); // (B, T)
  const lossMask = new Float32Array(size * length); // (B, T)
  let targetCount = 0;
  let tokenCount = 0;
  sequences.forEach((sequence, row) => {
    const { ids, lossMask: mask } = sequence;
    if (ids.length > length) throw new Error(`a sequence of ${ids.length} tokens does not fit a batch of length ${length}`);
    if (mask && mask.length !== ids.length) {
      throw new Error(`a sequence has ${ids.length} tokens but a loss mask of ${mask.length}`);
    }
    inputIds.set(ids, row * length);
    for (let t = 0; t < ids.length; t++) {
      const counts = mask ? (mask[t] ? 1 : 0) : 1;
      lossMask[row * length + t] = counts;
      // Position 0 is never a target: nothing before it predicts it.
      if (t > 0) targetCount += counts;
    }
    tokenCount += ids.length;
  });
  return { kind: 'tokens', size, length, inputIds, lossMask, targetCount, tokenCount };
}

/** Images preprocessed into one (B, C, H, W) array, with their labels. */
export function imageBatch(
  samples: readonly ImageSample[],
  preprocess: ImagePreprocess,
  imageShape: [number, number, number],
): ImageBatch {
  const [C, H, W] = imageShape;
  const imageSize = C * H * W;
  const pixels = new Float32Array(samples.length * imageSize); // (B, C, H, W)
  const labels = new Int32Array(samples.length);
  samples.forEach((sample, i) => {
    const values = preprocess(sample.image);
    if (values.length !== imageSize) {
      throw new Error(`preprocessing gave ${values.length} values for an image, the model takes ${C}×${H}×${W} = ${imageSize}`);
    }
    pixels.set(values, i * imageSize);
    labels[i] = sample.label;
  });
  return { kind: 'images', size: samples.length, shape: [samples.length, C, H, W], pixels, labels };
}

/** The batch of `data` made of the samples at `indices`. */
export function batchOf(data: TrainingData, indices: readonly number[], tokenLength: number): Batch {
  if (data.kind === 'tokens') return tokenBatch(indices.map((i) => data.sequences[i]), tokenLength);
  return imageBatch(
    indices.map((i) => data.samples[i]),
    data.preprocess,
    data.imageShape,
  );
}

/** The losses' weight of a batch: targets for tokens, examples for images. */
export function lossWeight(batch: Batch): number {
  return batch.kind === 'tokens' ? batch.targetCount : batch.size;
}

/** A batch on the device: model inputs and what the loss compares them with. */
export interface BatchTensors {
  inputs: ModelInputs;
  /** Tokens: (B, T) float mask; images: null. */
  lossMask: tf.Tensor2D | null;
  /** Images: (B,) int32 class indices; tokens: null. */
  labels: tf.Tensor1D | null;
}

export function batchTensors(batch: Batch): BatchTensors {
  if (batch.kind === 'tokens') {
    const shape: [number, number] = [batch.size, batch.length];
    return {
      inputs: { inputIds: tf.tensor2d(batch.inputIds, shape, 'int32') },
      lossMask: tf.tensor2d(batch.lossMask, shape, 'float32'),
      labels: null,
    };
  }
  return {
    inputs: { pixelValues: tf.tensor4d(batch.pixels, batch.shape, 'float32') },
    lossMask: null,
    labels: tf.tensor1d(batch.labels, 'int32'),
  };
}

export function disposeBatchTensors(tensors: BatchTensors): void {
  const { inputs } = tensors;
  if ('inputIds' in inputs) inputs.inputIds.dispose();
  else inputs.pixelValues.dispose();
  tensors.lossMask?.dispose();
  tensors.labels?.dispose();
}

/** Consecutive batches over every sample once, in order (the last may be smaller): for evaluation. */
export function* sequentialBatches(data: TrainingData, batchSize: number, tokenLength: number): Generator<Batch> {
  const count = sampleCount(data);
  for (let start = 0; start < count; start += batchSize) {
    const indices = Array.from({ length: Math.min(batchSize, count - start) }, (_, i) => start + i);
    yield batchOf(data, indices, tokenLength);
  }
}

export interface Split<T> {
  train: T[];
  validation: T[];
}

/**
 * A seeded split holding out about `fraction` of the items for validation.
 * With `labelOf`, the split is stratified: each label keeps its share of the
 * validation set (largest remainders first) and at least one training item.
 * Both parts keep the items' original order.
 */
export function splitTrainValidation<T>(
  items: readonly T[],
  fraction: number,
  seed: number,
  labelOf?: (item: T) => number | string,
): Split<T> {
  if (!(fraction >= 0 && fraction < 1)) throw new Error(`the validation fraction must be in [0, 1), got ${fraction}`);
  const groups = new Map<number | string, number[]>();
  items.forEach((item, i) => {
    const key = labelOf ? labelOf(item) : 0;
    const group = groups.get(key) ?? [];
    group.push(i);
    groups.set(key, group);
  });
  const wanted = fraction > 0 && items.length >= 2 ? Math.max(1, Math.round(fraction * items.length)) : 0;
  const quotas = allocateQuotas([...groups.values()].map((g) => g.length), wanted);
  const held = new Set<number>();
  [...groups.entries()].forEach(([key, group], g) => {
    const order = shuffled(group, deriveSeed(seed, `validation split ${String(key)}`));
    for (const i of order.slice(0, quotas[g])) held.add(i);
  });
  return {
    train: items.filter((_, i) => !held.has(i)),
    validation: items.filter((_, i) => held.has(i)),
  };
}

/**
 * Splits `total` among groups in proportion to their sizes (largest remainder),
 * leaving every group at least one item.
 */
function allocateQuotas(sizes: number[], total: number): number[] {
  const all = sizes.reduce((a, b) => a + b, 0);
  const caps = sizes.map((n) => Math.max(0, n - 1));
  const exact = sizes.map((n) => (all === 0 ? 0 : (total * n) / all));
  const quotas = exact.map((q, g) => Math.min(Math.floor(q), caps[g]));
  let left = Math.min(total, caps.reduce((a, b) => a + b, 0)) - quotas.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((q, g) => ({ g, remainder: q - Math.floor(q) })).sort((a, b) => b.remainder - a.remainder);
  while (left > 0) {
    let given = false;
    for (const { g } of byRemainder) {
      if (left === 0) break;
      if (quotas[g] < caps[g]) {
        quotas[g]++;
        left--;
        given = true;
      }
    }
    if (!given) break;
  }
  return quotas;
}
