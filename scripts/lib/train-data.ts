/**
 * For the train CLI: where the model comes from (a folder, or a Hub repo id),
 * and the user's data files turned into training and validation data for the
 * Trainer, with what was decided along the way (sizes, split, sequence
 * length) in words for the progress header.
 */
import { existsSync, statSync } from 'node:fs';
import { archiveBudget, datasetSummary, parseDataset } from '../../src/engine/data/index';
import { readDataFiles } from '../../src/engine/data/node-files';
import {
  assertDatasetSuitsTask,
  headLabels,
  imageTrainingData,
  splitImageExamples,
  splitTextSequences,
  textValidationWarning,
} from '../../src/engine/data/training-data';
import type { Dataset, DatasetParseOptions, ImageDataset, TextDataset } from '../../src/engine/data/types';
import { InputFileError } from '../../src/engine/errors';
import { DirectorySource } from '../../src/engine/io/node-source';
import type { FileSource } from '../../src/engine/io/source';
import { hubSource } from '../../src/engine/io/url-source';
import type { Model } from '../../src/engine/models/model';
import type { CausalLMConfig, ImageClassifierConfig } from '../../src/engine/models/types';
import { loadImagePreprocessor, type ImagePreprocessor } from '../../src/engine/preprocess/image';
import { loadTokenizer } from '../../src/engine/tokenizer';
import type { TrainingData } from '../../src/engine/train/batches';
import { UsageError } from './train-args';

/** The default sequence length: 128 tokens, or the model's context if shorter. */
export const DEFAULT_SEQ_LENGTH = 128;

/**
 * A folder on disk when the path exists (it wins over a repo id of the same
 * name), else a Hub repo. As huggingface_hub does, HF_ENDPOINT points at
 * another Hub (a mirror, a test server) and HF_TOKEN opens gated or private repos.
 */
export function openModelSource(spec: string, revision?: string, env: NodeJS.ProcessEnv = process.env): FileSource {
  if (existsSync(spec)) {
    if (!statSync(spec).isDirectory()) {
      throw new InputFileError(spec, 'is a file: --model takes a checkpoint folder (config.json + model.safetensors) or a Hub repo id');
    }
    return new DirectorySource(spec);
  }
  if (spec.startsWith('.') || spec.startsWith('/') || spec.includes('\\') || spec.split('/').length > 2) {
    throw new InputFileError(spec, 'not found (and it is not a Hugging Face repo id such as "owner/name")');
  }
  return hubSource(spec, { revision, endpoint: env.HF_ENDPOINT || undefined, token: env.HF_TOKEN || undefined });
}

export interface DataOptions {
  data: string[];
  valData: string[];
  valFraction: number;
  seqLength?: number;
  seed: number;
}

export interface PreparedData {
  train: TrainingData;
  validation: TrainingData | null;
  /** Image classification: the label names, in the order of the head's classes. */
  labels?: string[];
  /** Language models: tokens per training sequence; null for images. */
  seqLength: number | null;
  /** What was read and decided, one line each, for the header. */
  notes: string[];
  /** The dataset summary of the `--json` report. */
  dataset: DatasetReport;
}

/** The dataset as the `--json` report gives it (snake_case, as the report's other fields). */
export interface DatasetReport {
  files: string[];
  /** Documents, pairs or images read (training files and held-out files together). */
  examples: number;
  /** Training and validation sequences (text) or images, as trained and evaluated. */
  train: number;
  validation: number;
  validation_from: string;
  /** Images that had transparency (composited on white), that are one colour, that copy another image; null for text. */
  transparent_images: number | null;
  blank_images: number | null;
  identical_images: number | null;
  notes: string[];
  warnings: string[];
}

/** Reads, parses and prepares the data for `model` (tokenised, or labelled and preprocessed). */
export async function prepareData(model: Model, source: FileSource, options: DataOptions): Promise<PreparedData> {
  const config = model.config;
  // One archive budget for --data and --val-data together.
  const budget = archiveBudget();
  if (config.task === 'causal-lm') {
    const dataset = await readDataset(options.data, { archiveBudget: budget });
    const valDataset = options.valData.length > 0 ? await readDataset(options.valData, { archiveBudget: budget }) : null;
    return prepareText(config, source, expectText(dataset, options.data), valDataset && expectText(valDataset, options.valData), options);
  }
  // The preprocessing first: images are shrunk to the model's input as soon as they are decoded.
  const preprocessor = await loadImagePreprocessor(source, config);
  const parse: DatasetParseOptions = { fitImage: (image) => preprocessor.fit(image), archiveBudget: budget };
  const dataset = await readDataset(options.data, parse);
  const valDataset = options.valData.length > 0 ? await readDataset(options.valData, parse) : null;
  return prepareImages(config, preprocessor, expectImages(dataset, options.data), valDataset && expectImages(valDataset, options.valData), options);
}

