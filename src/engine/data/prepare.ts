/**
 * Turns parsed datasets into training samples: token sequences for language
 * modelling, labelled images for classification. Pure and deterministic (no
 * shuffling here: the trainer shuffles with its seed).
 */
import { InputFileError } from '../errors';
import type { DataSplit, ImageDataset, ImageSample, TextDataset, TokenEncoder, TokenSequence } from './types';

export interface TokenSequenceOptions {
  /** Tokens per sequence (the model's context or less); at least 2. */
  seqLength: number;
  /** Told once about anything worth knowing (pairs truncated, pairs dropped). */
  onWarning?: (message: string) => void;
}

/**
 * Language-modelling sequences.
 *
 * Plain text: each document is tokenised, the documents are joined into one
 * stream with the tokenizer's EOS token between them (nothing when it has
 * none), and the stream is cut into blocks of `seqLength` tokens. The last,
 * partial block is not dropped or padded: it is the stream's final
 * `seqLength` tokens, overlapping the block before it, with a loss mask that
 * counts only the tokens no earlier block had as targets. So every block is
 * full length, and every token is a target at most once. A stream shorter
 * than `seqLength` gives one shorter sequence.
 *
 * Prompt/completion pairs: one sequence each, prompt ids then completion ids
 * then EOS, with lossMask 1 exactly on the completion tokens and the EOS.
 * Prompt and completion are tokenised separately (so the boundary is exact;
 * completions usually start with a space). A pair longer than `seqLength`
 * loses tokens from the start of its prompt first; only when the completion
 * (with EOS) alone does not fit is the completion cut from its end, keeping
 * one prompt token so that the completion's first token is still predicted.
 */
export function prepareTokenSequences(dataset: TextDataset, tokenizer: TokenEncoder, options: TokenSequenceOptions): TokenSequence[] {
  const { seqLength } = options;
  if (!Number.isInteger(seqLength) || seqLength < 2) throw new RangeError(`seqLength must be an integer of at least 2, got ${seqLength}`);
  const documents = dataset.examples.flatMap((example) => (example.kind === 'text' ? [{ text: example.text, source: example.source }] : []));
  const pairs = dataset.examples.flatMap((example) => (example.kind === 'pair' ? [example] : []));
  const sequences = [...packDocuments(documents, tokenizer, seqLength), ...pairSequences(pairs, tokenizer, seqLength, options.onWarning)];
  if (sequences.length === 0) {
    throw new InputFileError(dataset.files.join(', ') || 'dataset', 'has too little text to train on (fewer than 2 tokens)');
  }
  return sequences;
}

/** A text document and the file it came from (named when it cannot be tokenised). */
type Document = { text: string; source?: string };

/** Tokenises documents into one stream (EOS between documents). */
export function tokenStream(documents: readonly Document[], tokenizer: TokenEncoder): Int32Array {
  const parts: number[][] = [];
  documents.forEach((document, index) => {
    if (index > 0 && tokenizer.eosTokenId !== null) parts.push([tokenizer.eosTokenId]);
    parts.push(tokenizer.encode(document.text, document.source));
  });
  const stream = new Int32Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    stream.set(part, offset);
    offset += part.length;
  }
  return stream;
}

function packDocuments(documents: readonly Document[], tokenizer: TokenEncoder, seqLength: number): TokenSequence[] {
  if (documents.length === 0) return [];
  const stream = tokenStream(documents, tokenizer);
  if (stream.length < 2) return [];
  if (stream.length <= seqLength) return [{ ids: stream.slice(), lossMask: null }];
  const fullBlocks = Math.floor(stream.length / seqLength);
  const sequences: TokenSequence[] = [];
  for (let block = 0; block < fullBlocks; block++) {
    sequences.push({ ids: stream.slice(block * seqLength, (block + 1) * seqLength), lossMask: null });
  }
  const covered = fullBlocks * seqLength;
  if (covered < stream.length) {
    const start = stream.length - seqLength;
    const lossMask = new Uint8Array(seqLength);
    // Token t of this block is stream[start + t]; only tokens past the full blocks are new targets.
    lossMask.fill(1, covered - start);
    sequences.push({ ids: stream.slice(start), lossMask });
  }
  return sequences;
}

