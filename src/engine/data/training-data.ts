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
import { prepareImageSamples, prepareTokenSequences } from './prepare';
import type { DataSplit, Dataset, ImageDataset, ImageExample, TextDataset, TextExample, TokenEncoder, TokenSequence } from './types';

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

/**
 * How text is held out, decided the same way for the data summary and for
 * every run: the held-out files; else a seeded share of the documents (or
 * pairs), so the counts the summary shows are exactly the documents whose
 * blocks evaluation reads; else, for a single document, a seeded share of
 * its token blocks (the only way to hold any of it out).
 */
export interface TextSplitPlan {
  /** The split by document; null when a single document is split by token block. */
  byDocument: { train: TextExample[]; validation: TextExample[] } | null;
  /** What one counted unit is: "documents", "prompt/completion pairs", or "blocks". */
  unit: 'documents' | 'prompt/completion pairs' | 'blocks';
  how: string;
}

export function planTextSplit(dataset: TextDataset, heldOut: TextDataset | null, fraction: number, seed: number): TextSplitPlan {
  const unit = dataset.examples[0]?.kind === 'pair' ? 'prompt/completion pairs' : 'documents';
  if (heldOut) return { byDocument: { train: [...dataset.examples], validation: [...heldOut.examples] }, unit, how: 'the held-out files' };
  const { train, validation } = splitTrainValidation(dataset.examples, fraction, seed);
  if (validation.length > 0 && train.length > 0) {
    return { byDocument: { train, validation }, unit, how: `a seeded ${fraction} of the ${dataset.examples.length} ${unit}` };
  }
  if (unit === 'documents' && dataset.examples.length === 1 && fraction > 0) {
    return { byDocument: null, unit: 'blocks', how: `a seeded ${fraction} of the token blocks of its one document` };
  }
  return { byDocument: { train: [...dataset.examples], validation: [] }, unit, how: fraction > 0 ? 'none: too few examples to hold any out' : 'none (validation split 0)' };
}

export interface TextSequenceSplit extends HeldOutSplit<TokenSequence> {
  plan: TextSplitPlan;
}

/**
 * Training and validation token sequences of `seqLength` for one run, split
 * as planTextSplit says. Held-out documents too short to make a sequence
 * leave the validation set empty; held-out *files* that short are an error.
 */
export function splitTextSequences(
  dataset: TextDataset,
  heldOut: TextDataset | null,
  tokenizer: TokenEncoder,
  options: { seqLength: number; fraction: number; seed: number; onWarning?: (message: string) => void },
): TextSequenceSplit {
  const plan = planTextSplit(dataset, heldOut, options.fraction, options.seed);
  const prepare = (examples: TextExample[]) => prepareTokenSequences({ ...dataset, examples }, tokenizer, { seqLength: options.seqLength, onWarning: options.onWarning });
  if (!plan.byDocument) {
    const { train, validation } = splitSequences(prepare(dataset.examples), null, options.fraction, options.seed);
    return { train, validation, how: plan.how, plan };
  }
  const train = prepare(plan.byDocument.train);
  let validation: TokenSequence[] = [];
  if (heldOut) validation = prepareTokenSequences(heldOut, tokenizer, { seqLength: options.seqLength, onWarning: options.onWarning });
  else if (plan.byDocument.validation.length > 0) validation = tokenSequencesOrNone(() => prepare(plan.byDocument!.validation));
  return { train, validation, how: plan.how, plan };
}

function tokenSequencesOrNone(make: () => TokenSequence[]): TokenSequence[] {
  try {
    return make();
  } catch (error) {
    if (error instanceof InputFileError) return []; // Held-out documents of under 2 tokens: nothing to evaluate.
    throw error;
  }
}

/** Says when a text dataset gives no validation at all, and why, for the summary and the CLI. */
export function textValidationWarning(plan: TextSplitPlan, validationCount: number, name: string): string | null {
  if (validationCount > 0 || plan.how.startsWith('none (validation split 0)')) return null;
  const why = plan.unit === 'blocks' ? 'its one document makes a single block' : `it has too few ${plan.unit} to hold any out`;
  return `${name} is too small to validate: ${why}, so no validation score will be computed. Add more text, or give held-out data as its own file (e.g. notes.val.txt)`;
}

/**
 * The sequence length the data summary counts a single document's blocks
 * at: the run form's default. Runs at other lengths split its blocks the
 * same way (the same seeded share), only into more or fewer of them.
 */
export const SUMMARY_SEQUENCE_LENGTH = 64;

export interface TextSplitCounts {
  train: number;
  validation: number;
  /** What is counted: "documents", "prompt/completion pairs" or "blocks of 64 tokens". */
  unit: string;
  how: string;
  /** Set when nothing can be held out (see textValidationWarning). */
  warning: string | null;
}

/**
 * The train / validation counts the summary shows, in the units evaluation
 * splits by: documents or pairs; for a single document, its token blocks at
 * SUMMARY_SEQUENCE_LENGTH (counted only when a tokenizer is given).
 */
export function textSplitCounts(
  dataset: TextDataset,
  heldOut: TextDataset | null,
  fraction: number,
  seed: number,
  tokenizer?: TokenEncoder,
): TextSplitCounts {
  const name = dataset.files.join(', ') || 'the dataset';
  const plan = planTextSplit(dataset, heldOut, fraction, seed);
  if (plan.byDocument) {
    const validation = plan.byDocument.validation.length;
    return { train: plan.byDocument.train.length, validation, unit: plan.unit, how: plan.how, warning: textValidationWarning(plan, validation, name) };
  }
  if (!tokenizer) return { train: dataset.examples.length, validation: 0, unit: 'documents', how: plan.how, warning: null };
  let split: TextSequenceSplit;
  try {
    split = splitTextSequences(dataset, null, tokenizer, { seqLength: SUMMARY_SEQUENCE_LENGTH, fraction, seed });
  } catch (error) {
    if (!(error instanceof InputFileError)) throw error;
    return { train: 0, validation: 0, unit: `blocks of ${SUMMARY_SEQUENCE_LENGTH} tokens`, how: plan.how, warning: `${error.file} ${error.problem}` };
  }
  const validation = split.validation.length;
  return {
    train: split.train.length,
    validation,
    unit: `blocks of ${SUMMARY_SEQUENCE_LENGTH} tokens`,
    how: `${plan.how} (counted at sequence length ${SUMMARY_SEQUENCE_LENGTH}; other lengths split the same share)`,
    warning: textValidationWarning(plan, validation, name),
  };
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
