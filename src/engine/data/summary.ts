/**
 * What the UI shows about a dataset before training: counts, sizes and a
 * few examples. Plain data only (safe to post from a worker).
 */
import { listSome } from './text';
import type { DataSplit, Dataset, ImageDataset, RgbaImage, TextDataset, TokenEncoder } from './types';

/** Characters of text shown per preview item. */
export const PREVIEW_CHARACTERS = 300;
/** Items in a preview. */
export const PREVIEW_ITEMS = 10;

export interface LabelCount {
  label: string;
  count: number;
}

export type TextPreviewItem =
  | { kind: 'text'; text: string; source: string }
  | { kind: 'pair'; prompt: string; completion: string; source: string };

export interface TextDatasetSummary {
  task: 'causal-lm';
  kind: 'text' | 'pairs';
  exampleCount: number;
  characterCount: number;
  /** Tokens in all examples, when a tokenizer was given. */
  tokenCount: number | null;
  files: string[];
  warnings: string[];
  /** What was done to the data, in words (how the text was split into documents). */
  notes: string[];
  preview: TextPreviewItem[];
}

export interface ImageDatasetSummary {
  task: 'image-classification';
  exampleCount: number;
  /** Examples per label, in the dataset's label order. */
  labelCounts: LabelCount[];
  /** Examples per split named by the dataset's layout; empty when unsplit. */
  splitCounts: { split: DataSplit; count: number }[];
  /** Smallest and largest image sides. */
  sizes: { minWidth: number; maxWidth: number; minHeight: number; maxHeight: number };
  files: string[];
  warnings: string[];
  /** What was done to the images, in words (transparency composited on white). */
  notes: string[];
  /** Images that had transparency (composited on white). */
  transparentImages: number;
  /** Images of a single colour once decoded and composited: nothing to learn from. */
  blankImages: number;
  /** Images that are exact copies of an earlier image (same size and pixels). */
  identicalImages: number;
  /** The first image of each label (up to PREVIEW_ITEMS). */
  preview: { label: string; source: string; image: RgbaImage }[];
}

export type DatasetSummary = TextDatasetSummary | ImageDatasetSummary;

/** Summarises a dataset; give a tokenizer to count tokens (text datasets). */
export function datasetSummary(dataset: Dataset, tokenizer?: TokenEncoder): DatasetSummary {
  return dataset.task === 'causal-lm' ? textSummary(dataset, tokenizer) : imageSummary(dataset);
}

function textSummary(dataset: TextDataset, tokenizer?: TokenEncoder): TextDatasetSummary {
  const pieces = dataset.examples.flatMap((example) =>
    example.kind === 'text' ? [{ text: example.text, source: example.source }] : [{ text: example.prompt, source: example.source }, { text: example.completion, source: example.source }],
  );
  const characterCount = pieces.reduce((total, piece) => total + piece.text.length, 0);
  const tokenCount = tokenizer ? pieces.reduce((total, piece) => total + tokenizer.encode(piece.text, piece.source).length, 0) : null;
  const preview = dataset.examples.slice(0, PREVIEW_ITEMS).map((example): TextPreviewItem =>
    example.kind === 'text'
      ? { kind: 'text', text: clip(example.text), source: example.source }
      : { kind: 'pair', prompt: clip(example.prompt), completion: clip(example.completion), source: example.source },
  );
  return {
    task: 'causal-lm',
    kind: dataset.examples[0]?.kind === 'pair' ? 'pairs' : 'text',
    exampleCount: dataset.examples.length,
    characterCount,
    tokenCount,
    files: dataset.files,
    warnings: dataset.warnings,
    notes: dataset.notes ?? [],
    preview,
  };
}

function clip(text: string): string {
  return text.length > PREVIEW_CHARACTERS ? `${text.slice(0, PREVIEW_CHARACTERS)}…` : text;
}