type Pair = { prompt: string; completion: string; source?: string };

function pairSequences(pairs: readonly Pair[], tokenizer: TokenEncoder, seqLength: number, onWarning?: (message: string) => void): TokenSequence[] {
  const sequences: TokenSequence[] = [];
  let truncated = 0;
  let empty = 0;
  for (const pair of pairs) {
    const promptIds = tokenizer.encode(pair.prompt, pair.source);
    const completionIds = withoutLeadingBos(tokenizer.encode(pair.completion, pair.source), tokenizer);
    if (tokenizer.eosTokenId !== null) completionIds.push(tokenizer.eosTokenId);
    if (completionIds.length === 0) {
      empty++;
      continue;
    }
    if (promptIds.length + completionIds.length > seqLength) truncated++;
    sequences.push(pairSequence(promptIds, completionIds, seqLength));
  }
  if (truncated > 0) {
    onWarning?.(`${truncated} of ${pairs.length} prompt/completion pairs are longer than ${seqLength} tokens and were truncated (prompt start first)`);
  }
  if (empty > 0) onWarning?.(`${empty} prompt/completion pairs have a completion of no tokens and were left out`);
  return sequences;
}

/** Encoders that add BOS to every text would put one mid-sequence, before the completion: drop it. */
function withoutLeadingBos(ids: number[], tokenizer: TokenEncoder): number[] {
  return tokenizer.bosTokenId !== null && ids[0] === tokenizer.bosTokenId ? ids.slice(1) : ids.slice();
}

/** Builds one pair's sequence, truncated to seqLength as documented above. */
export function pairSequence(promptIds: readonly number[], completionIds: readonly number[], seqLength: number): TokenSequence {
  let promptKeep = promptIds.length;
  let completionKeep = completionIds.length;
  if (promptKeep + completionKeep > seqLength) {
    promptKeep = Math.min(promptIds.length, Math.max(seqLength - completionIds.length, promptIds.length > 0 ? 1 : 0));
    completionKeep = seqLength - promptKeep;
  }
  const ids = new Int32Array(promptKeep + completionKeep);
  ids.set(promptIds.slice(promptIds.length - promptKeep), 0);
  ids.set(completionIds.slice(0, completionKeep), promptKeep);
  const lossMask = new Uint8Array(ids.length);
  lossMask.fill(1, promptKeep);
  return { ids, lossMask };
}

/**
 * Labelled images. Class indices follow `labels` (e.g. the label order of a
 * model's classification head) or, by default, the dataset's sorted labels.
 * An example whose label is not in `labels` is an error naming its file.
 */
export function prepareImageSamples(dataset: ImageDataset, labels: readonly string[] = dataset.labels): ImageSample[] {
  const indexOf = new Map(labels.map((label, index) => [label, index]));
  return dataset.examples.map((example) => {
    const label = indexOf.get(example.label);
    if (label === undefined) {
      throw new InputFileError(example.source, `has the label "${example.label}", which is not one of the ${labels.length} expected: ${labels.slice(0, 20).join(', ')}`);
    }
    return { image: example.image, label };
  });
}

/** The examples of one split (per the dataset's own folders or CSV), keeping the full label list. */
export function selectSplit(dataset: ImageDataset, split: DataSplit): ImageDataset {
  return { ...dataset, examples: dataset.examples.filter((example) => example.split === split) };
}

/** The splits a dataset's layout names (train, validation, test order); empty when it comes unsplit. */
export function splitsOf(dataset: ImageDataset): DataSplit[] {
  const present = new Set(dataset.examples.map((example) => example.split));
  return (['train', 'validation', 'test'] as const).filter((split) => present.has(split));
}

export { datasetSummary } from './summary';
