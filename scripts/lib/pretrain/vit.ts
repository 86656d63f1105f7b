/**
 * The ViT recipe: a random-init ViT trained on Fashion-MNIST's 60,000
 * training images, evaluated on its 10,000 test images.
 */
import { gzipSync } from 'node:zlib';
import type { RgbaImage } from '../../../src/engine/data/types';
import { MemorySource } from '../../../src/engine/io/source';
import { initialiseModelFromConfig } from '../../../src/engine/models/init';
import { loadModel } from '../../../src/engine/models/load';
import type { ImageClassifierConfig } from '../../../src/engine/models/types';
import { imagePreprocessor } from '../../../src/engine/preprocess/image';
import { deriveSeed } from '../../../src/engine/random';
import type { TrainingData } from '../../../src/engine/train/batches';
import { withRandomShifts } from './augment';
import { FASHION_MNIST_LABELS, imageSamples, readFashionMnist } from './fashion-mnist';
import type { IdxImageSet } from './idx';
import type { Recipe } from './recipes';
import { evaluateAll, pretrainModel, type PretrainRun } from './train-model';

/** As transformers' ViTImageProcessor saves it: 28×28 in, scaled to [-1, 1]. */
export function vitPreprocessorConfig(imageSize: number): Record<string, unknown> {
  return {
    image_processor_type: 'ViTImageProcessor',
    do_resize: true,
    size: { height: imageSize, width: imageSize },
    resample: 2,
    do_rescale: true,
    rescale_factor: 1 / 255,
    do_normalize: true,
    image_mean: [0.5, 0.5, 0.5],
    image_std: [0.5, 0.5, 0.5],
  };
}

/** Test images whose accuracy the model card states and the tests check, without the Debian package. */
export const VIT_TEST_SAMPLE_SIZE = 500;

export interface VitPretrainResult {
  run: PretrainRun;
  files: Map<string, Uint8Array>;
  /** Accuracy on the first VIT_TEST_SAMPLE_SIZE test images. */
  sampleAccuracy: number;
  /** Those images and labels as gzip'd IDX files, by file name. */
  sampleFiles: Map<string, Uint8Array>;
  trainImages: number;
  testImages: number;
}

export async function pretrainVit(recipe: Recipe, dataDir: string, limit?: number): Promise<VitPretrainResult> {
  const trainSet = readFashionMnist(dataDir, 'train');
  const testSet = readFashionMnist(dataDir, 'test');
  const model = initialiseModelFromConfig(recipe.config, recipe.settings.seed);
  try {
    const config = model.config as ImageClassifierConfig;
    const preprocessorConfig = vitPreprocessorConfig(config.imageSize);
    const preprocessor = imagePreprocessor(preprocessorConfig, config);
    const preprocess = (image: RgbaImage) => preprocessor.preprocess(image);
    const asData = (set: IdxImageSet, count?: number): TrainingData & { kind: 'images' } => ({
      kind: 'images',
      samples: imageSamples(set, count),
      preprocess,
      imageShape: [preprocessor.channels, preprocessor.height, preprocessor.width],
    });
    const shifted = withRandomShifts(preprocess, recipe.maxShift ?? 0, deriveSeed(recipe.settings.seed, 'random shifts'));
    const train = { ...asData(trainSet, limit), preprocess: shifted };
    const validation = asData(testSet, limit);
    const run = await pretrainModel(model, { train, validation, labels: FASHION_MNIST_LABELS }, recipe);

    // The exported checkpoint, reloaded as any user's would be, on the committed test sample.
    const sample = asData(testSet, VIT_TEST_SAMPLE_SIZE);
    const sampleEval = await evaluateExported(run.files, sample);
    const files = new Map(run.files);
    files.set('preprocessor_config.json', json(preprocessorConfig));
    return {
      run,
      files,
      sampleAccuracy: sampleEval,
      sampleFiles: idxSample(testSet, VIT_TEST_SAMPLE_SIZE),
      trainImages: train.kind === 'images' ? train.samples.length : 0,
      testImages: validation.kind === 'images' ? validation.samples.length : 0,
    };
  } finally {
    model.dispose();
  }
}

async function evaluateExported(files: Map<string, Uint8Array>, data: TrainingData): Promise<number> {
  const exported = await loadModel(new MemorySource('exported', files));
  try {
    const evaluation = await evaluateAll(exported, null, data, 250);
    if (evaluation.task !== 'image-classification') throw new Error('expected a classifier evaluation');
    return evaluation.accuracy;
  } finally {
    exported.dispose();
  }
}

/** The first `count` images and labels as gzip'd IDX (the dataset's own format). */
function idxSample(set: IdxImageSet, count: number): Map<string, Uint8Array> {
  const n = Math.min(count, set.count);
  const imageHeader = idxHeader(3, [n, set.rows, set.cols]);
  const labelHeader = idxHeader(1, [n]);
  const images = concat(imageHeader, set.pixels.subarray(0, n * set.rows * set.cols));
  const labels = concat(labelHeader, set.labels.subarray(0, n));
  return new Map([
    [`fashion-mnist-t10k-first${n}-images-idx3-ubyte.gz`, new Uint8Array(gzipSync(images, { level: 9 }))],
    [`fashion-mnist-t10k-first${n}-labels-idx1-ubyte.gz`, new Uint8Array(gzipSync(labels, { level: 9 }))],
  ]);
}

function idxHeader(rank: number, shape: number[]): Uint8Array {
  const header = new Uint8Array(4 + 4 * rank);
  header.set([0, 0, 0x08, rank]);
  const view = new DataView(header.buffer);
  shape.forEach((size, i) => view.setUint32(4 + 4 * i, size, false));
  return header;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

export function json(value: unknown): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);
}
