/**
 * Reads the user's dataset files (dropped, or bundled by URL), parses them
 * with the engine, and describes the result for the data panel.
 */
import { DEFAULT_MAX_BUNDLE_DATA_BYTES } from '../engine/adapters/handoff/pytorch-bundle';
import { archiveBudget, datasetSummary, parseDataset } from '../engine/data/index';
import { splitImageExamples, textSplitCounts } from '../engine/data/training-data';
import type { DataFile, Dataset, DatasetParseOptions, ImageDataset, RgbaImage, TokenEncoder } from '../engine/data/types';
import { InputFileError } from '../engine/errors';
import type { FetchFunction } from '../engine/io/url-source';
import type { DatasetSourceSpec, DatasetSummary, DatasetPreview, DroppedFile } from './protocol';

/** Seeds the validation split, the same for every run so runs are compared on the same held-out data. */
export const SPLIT_SEED = 0;

export interface LoadedDataset {
  name: string;
  dataset: Dataset;
  /** Held-out data given as its own files; null: a split of `dataset` is held out. */
  validation: Dataset | null;
  validationFraction: number;
  /** Held-out images (or sequences) evaluated at most. */
  evaluationLimit: number;
  /**
   * The files as read, for the "Continue in PyTorch" bundle: their bytes only up to the bundle's limit (above
   * it the bundle names them, and their total `bytes`, without holding them); absent where only parsed data was given.
   */
  files?: DatasetFiles & { bytes: number };
}

/** Text files named as held-out data: `sotu.val.txt`, `notes.validation.jsonl`, `x.test.csv`. */
const VALIDATION_FILE = /\.(val|valid|validation|test)\.(txt|jsonl|json|csv)$/i;

export interface DatasetFiles {
  train: DataFile[];
  validation: DataFile[];
}

export async function readDatasetFiles(source: DatasetSourceSpec, fetchFn: FetchFunction): Promise<DatasetFiles> {
  if (source.kind === 'urls') {
    const download = (urls: string[]) => Promise.all(urls.map((url) => downloadFile(url, fetchFn)));
    return { train: await download(source.urls), validation: await download(source.validationUrls) };
  }
  const files = await Promise.all(source.files.map(({ path, file }) => readFile(path, file)));
  const validation = files.filter((f) => VALIDATION_FILE.test(f.path));
  // Only held-out files were dropped: they are the data, split as usual.
  if (validation.length === files.length) return { train: files, validation: [] };
  return { train: files.filter((f) => !validation.includes(f)), validation };
}

async function readFile(path: string, file: File): Promise<DataFile> {
  try {
    return { path, bytes: new Uint8Array(await file.arrayBuffer()) };
  } catch (error) {
    throw new InputFileError(path, `could not be read (${(error as Error).message})`);
  }
}

async function downloadFile(url: string, fetchFn: FetchFunction): Promise<DataFile> {
  const path = decodeURIComponent(new URL(url).pathname.split('/datasets/').pop() ?? url);
  let response: Response;
  try {
    response = await fetchFn(url);
  } catch (error) {
    throw new InputFileError(url, `could not be downloaded (${(error as Error).message})`);
  }
  if (!response.ok) throw new InputFileError(url, `could not be downloaded (HTTP ${response.status})`);
  return { path, bytes: new Uint8Array(await response.arrayBuffer()) };
}

/** `options.fitImage` shrinks images to the loaded model's input as they are decoded. */
export function parseDatasetFiles(
  files: DatasetFiles,
  name: string,
  validationFraction: number,
  evaluationLimit: number,
  options: DatasetParseOptions = {},
): LoadedDataset {
  // One archive budget for the training and the held-out files together.
  const shared: DatasetParseOptions = { archiveBudget: archiveBudget(), ...options };
  const dataset = parseDataset(files.train, shared);
  const validation = files.validation.length > 0 ? parseDataset(files.validation, shared) : null;
  if (validation && validation.task !== dataset.task) {
    throw new InputFileError(files.validation[0].path, `is ${validation.task === 'causal-lm' ? 'text' : 'images'}, but the training files are not`);
  }
  return { name, dataset, validation, validationFraction, evaluationLimit, files: keptForBundle(files) };
}

/** The files with their bytes when a bundle would carry them; else only their names and total size (memory is not held twice). */
function keptForBundle(files: DatasetFiles): DatasetFiles & { bytes: number } {
  const bytes = [...files.train, ...files.validation].reduce((total, f) => total + f.bytes.byteLength, 0);
  if (bytes <= DEFAULT_MAX_BUNDLE_DATA_BYTES) return { ...files, bytes };
  const named = (list: DataFile[]) => list.map((f) => ({ path: f.path, bytes: new Uint8Array(0) }));
  return { train: named(files.train), validation: named(files.validation), bytes };
}

/** Tokens of held-out text evaluation reads at most (see run-data.ts). */
export const MAX_EVALUATION_TOKENS = 4096;

