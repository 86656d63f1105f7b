/**
 * Training data of the right shapes for a benchmark: seeded random token ids
 * or pixels. A step's cost depends on the shapes, not the values, so this
 * measures the real training step without any dataset.
 *
 * The pool holds a few batches, so the Trainer's seeded sampling, batching and
 * upload run as they would on real data. Images skip decoding and resizing
 * (a dataset's preprocessing, outside the step being compared): each sample's
 * preprocessed pixels are made once, and `preprocess` returns them.
 */
import { createRng, deriveSeed } from '../random';
import type { Model } from '../models/model';
import type { ImageSample, RgbaImage } from '../data/types';
import type { TrainingData } from '../train/batches';

/** Batches' worth of samples in the pool. */
const POOL_BATCHES = 4;
/** Distinct pixel arrays the image samples share (bounds memory at large batches). */
const DISTINCT_IMAGES = 8;

export interface SyntheticDataOptions {
  batchSize: number;
  /** Tokens per sequence; language models only. */
  seqLength: number | null;
  seed: number;
}

export function syntheticTrainingData(model: Model, options: SyntheticDataOptions): TrainingData {
  const count = options.batchSize * POOL_BATCHES;
  const config = model.config;
  if (config.task === 'causal-lm') {
    const length = options.seqLength ?? Math.min(128, config.maxPositions);
    if (length > config.maxPositions) {
      throw new Error(`--seq ${length} exceeds this model's maximum of ${config.maxPositions} positions`);
    }
    if (length < 2) throw new Error(`--seq must be at least 2 (a token and one to predict), got ${length}`);
    return { kind: 'tokens', sequences: randomSequences(count, length, config.vocabSize, options.seed) };
  }
  const shape: [number, number, number] = [config.numChannels, config.imageSize, config.imageSize];
  const { samples, pixelsOf } = randomImages(count, shape, config.numLabels, options.seed);
  return { kind: 'images', samples, imageShape: shape, preprocess: (image) => pixelsOf(image) };
}

function randomSequences(count: number, length: number, vocabSize: number, seed: number) {
  const random = createRng(deriveSeed(seed, 'bench tokens'));
  return Array.from({ length: count }, () => {
    const ids = new Int32Array(length);
    for (let t = 0; t < length; t++) ids[t] = Math.floor(random() * vocabSize);
    return { ids, lossMask: null };
  });
}

function randomImages(count: number, shape: [number, number, number], numLabels: number, seed: number) {
  const random = createRng(deriveSeed(seed, 'bench images'));
  const [, height, width] = shape;
  const size = shape[0] * height * width;
  const pixels = Array.from({ length: Math.min(count, DISTINCT_IMAGES) }, () => {
    const values = new Float32Array(size); // (C, H, W), normalised to [-1, 1] as ViT processors do
    for (let i = 0; i < size; i++) values[i] = 2 * random() - 1;
    return values;
  });
  const byImage = new Map<RgbaImage, Float32Array>();
  const samples: ImageSample[] = Array.from({ length: count }, (_, i) => {
    // The RGBA bytes are never read: preprocess returns the ready pixels.
    const image: RgbaImage = { width, height, data: new Uint8Array(0) };
    byImage.set(image, pixels[i % pixels.length]);
    return { image, label: Math.floor(random() * numLabels) };
  });
  const pixelsOf = (image: RgbaImage): Float32Array => {
    const values = byImage.get(image);
    if (!values) throw new Error('benchmark data: an image that is not one of the synthetic samples');
    return values;
  };
  return { samples, pixelsOf };
}
