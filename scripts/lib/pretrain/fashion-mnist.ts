/**
 * Fashion-MNIST (Xiao, Rasul & Vollgraf 2017; MIT licence): 70,000 28×28
 * grey images of clothing in 10 classes, 60,000 for training and 10,000 for
 * testing. Debian ships it as `dataset-fashion-mnist` (gzip'd IDX files under
 * /usr/share/datasets/fashion-mnist).
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ImageSample, RgbaImage } from '../../../src/engine/data/types';
import { imageSetFromIdx, parseIdx, type IdxImageSet } from './idx';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
export const FASHION_MNIST_DEBIAN_PACKAGE = 'dataset-fashion-mnist';

/** The class names, by label index, as the dataset's authors give them. */
export const FASHION_MNIST_LABELS = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

const FILES = {
  train: ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'],
  test: ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'],
} as const;

export type FashionSplit = keyof typeof FILES;

/** The four IDX files that must exist in `dir`. */
export function fashionMnistFiles(dir: string): string[] {
  return [...FILES.train, ...FILES.test].map((name) => path.join(dir, name));
}

export function hasFashionMnist(dir: string): boolean {
  return fashionMnistFiles(dir).every((file) => existsSync(file));
}

/** One split's images and labels, checked against each other. */
export function readFashionMnist(dir: string, split: FashionSplit): IdxImageSet {
  const [imagesName, labelsName] = FILES[split];
  const imagesFile = path.join(dir, imagesName);
  const labelsFile = path.join(dir, labelsName);
  const images = parseIdx(new Uint8Array(readFileSync(imagesFile)), imagesFile);
  const labels = parseIdx(new Uint8Array(readFileSync(labelsFile)), labelsFile);
  return imageSetFromIdx(images, labels, imagesFile, labelsFile);
}

/**
 * The grey image at `index` as RGBA (R = G = B, opaque): the form every
 * decoded PNG or JPEG takes in the engine, so the model's own preprocessing
 * (preprocessor_config.json) is what training sees too.
 */
export function rgbaImageAt(set: IdxImageSet, index: number): RgbaImage {
  const size = set.rows * set.cols;
  const grey = set.pixels.subarray(index * size, (index + 1) * size);
  const data = new Uint8Array(size * 4);
  for (let i = 0; i < size; i++) {
    data[4 * i] = grey[i];
    data[4 * i + 1] = grey[i];
    data[4 * i + 2] = grey[i];
    data[4 * i + 3] = 255;
  }
  return { width: set.cols, height: set.rows, data };
}

/** Labelled samples for the trainer; `limit` takes the first n (tests, tiny runs). */
export function imageSamples(set: IdxImageSet, limit = set.count): ImageSample[] {
  const count = Math.min(limit, set.count);
  return Array.from({ length: count }, (_, i) => ({ image: rgbaImageAt(set, i), label: set.labels[i] }));
}