/** Says when evaluation will use only part of the held-out data. */
function evaluationWarning(validationCount: number, limit: number): string[] {
  return validationCount > limit ? [`Evaluation uses a fixed, stratified ${limit} of the ${validationCount} held-out examples, to keep it quick.`] : [];
}

/**
 * What the data panel shows. Text is split into training blocks per run (at
 * the run's sequence length), so for text the counts are of examples split
 * at the same fraction.
 */
export function summariseDataset(loaded: LoadedDataset, tokenizer?: TokenEncoder): DatasetSummary {
  const { dataset, validation: held } = loaded;
  const summary = datasetSummary(dataset, tokenizer);
  const files = held ? [...dataset.files, ...held.files] : dataset.files;
  if (dataset.task === 'image-classification' && summary.task === 'image-classification') {
    const split = splitImageExamples(dataset.examples, held?.task === 'image-classification' ? held.examples : null, loaded.validationFraction, SPLIT_SEED);
    const preview: DatasetPreview = {
      kind: 'image',
      items: summary.preview.map((p) => ({ label: p.label, source: p.source, width: p.image.width, height: p.image.height, rgba: new Uint8ClampedArray(p.image.data) })),
    };
    return {
      name: loaded.name,
      task: dataset.task,
      files,
      examples: summary.exampleCount + (held?.examples.length ?? 0),
      trainCount: split.train.length,
      validationCount: split.validation.length,
      labelCounts: summary.labelCounts,
      characters: null,
      tokens: null,
      preview,
      warnings: [...summary.warnings, ...evaluationWarning(split.validation.length, loaded.evaluationLimit)],
      notes: summary.notes,
      splitHow: split.how,
      imageChecks: { transparent: summary.transparentImages, blank: summary.blankImages, identical: summary.identicalImages },
    };
  }
  if (dataset.task !== 'causal-lm' || summary.task !== 'causal-lm') throw new Error('dataset summary does not match its dataset');
  // Counted in the units evaluation splits by (documents, pairs, or one document's blocks): see planTextSplit.
  const counts = textSplitCounts(dataset, held?.task === 'causal-lm' ? held : null, loaded.validationFraction, SPLIT_SEED, tokenizer);
  return {
    name: loaded.name,
    task: 'causal-lm',
    files,
    examples: dataset.examples.length + (held?.examples.length ?? 0),
    trainCount: counts.train,
    validationCount: counts.validation,
    splitUnit: counts.unit,
    splitHow: counts.how,
    notes: [...summary.notes, ...(held?.notes ?? [])],
    labelCounts: null,
    characters: summary.characterCount,
    tokens: summary.tokenCount,
    preview: {
      kind: 'text',
      samples: summary.preview.map((p) => (p.kind === 'text' ? p.text : `${p.prompt} → ${p.completion}`)),
    },
    warnings: [
      ...summary.warnings,
      ...(counts.warning ? [counts.warning] : []),
      `Evaluation reads at most ${loaded.evaluationLimit} held-out sequences and ${MAX_EVALUATION_TOKENS.toLocaleString('en-US')} tokens (a fixed subset), to keep it quick.`,
    ],
  };
}

/** Images of a labelled folder that Try it scores at most (each is one forward pass per run). */
export const MAX_SCORED_IMAGES = 2000;

export interface LabelledFolder {
  name: string;
  /** The images scored (the first MAX_SCORED_IMAGES in file order), with the folder's labels. */
  dataset: ImageDataset;
  /** Images read, before the limit. */
  images: number;
  notes: string[];
}

/**
 * A folder or zip of labelled images for Try it, read like an image dataset
 * (one subfolder per class, or a labels CSV) with every split together:
 * scoring uses them all. `fitImage` shrinks each to the model's input.
 */
export async function readLabelledFolder(files: DroppedFile[], fitImage: (image: RgbaImage) => RgbaImage): Promise<LabelledFolder> {
  if (files.length === 0) throw new Error('no files were dropped');
  const read = await Promise.all(files.map(({ path, file }) => readFile(path, file)));
  const name = read.length === 1 ? read[0].path : read[0].path.split('/')[0];
  const dataset = parseDataset(read, { archiveBudget: archiveBudget(), fitImage });
  if (dataset.task !== 'image-classification') {
    throw new InputFileError(name, 'holds text, not labelled images: drop a folder (or zip) with one subfolder of images per class');
  }
  const images = dataset.examples.length;
  const notes = [...dataset.warnings, ...(dataset.notes ?? [])];
  if (images > MAX_SCORED_IMAGES) notes.push(`The first ${MAX_SCORED_IMAGES.toLocaleString('en-US')} of the ${images.toLocaleString('en-US')} images (in file order) were scored.`);
  return { name, dataset: { ...dataset, examples: dataset.examples.slice(0, MAX_SCORED_IMAGES) }, images, notes };
}
