/**
 * Settings of one training run: plain, serialisable data (forms, saved runs
 * and URLs carry them), with defaults in the spirit of transformers'
 * TrainingArguments and validation in words a user can act on.
 */
import { isScheduleName, warmupStepsForRatio, type Schedule, type ScheduleName } from './schedule';

export interface TrainSettings {
  /** Optimizer steps to run; takes precedence over `epochs`. */
  steps?: number;
  /** Passes over the training set (fractions allowed), when `steps` is absent. */
  epochs?: number;
  /** Samples per micro-batch (transformers' per_device_train_batch_size). */
  batchSize: number;
  /** Micro-batches per optimizer step: the effective batch is batchSize × this. */
  gradientAccumulation: number;
  /** Peak learning rate. */
  learningRate: number;
  schedule: ScheduleName;
  /** Warm-up steps; when absent, `warmupRatio` of the run (rounded up). */
  warmupSteps?: number;
  warmupRatio?: number;
  /** AdamW's decoupled weight decay, applied to every trainable tensor. */
  weightDecay: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** Global-norm gradient clipping; null turns it off. */
  maxGradNorm: number | null;
  /** Seeds the order of batches (the adapter's initialisation takes its own seed). */
  seed: number;
  /** Evaluate on the validation set every this many steps and after the last; 0 = only when asked. */
  evalEvery: number;
  /** Read the loss back from the device every this many steps (and after the last). */
  lossReadbackEvery: number;
  /** Samples per evaluation batch; the training batch size when absent. */
  evalBatchSize?: number;
  /** Early stopping: stop after this many evaluations in a row without a lower validation loss; 0 or absent never stops early. */
  patience?: number;
  /** At the end, put back the trainable weights of the evaluation with the lowest validation loss (step 0 included). */
  keepBest?: boolean;
  /** Activation checkpointing per transformer block: keep only each block's input, recompute the block in the backward pass. */
  checkpointing?: boolean;
}

/**
 * The memory options of a run, declared once like STOPPING_OPTIONS: the run
 * form, the train and bench CLIs' flags and --help derive from this.
 */
export const MEMORY_OPTIONS = {
  checkpointing: {
    kind: 'boolean',
    label: 'Activation checkpointing',
    help: "Keep only each block's input for the backward pass and run the block again there: far less memory for activations, about one more forward pass of time per step; the gradients are the same.",
    flag: 'checkpointing',
    urlKey: 'ck',
    default: false,
  },
} as const;

/**
 * The run options of early stopping and the best checkpoint, declared once:
 * the app's run form and the train CLI's flags and --help derive from this
 * (label, help, bounds, flag, share-link key, default).
 */
export const STOPPING_OPTIONS = {
  patience: {
    kind: 'integer',
    label: 'Early-stopping patience',
    help: 'Stop after this many evaluations in a row without a lower validation loss (0: never stop early; needs "Evaluate every").',
    flag: 'patience',
    urlKey: 'pt',
    min: 0,
    max: 1000,
    default: 0,
  },
  keepBest: {
    kind: 'boolean',
    label: 'Keep the best checkpoint',
    help: 'At the end, keep the weights of the evaluation with the lowest validation loss (step 0 included), not the last ones.',
    flag: 'keep-best',
    urlKey: 'kb',
    default: false,
  },
} as const;

export const DEFAULT_TRAIN_SETTINGS: Readonly<TrainSettings> = {
  epochs: 1,
  batchSize: 8,
  gradientAccumulation: 1,
  learningRate: 1e-3,
  // transformers' defaults: linear decay without warm-up, clipping at 1.0, seed 42.
  schedule: 'linear',
  warmupSteps: 0,
  weightDecay: 0,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  maxGradNorm: 1,
  seed: 42,
  evalEvery: 0,
  lossReadbackEvery: 10,
  patience: STOPPING_OPTIONS.patience.default,
  keepBest: STOPPING_OPTIONS.keepBest.default,
  checkpointing: MEMORY_OPTIONS.checkpointing.default,
};

/**
 * `partial` over the defaults. `defaultLearningRate` is the method's for the
 * model's task (its declaration, src/engine/adapters/<method>/method.ts),
 * used when `partial` gives none.
 */
export function trainSettingsWithDefaults(partial: Partial<TrainSettings>, defaultLearningRate?: number): TrainSettings {
  const learningRate = partial.learningRate ?? defaultLearningRate ?? DEFAULT_TRAIN_SETTINGS.learningRate;
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<TrainSettings>;
  const settings: TrainSettings = { ...DEFAULT_TRAIN_SETTINGS, ...defined, learningRate };
  // A warm-up ratio given without steps replaces the default of 0 steps.
  if (partial.warmupSteps === undefined && partial.warmupRatio !== undefined) delete settings.warmupSteps;
  if (partial.steps !== undefined && partial.epochs === undefined) delete settings.epochs;
  return settings;
}

