/**
 * From a parsed dataset to what a Trainer consumes, for a given model: the
 * decisions the train CLI and the playground's worker must make the same way
 * (does the data suit the model's task, which classes the head predicts,
 * what is held out for evaluation).
 */
import { InputFileError } from '../errors';
import type { ImageClassifierConfig, Task } from '../models/types';
import type { ImagePreprocessor } from '../preprocess/image';
import { splitTrainValidation, type TrainingData } from '../train/batches';
import { prepareImageSamples } from './prepare';
import type { DataSplit, Dataset, ImageDataset, ImageExample } from './types';

/** An InputFileError naming the data when it does not suit a model of this task. */
export function assertDatasetSuitsTask(task: Task, dataset: Dataset, name: string): void {
  if (dataset.task === task) return;
  throw new InputFileError(
    name,
    task === 'causal-lm'
      ? 'holds images, but the model is a language model: give text (.txt, .jsonl, .json, .csv)'
      : 'holds text, but the model classifies images: give images in class folders, a .zip or a path,label .csv',
  );
}

/**
 * The classes of the head: the checkpoint's own order when the data has
 * exactly its labels (the head is kept), else the data's sorted labels (a
 * new head is made; see adapters/common/head.ts).
 */
export function headLabels(config: ImageClassifierConfig, dataset: ImageDataset): string[] {
  const same = config.labels.length === dataset.labels.length && dataset.labels.every((l) => config.labels.includes(l));
  return same ? config.labels : dataset.labels;
}

export interface HeldOutSplit<T> {
  train: T[];
  validation: T[];
  /** How the held-out part was chosen, in words. */
  how: string;
}

/**
 * Images held out for evaluation: those given as their own files; else the
 * dataset's own validation (or test) folder; else a seeded share of the
 * images, stratified by class.
 */
export function splitImageExamples(
  examples: readonly ImageExample[],
  heldOut: readonly ImageExample[] | null,
  fraction: number,
  seed: number,
): HeldOutSplit<ImageExample> {
  if (heldOut) return { train: [...examples], validation: [...heldOut], how: 'the held-out files' };
  const held: DataSplit | undefined = (['validation', 'test'] as const).find((s) => examples.some((e) => e.split === s));
  if (held) {
    return {
      train: examples.filter((e) => e.split === undefined || e.split === 'train'),
      validation: examples.filter((e) => e.split === held),
      how: `the data's own ${held} split`,
    };
  }
  const { train, validation } = splitTrainValidation(examples, fraction, seed, (e) => e.label);
  return { train, validation, how: `a seeded ${fraction} of the images, stratified by class` };
}

/** Token blocks held out for evaluation: those given as their own files, else a seeded share. */
export function splitSequences<T>(items: readonly T[], heldOut: readonly T[] | null, fraction: number, seed: number): HeldOutSplit<T> {
  if (heldOut) return { train: [...items], validation: [...heldOut], how: 'the held-out files' };
  // Plain text is one stream cut in blocks, so the split is over blocks.
  const { train, validation } = splitTrainValidation(items, fraction, seed);
  return { train, validation, how: `a seeded ${fraction} of the sequences` };
}

/** Labelled images with the model's preprocessing, applied per batch. */
export function imageTrainingData(
  dataset: ImageDataset,
  examples: ImageExample[],
  labels: string[],
  preprocessor: ImagePreprocessor,
): TrainingData {
  return {
    kind: 'images',
    samples: prepareImageSamples({ ...dataset, examples }, labels),
    preprocess: (image) => preprocessor.preprocess(image),
    imageShape: [preprocessor.channels, preprocessor.height, preprocessor.width],
  };
}
