/**
 * For the train CLI: where the model comes from (a folder, or a Hub repo id),
 * and the user's data files turned into training and validation data for the
 * Trainer, with what was decided along the way (sizes, split, sequence
 * length) in words for the progress header.
 */
import { existsSync, statSync } from 'node:fs';
import { parseDataset, prepareTokenSequences } from '../../src/engine/data/index';
import { readDataFiles } from '../../src/engine/data/node-files';
import {
  assertDatasetSuitsTask,
  headLabels,
  imageTrainingData,
  splitImageExamples,
  splitSequences,
} from '../../src/engine/data/training-data';
import type { Dataset, ImageDataset, TextDataset } from '../../src/engine/data/types';
import { InputFileError } from '../../src/engine/errors';
import { DirectorySource } from '../../src/engine/io/node-source';
import type { FileSource } from '../../src/engine/io/source';
import { hubSource } from '../../src/engine/io/url-source';
import type { Model } from '../../src/engine/models/model';
import type { CausalLMConfig, ImageClassifierConfig } from '../../src/engine/models/types';
import { loadImagePreprocessor } from '../../src/engine/preprocess/image';
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
  const prepare = (d: TextDataset) => prepareTokenSequences(d, tokenizer, { seqLength, onWarning: (m) => notes.push(m) });
  const split = splitSequences(prepare(dataset), valDataset && prepare(valDataset), options.valFraction, options.seed);
  const { train, validation } = split;
  const how = valDataset ? `from ${options.valData.join(', ')}` : split.how;
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
  const split = splitImageExamples(dataset.examples, valDataset?.examples ?? null, options.valFraction, options.seed);
  const { train, validation } = split;
  const how = valDataset ? `from ${options.valData.join(', ')}` : split.how;
  const asData = (examples: ImageDataset['examples']) => imageTrainingData(dataset, examples, labels, preprocessor);
  const notes = [
    `data: ${train.length} training images in ${labels.length} classes (${labels.slice(0, 10).join(', ')}${labels.length > 10 ? ', …' : ''}); ` +
      `validation: ${validation.length} (${how})`,
    ...preprocessor.notes.map((n) => `preprocessing: ${n}`),
    ...dataset.warnings,
  ];
  return { train: asData(train), validation: validation.length > 0 ? asData(validation) : null, labels, notes };
}