/** Problems with these settings, in words; empty when valid. */
export function validateTrainSettings(settings: TrainSettings): string[] {
  const problems: string[] = [];
  const wholeAtLeast = (name: string, value: number | undefined, min: number) => {
    if (value !== undefined && !(Number.isInteger(value) && value >= min)) {
      problems.push(`${name} must be a whole number ≥ ${min}, got ${value}`);
    }
  };
  const positive = (name: string, value: number | undefined) => {
    if (value !== undefined && !(value > 0 && Number.isFinite(value))) problems.push(`${name} must be a number > 0, got ${value}`);
  };
  if (settings.steps === undefined && settings.epochs === undefined) problems.push('give either steps or epochs');
  wholeAtLeast('steps', settings.steps, 1);
  positive('epochs', settings.epochs);
  wholeAtLeast('the batch size', settings.batchSize, 1);
  wholeAtLeast('gradient accumulation', settings.gradientAccumulation, 1);
  positive('the learning rate', settings.learningRate);
  if (!isScheduleName(settings.schedule)) problems.push(`the schedule must be constant, linear or cosine, got "${settings.schedule}"`);
  wholeAtLeast('warm-up steps', settings.warmupSteps, 0);
  if (settings.warmupRatio !== undefined && !(settings.warmupRatio >= 0 && settings.warmupRatio <= 1)) {
    problems.push(`the warm-up ratio must be in [0, 1], got ${settings.warmupRatio}`);
  }
  if (!(settings.weightDecay >= 0 && Number.isFinite(settings.weightDecay))) {
    problems.push(`weight decay must be a number ≥ 0, got ${settings.weightDecay}`);
  }
  if (!(settings.beta1 >= 0 && settings.beta1 < 1)) problems.push(`beta1 must be in [0, 1), got ${settings.beta1}`);
  if (!(settings.beta2 >= 0 && settings.beta2 < 1)) problems.push(`beta2 must be in [0, 1), got ${settings.beta2}`);
  positive('epsilon', settings.epsilon);
  if (settings.maxGradNorm !== null) positive('the maximum gradient norm', settings.maxGradNorm);
  if (!Number.isInteger(settings.seed)) problems.push(`the seed must be a whole number, got ${settings.seed}`);
  wholeAtLeast('evalEvery', settings.evalEvery, 0);
  wholeAtLeast('lossReadbackEvery', settings.lossReadbackEvery, 1);
  wholeAtLeast('the evaluation batch size', settings.evalBatchSize, 1);
  const patience = STOPPING_OPTIONS.patience;
  const given = settings.patience ?? 0;
  if (!(Number.isInteger(given) && given >= patience.min && given <= patience.max)) {
    problems.push(`the early-stopping patience must be a whole number in [${patience.min}, ${patience.max}], got ${given}`);
  }
  if (settings.keepBest !== undefined && typeof settings.keepBest !== 'boolean') problems.push(`keepBest must be true or false, got ${String(settings.keepBest)}`);
  if (settings.checkpointing !== undefined && typeof settings.checkpointing !== 'boolean') problems.push(`checkpointing must be true or false, got ${String(settings.checkpointing)}`);
  return problems;
}

/**
 * Early stopping counts evaluations made during training: a patience
 * without them could never stop a run. (Not in validateTrainSettings: the
 * app's worker evaluates on its own cadence, outside the Trainer's steps.)
 */
export function stoppingProblem(patience: number | undefined, evalEvery: number): string | null {
  return (patience ?? 0) > 0 && evalEvery === 0 ? 'early stopping needs evaluations during training: set evaluate-every above 0' : null;
}

/** Optimizer steps of a run over `trainCount` samples: `steps`, or enough steps for `epochs`. */
export function totalStepsFor(settings: TrainSettings, trainCount: number): number {
  if (settings.steps !== undefined) return settings.steps;
  const samplesPerStep = settings.batchSize * settings.gradientAccumulation;
  return Math.max(1, Math.ceil(((settings.epochs ?? 1) * trainCount) / samplesPerStep));
}

/** The schedule these settings describe for a run of `totalSteps`. */
export function scheduleFor(settings: TrainSettings, totalSteps: number): Schedule {
  const warmupSteps = settings.warmupSteps ?? warmupStepsForRatio(settings.warmupRatio ?? 0, totalSteps);
  return { name: settings.schedule, warmupSteps, totalSteps };
}