async function readDataset(paths: string[], parse: DatasetParseOptions = {}): Promise<Dataset> {
  return parseDataset(await readDataFiles(paths), parse);
}

function expectText(dataset: Dataset, paths: string[]): TextDataset {
  assertDatasetSuitsTask('causal-lm', dataset, paths.join(', '));
  return dataset as TextDataset;
}

function expectImages(dataset: Dataset, paths: string[]): ImageDataset {
  assertDatasetSuitsTask('image-classification', dataset, paths.join(', '));
  return dataset as ImageDataset;
}

async function prepareText(
  config: CausalLMConfig,
  source: FileSource,
  dataset: TextDataset,
  valDataset: TextDataset | null,
  options: DataOptions,
): Promise<PreparedData> {
  const tokenizer = await loadTokenizer(source, { bosTokenId: config.bosTokenId, eosTokenId: config.eosTokenId });
  const seqLength = options.seqLength ?? Math.min(DEFAULT_SEQ_LENGTH, config.maxPositions);
  if (seqLength > config.maxPositions) {
    throw new UsageError(`--seq-length ${seqLength} is longer than the model's context of ${config.maxPositions} tokens`);
  }
  const notes: string[] = [...dataset.warnings];
  const split = splitTextSequences(dataset, valDataset, tokenizer, { seqLength, fraction: options.valFraction, seed: options.seed, onWarning: (m) => notes.push(m) });
  const { train, validation } = split;
  const how = valDataset ? `from ${options.valData.join(', ')}` : split.how;
  const tooSmall = textValidationWarning(split.plan, validation.length, dataset.files.join(', '));
  if (tooSmall) notes.push(tooSmall);
  const read = [...(dataset.notes ?? []), ...(valDataset?.notes ?? [])];
  notes.unshift(`data: ${dataset.files.join(', ')}: ${train.length} training sequences of ≤ ${seqLength} tokens; validation: ${validation.length} (${how})`, ...read);
  return {
    train: { kind: 'tokens', sequences: train },
    validation: validation.length > 0 ? { kind: 'tokens', sequences: validation } : null,
    seqLength,
    notes,
    dataset: {
      files: [...dataset.files, ...(valDataset?.files ?? [])],
      examples: dataset.examples.length + (valDataset?.examples.length ?? 0),
      train: train.length,
      validation: validation.length,
      validation_from: how,
      transparent_images: null,
      blank_images: null,
      identical_images: null,
      notes: read,
      warnings: [...dataset.warnings, ...(valDataset?.warnings ?? []), ...(tooSmall ? [tooSmall] : [])],
    },
  };
}

async function prepareImages(
  config: ImageClassifierConfig,
  preprocessor: ImagePreprocessor,
  dataset: ImageDataset,
  valDataset: ImageDataset | null,
  options: DataOptions,
): Promise<PreparedData> {
  const labels = headLabels(config, dataset);
  const split = splitImageExamples(dataset.examples, valDataset?.examples ?? null, options.valFraction, options.seed);
  const { train, validation } = split;
  const how = valDataset ? `from ${options.valData.join(', ')}` : split.how;
  const asData = (examples: ImageDataset['examples']) => imageTrainingData(dataset, examples, labels, preprocessor);
  const notes = [
    `data: ${train.length} training images in ${labels.length} classes (${labels.slice(0, 10).join(', ')}${labels.length > 10 ? ', …' : ''}); ` +
      `validation: ${validation.length} (${how})`,
    ...preprocessor.notes.map((n) => `preprocessing: ${n}`),
  ];
  // Blank and identical images are counted over everything read, held-out files included.
  const summary = datasetSummary(valDataset ? { ...dataset, examples: [...dataset.examples, ...valDataset.examples] } : dataset);
  if (summary.task !== 'image-classification') throw new Error('an image dataset summarised as text');
  notes.push(...summary.notes, ...summary.warnings);
  return {
    train: asData(train),
    validation: validation.length > 0 ? asData(validation) : null,
    labels,
    seqLength: null,
    notes,
    dataset: {
      files: [...dataset.files, ...(valDataset?.files ?? [])],
      examples: summary.exampleCount,
      train: train.length,
      validation: validation.length,
      validation_from: how,
      transparent_images: (dataset.transparentImages ?? 0) + (valDataset?.transparentImages ?? 0),
      blank_images: summary.blankImages,
      identical_images: summary.identicalImages,
      notes: [...(dataset.notes ?? []), ...(valDataset?.notes ?? [])],
      warnings: summary.warnings,
    },
  };
}
