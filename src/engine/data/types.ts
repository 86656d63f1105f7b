/**
 * Datasets as the engine sees them. Parsers (pure functions over bytes) turn
 * the user's files into these; preparation turns them into training samples.
 */

import type { ArchiveBudget } from './archive';

/** A decoded image: RGBA, row-major, 4 bytes per pixel. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

/** A file handed to a parser: its path (as the user would name it) and its bytes. */
export interface DataFile {
  path: string;
  bytes: Uint8Array;
}

/** What data preparation needs of a tokenizer (src/engine/tokenizer.ts implements it). */
export interface TokenEncoder {
  /** `origin` (the text's file) names it when the text cannot be tokenised. */
  encode(text: string, origin?: string): number[];
  readonly eosTokenId: number | null;
  readonly bosTokenId: number | null;
}

/** One language-modelling example: plain text, or a prompt with its completion. */
export type TextExample =
  | { kind: 'text'; text: string; source: string }
  | { kind: 'pair'; prompt: string; completion: string; source: string };

export interface TextDataset {
  task: 'causal-lm';
  examples: TextExample[];
  /** The files it was read from. */
  files: string[];
  /** Non-fatal remarks for the user (skipped empty lines, ...). */
  warnings: string[];
  /** What was done to the data, in words ("sotu.txt: split at blank lines into 65 documents"). */
  notes?: string[];
}

/** Which split a dataset's own layout puts an example in (a `train/` or `val/` folder, a CSV `split` column). */
export type DataSplit = 'train' | 'validation' | 'test';

export interface ImageExample {
  image: RgbaImage;
  label: string;
  /** The file it came from, for messages and previews. */
  source: string;
  /** The split its folder or CSV row names, when the dataset comes split; absent otherwise. */
  split?: DataSplit;
}

export interface ImageDataset {
  task: 'image-classification';
  examples: ImageExample[];
  /** Sorted label names; an example's class index is its label's index here. */
  labels: string[];
  files: string[];
  warnings: string[];
  /** What was done to the images, in words ("3 images had transparency: composited on white"). */
  notes?: string[];
  /** Images with any pixel not fully opaque, composited on white when decoded. */
  transparentImages?: number;
}

/** How images are kept once decoded (see parseImageDataset). */
export interface DatasetParseOptions {
  /**
   * Shrinks a decoded image to what the model reads (ImagePreprocessor.fit),
   * as soon as it is decoded, so no more pixels are kept than are used.
   * Without it images are kept at their size (composited on white).
   */
  fitImage?: (image: RgbaImage) => RgbaImage;
  /** Bytes of decoded RGBA a dataset may keep, all images together (default MAX_DECODED_IMAGE_BYTES). */
  maxDecodedBytes?: number;
  /** The uncompressed-bytes budget archives draw on; share one to cover training and held-out files together. */
  archiveBudget?: ArchiveBudget;
}

export type Dataset = TextDataset | ImageDataset;

/** A training sequence: token ids and, for prompt/completion data, which tokens count in the loss. */
export interface TokenSequence {
  ids: Int32Array;
  /** 1 where the token is a target of the loss; null when every token is. */
  lossMask: Uint8Array | null;
}

/** A labelled image ready for batching (preprocessed per batch, to bound memory). */
export interface ImageSample {
  image: RgbaImage;
  label: number;
}
