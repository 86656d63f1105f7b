/**
 * For the train CLI: where the model comes from (a folder, or a Hub repo id),
 * and the user's data files turned into training and validation data for the
 * Trainer, with what was decided along the way (sizes, split, sequence
 * length) in words for the progress header.
 */
import { existsSync, statSync } from 'node:fs';
import { parseDataset, prepareImageSamples, prepareTokenSequences } from '../../src/engine/data/index';
import { readDataFiles } from '../../src/engine/data/node-files';
import type { DataSplit, Dataset, ImageDataset, ImageExample, TextDataset } from '../../src/engine/data/types';
import { InputFileError } from '../../src/engine/errors';
import { DirectorySource } from '../../src/engine/io/node-source';
import type { FileSource } from '../../src/engine/io/source';
import { hubSource } from '../../src/engine/io/url-source';
import type { Model } from '../../src/engine/models/model';
import type { CausalLMConfig, ImageClassifierConfig } from '../../src/engine/models/types';
import { loadImagePreprocessor } from '../../src/engine/preprocess/image';
import { loadTokenizer } from '../../src/engine/tokenizer';
import { splitTrainValidation, type TrainingData } from '../../src/engine/train/batches';
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
  /** What was read and decided, one line each, for the header. */
  notes: string[];
}

/** Reads, parses and prepares the data for `model` (tokenised, or labelled and preprocessed). */
export async function prepareData(model: Model, source: FileSource, options: DataOptions): Promise<PreparedData> {
  const dataset = await readDataset(options.data);
  const valDataset = options.valData.length > 0 ? await readDataset(options.valData) : null;
  const config = model.config;
  if (config.task === 'causal-lm') {
    return prepareText(config, source, expectText(dataset, options.data), valDataset && expectText(valDataset, options.valData), options);
  }
  return prepareImages(config, source, expectImages(dataset, options.data), valDataset && expectImages(valDataset, options.valData), options);
}

async function readDataset(paths: string[]): Promise<Dataset> {
  return parseDataset(await readDataFiles(paths));
}

function expectText(dataset: Dataset, paths: string[]): TextDataset {
  if (dataset.task !== 'causal-lm') {
    throw new InputFileError(paths.join(', '), 'holds images, but the model is a language model: give text (.txt, .jsonl, .json, .csv)');
  }
  return dataset;
}

function expectImages(dataset: Dataset, paths: string[]): ImageDataset {
  if (dataset.task !== 'image-classification') {
    throw new InputFileError(paths.join(', '), 'holds text, but the model classifies images: give images in class folders, a .zip or a path,label .csv');
  }
  return dataset;
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
  const prepare = (d: TextDataset) => prepareTokenSequences(d, tokenizer, { seqLength, onWarning: (m) => notes.push(m) });
  const sequences = prepare(dataset);
  let train = sequences;
  let validation = valDataset ? prepare(valDataset) : [];
  let how = `from ${options.valData.join(', ')}`;
  if (!valDataset) {
    // Plain text is one stream cut in blocks, so the split is over blocks.
    ({ train, validation } = splitTrainValidation(sequences, options.valFraction, options.seed));
    how = `a seeded ${options.valFraction} of the sequences`;
  }
  notes.unshift(`data: ${dataset.files.join(', ')}: ${train.length} training sequences of ≤ ${seqLength} tokens; validation: ${validation.length} (${how})`);
  return {
    train: { kind: 'tokens', sequences: train },
    validation: validation.length > 0 ? { kind: 'tokens', sequences: validation } : null,
    notes,
  };
}

async function prepareImages(
  config: ImageClassifierConfig,
  source: FileSource,
  dataset: ImageDataset,
  valDataset: ImageDataset | null,
  options: DataOptions,
): Promise<PreparedData> {
  const preprocessor = await loadImagePreprocessor(source, config);
  const labels = headLabels(config, dataset);
  const { train, validation, how } = splitImages(dataset, valDataset, options);
  const imageShape: [number, number, number] = [preprocessor.channels, preprocessor.height, preprocessor.width];
  const asData = (examples: ImageExample[]): TrainingData => ({
    kind: 'images',
    samples: prepareImageSamples({ ...dataset, examples }, labels),
    preprocess: (image) => preprocessor.preprocess(image),
    imageShape,
  });
  const notes = [
    `data: ${train.length} training images in ${labels.length} classes (${labels.slice(0, 10).join(', ')}${labels.length > 10 ? ', …' : ''}); ` +
      `validation: ${validation.length} (${how})`,
    ...preprocessor.notes.map((n) => `preprocessing: ${n}`),
    ...dataset.warnings,
  ];
  return { train: asData(train), validation: validation.length > 0 ? asData(validation) : null, labels, notes };
}

/**
 * The classes of the head: the checkpoint's own order when the data has
 * exactly its labels (the head is kept), else the data's sorted labels (a
 * new head of that size is made when the count differs).
 */
function headLabels(config: ImageClassifierConfig, dataset: ImageDataset): string[] {
  const same = config.labels.length === dataset.labels.length && dataset.labels.every((l) => config.labels.includes(l));
  return same ? config.labels : dataset.labels;
}

/** --val-data; else the data's own validation (or test) split; else a seeded split stratified by label. */
function splitImages(
  dataset: ImageDataset,
  valDataset: ImageDataset | null,
  options: DataOptions,
): { train: ImageExample[]; validation: ImageExample[]; how: string } {
  if (valDataset) return { train: dataset.examples, validation: valDataset.examples, how: `from ${options.valData.join(', ')}` };
  const held: DataSplit | undefined = (['validation', 'test'] as const).find((s) => dataset.examples.some((e) => e.split === s));
  if (held) {
    return {
      train: dataset.examples.filter((e) => e.split === undefined || e.split === 'train'),
      validation: dataset.examples.filter((e) => e.split === held),
      how: `the data's own ${held} split`,
    };
  }
  const { train, validation } = splitTrainValidation(dataset.examples, options.valFraction, options.seed, (e) => e.label);
  return { train, validation, how: `a seeded ${options.valFraction} of the images, stratified by class` };
}
