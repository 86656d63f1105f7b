/**
 * A run's training and validation data, prepared for the loaded model from
 * the loaded dataset: token blocks at the run's sequence length, or labelled
 * images with the model's preprocessing. Prepared data is cached by sequence
 * length, so runs that share it share the work.
 */
import { assertDatasetSuitsTask, headLabels, imageTrainingData, splitImageExamples, splitTextSequences } from '../engine/data/training-data';
import type { ImageDataset, ImageExample, TextDataset } from '../engine/data/types';
import { InputFileError } from '../engine/errors';
import type { Model } from '../engine/models/model';
import type { ImagePreprocessor } from '../engine/preprocess/image';
import type { TextTokenizer } from '../engine/tokenizer';
import { splitTrainValidation, type TrainingData } from '../engine/train/batches';
import { MAX_EVALUATION_TOKENS, SPLIT_SEED, type LoadedDataset } from './dataset-host';

/**
 * Evaluation uses at most this many held-out images, or sequences holding
 * this many tokens (a seeded, stratified subset): evaluating thousands of
 * examples after every run would cost more than the training itself in a
 * browser.
 */
export const MAX_EVALUATION_EXAMPLES = 256;

/** How many sequences of `seqLength` tokens evaluation uses at most. */
export const evaluationSequences = (seqLength: number, limit: number) => Math.min(limit, Math.max(16, Math.floor(MAX_EVALUATION_TOKENS / seqLength)));

/** At most `limit` of `items`, chosen by a seeded (stratified) split. */
export function evaluationSubset<T>(items: readonly T[], limit: number, labelOf?: (item: T) => string): T[] {
  if (items.length <= limit) return [...items];
  return splitTrainValidation(items, limit / items.length, SPLIT_SEED, labelOf).validation.slice(0, limit);
}

export interface ModelAssets {
  model: Model;
  tokenizer: TextTokenizer | null;
  preprocessor: ImagePreprocessor | null;
}

export interface RunData {
  train: TrainingData;
  validation: TrainingData | null;
  /** Image classification: the head's class names. */
  labels?: string[];
}

/** The dataset, checked against the model's task. */
export function checkTaskMatch(assets: ModelAssets, data: LoadedDataset): void {
  assertDatasetSuitsTask(assets.model.config.task, data.dataset, data.dataset.files.slice(0, 3).join(', ') || data.name);
}

export class RunDataCache {
  private readonly cache = new Map<number, RunData>();

  constructor(
    private readonly assets: ModelAssets,
    private readonly data: LoadedDataset,
  ) {
    checkTaskMatch(assets, data);
  }

  /** The loaded dataset this cache prepares from (a run's bundle carries its files). */
  get loaded(): LoadedDataset {
    return this.data;
  }

  /** The data a run with this sequence length trains on (images ignore it). */
  forSequenceLength(seqLength: number): RunData {
    const key = this.data.dataset.task === 'causal-lm' ? seqLength : 0;
    let prepared = this.cache.get(key);
    if (!prepared) {
      prepared = this.data.dataset.task === 'causal-lm' ? this.prepareText(this.data.dataset, seqLength) : this.prepareImages(this.data.dataset);
      this.cache.set(key, prepared);
    }
    return prepared;
  }

  /** Image classification: the head's labels (undefined for language models). */
  labels(): string[] | undefined {
    const { model } = this.assets;
    if (this.data.dataset.task !== 'image-classification' || model.config.task !== 'image-classification') return undefined;
    return headLabels(model.config, this.data.dataset);
  }

  private prepareText(dataset: TextDataset, seqLength: number): RunData {
    const { model, tokenizer } = this.assets;
    if (model.config.task !== 'causal-lm') throw new Error('text data needs a language model');
    if (!tokenizer) throw new InputFileError(`${model.config.modelType} checkpoint/tokenizer.json`, 'not found: training on text needs the model’s tokenizer');
    if (seqLength > model.config.maxPositions) {
      throw new Error(`the sequence length ${seqLength} is longer than the model's context of ${model.config.maxPositions} tokens`);
    }
    const held = this.data.validation;
    const heldOut = held?.task === 'causal-lm' ? held : null;
    // The same split the data summary counts (by document, or one document's blocks).
    const { train, validation } = splitTextSequences(dataset, heldOut, tokenizer, { seqLength, fraction: this.data.validationFraction, seed: SPLIT_SEED });
    if (train.length === 0) throw new InputFileError(dataset.files.join(', '), `is too short: no training sequence of ${seqLength} tokens is left`);
    const evaluated = evaluationSubset(validation, evaluationSequences(seqLength, this.data.evaluationLimit));
    return {
      train: { kind: 'tokens', sequences: train },
      validation: evaluated.length > 0 ? { kind: 'tokens', sequences: evaluated } : null,
    };
  }

  private prepareImages(dataset: ImageDataset): RunData {
    const { preprocessor } = this.assets;
    if (!preprocessor) throw new Error('image data needs an image classifier');
    const labels = this.labels()!;
    const held = this.data.validation;
    const heldOut = held?.task === 'image-classification' ? held.examples : null;
    const { train, validation } = splitImageExamples(dataset.examples, heldOut, this.data.validationFraction, SPLIT_SEED);
    const asData = (examples: ImageExample[]) => imageTrainingData(dataset, examples, labels, preprocessor);
    const evaluated = evaluationSubset(validation, this.data.evaluationLimit, (e) => e.label);
    return { train: asData(train), validation: evaluated.length > 0 ? asData(evaluated) : null, labels };
  }
}