function imageSummary(dataset: ImageDataset): ImageDatasetSummary {
  const counts = new Map(dataset.labels.map((label) => [label, 0]));
  const splits = new Map<DataSplit, number>();
  const preview: ImageDatasetSummary['preview'] = [];
  const sizes = { minWidth: Infinity, maxWidth: 0, minHeight: Infinity, maxHeight: 0 };
  for (const example of dataset.examples) {
    if (counts.get(example.label) === 0 && preview.length < PREVIEW_ITEMS) {
      preview.push({ label: example.label, source: example.source, image: example.image });
    }
    counts.set(example.label, (counts.get(example.label) ?? 0) + 1);
    if (example.split) splits.set(example.split, (splits.get(example.split) ?? 0) + 1);
    sizes.minWidth = Math.min(sizes.minWidth, example.image.width);
    sizes.maxWidth = Math.max(sizes.maxWidth, example.image.width);
    sizes.minHeight = Math.min(sizes.minHeight, example.image.height);
    sizes.maxHeight = Math.max(sizes.maxHeight, example.image.height);
  }
  if (dataset.examples.length === 0) Object.assign(sizes, { minWidth: 0, minHeight: 0 });
  const splitOrder: DataSplit[] = ['train', 'validation', 'test'];
  const content = imageContent(dataset);
  return {
    task: 'image-classification',
    exampleCount: dataset.examples.length,
    labelCounts: [...counts].map(([label, count]) => ({ label, count })),
    splitCounts: splitOrder.filter((split) => splits.has(split)).map((split) => ({ split, count: splits.get(split) ?? 0 })),
    sizes,
    files: dataset.files,
    warnings: [...dataset.warnings, ...contentWarnings(content, dataset.examples.length)],
    notes: dataset.notes ?? [],
    transparentImages: dataset.transparentImages ?? 0,
    blankImages: content.blank.length,
    identicalImages: content.copies.length,
    preview: preview.sort((a, b) => dataset.labels.indexOf(a.label) - dataset.labels.indexOf(b.label)),
  };
}

/** Which images are blank (one colour) and which are copies of an earlier one (sources; for a copy, "copy = original"). */
interface ImageContent {
  blank: string[];
  copies: string[];
}

function imageContent(dataset: ImageDataset): ImageContent {
  const blank: string[] = [];
  const copies: string[] = [];
  const byHash = new Map<string, number[]>();
  dataset.examples.forEach((example, index) => {
    const { image } = example;
    if (isSingleColour(image)) blank.push(example.source);
    const key = `${image.width}x${image.height}:${pixelHash(image.data)}`;
    const same = byHash.get(key) ?? [];
    // A hash match is confirmed byte for byte, so a collision never counts as a copy.
    const original = same.find((other) => equalBytes(dataset.examples[other].image.data, image.data));
    if (original !== undefined) copies.push(`${example.source} = ${dataset.examples[original].source}`);
    else same.push(index);
    byHash.set(key, same);
  });
  return { blank, copies };
}

function contentWarnings(content: ImageContent, total: number): string[] {
  const warnings: string[] = [];
  if (content.blank.length === total && total > 0) {
    warnings.push(`All ${total} images are blank (a single colour) after preprocessing: the model cannot learn from them`);
  } else if (content.blank.length > 0) {
    warnings.push(`${content.blank.length} of ${total} images are blank (a single colour) after preprocessing: ${listSome(content.blank)}`);
  }
  if (total > 1 && content.copies.length === total - 1) {
    warnings.push(`All ${total} images are identical after preprocessing: the model cannot tell the classes apart`);
  } else if (content.copies.length > 0) {
    warnings.push(`${content.copies.length} of ${total} images are identical to another after preprocessing: ${listSome(content.copies, 3)}`);
  }
  return warnings;
}

function isSingleColour(image: RgbaImage): boolean {
  const { data } = image;
  for (let i = 4; i < data.length; i += 4) {
    if (data[i] !== data[0] || data[i + 1] !== data[1] || data[i + 2] !== data[2] || data[i + 3] !== data[3]) return false;
  }
  return true;
}

/** FNV-1a, 32 bits: enough to bucket images before comparing them exactly. */
function pixelHash(data: RgbaImage['data']): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < data.length; i++) hash = Math.imul(hash ^ data[i], 0x01000193);
  return hash >>> 0;
}

function equalBytes(a: RgbaImage['data'], b: RgbaImage['data']): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
