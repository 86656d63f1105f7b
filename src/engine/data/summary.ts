/**
 * What the UI shows about a dataset before training: counts, sizes and a
 * few examples. Plain data only (safe to post from a worker).
 */
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
  /** The first image of each label (up to PREVIEW_ITEMS). */
  preview: { label: string; source: string; image: RgbaImage }[];
}

export type DatasetSummary = TextDatasetSummary | ImageDatasetSummary;

/** Summarises a dataset; give a tokenizer to count tokens (text datasets). */
export function datasetSummary(dataset: Dataset, tokenizer?: TokenEncoder): DatasetSummary {
  return dataset.task === 'causal-lm' ? textSummary(dataset, tokenizer) : imageSummary(dataset);
}

function textSummary(dataset: TextDataset, tokenizer?: TokenEncoder): TextDatasetSummary {
  const pieces = dataset.examples.flatMap((example) => (example.kind === 'text' ? [example.text] : [example.prompt, example.completion]));
  const characterCount = pieces.reduce((total, piece) => total + piece.length, 0);
  const tokenCount = tokenizer ? pieces.reduce((total, piece) => total + tokenizer.encode(piece).length, 0) : null;
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
  return {
    task: 'image-classification',
    exampleCount: dataset.examples.length,
    labelCounts: [...counts].map(([label, count]) => ({ label, count })),
    splitCounts: splitOrder.filter((split) => splits.has(split)).map((split) => ({ split, count: splits.get(split) ?? 0 })),
    sizes,
    files: dataset.files,
    warnings: dataset.warnings,
    preview: preview.sort((a, b) => dataset.labels.indexOf(a.label) - dataset.labels.indexOf(b.label)),
  };
}
