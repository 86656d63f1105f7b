/**
 * The training objective of one batch, and evaluation over a whole set:
 * language models report the token-weighted mean loss and its perplexity,
 * classifiers the mean loss and accuracy. Sums stay on the device until the
 * end of the set, so evaluating waits for the GPU once, not once per batch.
 */
import * as tf from '@tensorflow/tfjs';
import type { Model, ModelPatch } from '../models/model';
import {
  batchTensors,
  disposeBatchTensors,
  lossWeight,
  sampleCount,
  sequentialBatches,
  type Batch,
  type BatchTensors,
  type TrainingData,
} from './batches';
import { causalLmLoss, crossEntropy } from './losses';

export interface LanguageModelEvaluation {
  task: 'causal-lm';
  /** Mean cross-entropy per target token. */
  loss: number;
  /** exp(loss). */
  perplexity: number;
  /** Target tokens the mean is over. */
  targets: number;
}

export interface ClassifierEvaluation {
  task: 'image-classification';
  /** Mean cross-entropy per example. */
  loss: number;
  /** Fraction of examples whose top logit is their label. */
  accuracy: number;
  examples: number;
}

export type Evaluation = LanguageModelEvaluation | ClassifierEvaluation;

export interface EvaluateOptions {
  batchSize: number;
  /** Padded length of token batches (the longest sequence of the data, or more). */
  tokenLength: number;
  /** Called after each batch; awaited, so a worker can yield or report progress. */
  onBatch?: (batchesDone: number, batchesTotal: number) => void | Promise<void>;
}

/**
 * The batch's mean loss (per target token, or per example) and, for
 * classifiers, its logits. Runs with whatever patch the model has attached.
 */
export function batchLoss(model: Model, tensors: BatchTensors): { loss: tf.Scalar; logits: tf.Tensor } {
  const logits = model.forward(tensors.inputs);
  if ('inputIds' in tensors.inputs) {
    const loss = causalLmLoss(logits as tf.Tensor3D, tensors.inputs.inputIds, tensors.lossMask);
    return { loss, logits };
  }
  return { loss: crossEntropy(logits as tf.Tensor2D, tensors.labels!), logits };
}

/** Throws when a label has no logit: tf.oneHot would silently make its loss 0. */
export function checkLabels(batch: Batch, numClasses: number): void {
  if (batch.kind !== 'images') return;
  for (const label of batch.labels) {
    if (!(label >= 0 && label < numClasses)) {
      throw new Error(`label index ${label} is out of range: the model's head has ${numClasses} classes`);
    }
  }
}

/** Loss (and accuracy) of `model` with `patch` over every sample of `data`, once, in order. */
export async function evaluate(
  model: Model,
  patch: ModelPatch | null,
  data: TrainingData,
  options: EvaluateOptions,
): Promise<Evaluation> {
  const count = sampleCount(data);
  if (count === 0) throw new Error('the validation set is empty');
  const batchesTotal = Math.ceil(count / options.batchSize);
  let lossSum: tf.Scalar = tf.scalar(0);
  let correctSum: tf.Scalar = tf.scalar(0);
  let weightTotal = 0;
  let batchesDone = 0;
  try {
    for (const batch of sequentialBatches(data, options.batchSize, options.tokenLength)) {
      const weight = lossWeight(batch);
      const [nextLoss, nextCorrect] = model.withPatch(patch, () => batchSums(model, batch, weight, lossSum, correctSum));
      lossSum.dispose();
      correctSum.dispose();
      [lossSum, correctSum] = [nextLoss, nextCorrect];
      weightTotal += weight;
      batchesDone++;
      await options.onBatch?.(batchesDone, batchesTotal);
    }
    const [loss, correct] = await readScalars(lossSum, correctSum);
    return summarise(data, loss, correct, weightTotal);
  } finally {
    lossSum.dispose();
    correctSum.dispose();
  }
}

/** The running sums with this batch added: Σ loss·weight and Σ correct. */
function batchSums(model: Model, batch: Batch, weight: number, lossSum: tf.Scalar, correctSum: tf.Scalar): [tf.Scalar, tf.Scalar] {
  return tf.tidy(() => {
    const tensors = batchTensors(batch);
    try {
      const { loss, logits } = batchLoss(model, tensors);
      const newLoss = tf.add(lossSum, tf.mul(loss, weight)) as tf.Scalar;
      if (!tensors.labels) return [newLoss, tf.clone(correctSum)];
      checkLabels(batch, logits.shape[1]!);
      const hits = tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), tensors.labels), 'float32')); // (B,) → ()
      return [newLoss, tf.add(correctSum, hits) as tf.Scalar];
    } finally {
      disposeBatchTensors(tensors);
    }
  });
}

async function readScalars(...scalars: tf.Scalar[]): Promise<number[]> {
  const stacked = tf.stack(scalars);
  try {
    return Array.from(await stacked.data());
  } finally {
    stacked.dispose();
  }
}

function summarise(data: TrainingData, lossSum: number, correct: number, weightTotal: number): Evaluation {
  if (data.kind === 'tokens') {
    if (weightTotal === 0) throw new Error('the validation set has no target tokens to evaluate');
    const loss = lossSum / weightTotal;
    return { task: 'causal-lm', loss, perplexity: Math.exp(loss), targets: weightTotal };
  }
  return { task: 'image-classification', loss: lossSum / weightTotal, accuracy: correct / weightTotal, examples: weightTotal };
}

/**
 * The predicted class (top logit) of every held-out image of `data`, in
 * order: argmax per batch stays on the device, one read at the end.
 */
export async function predictClasses(model: Model, patch: ModelPatch | null, data: TrainingData, batchSize: number): Promise<Int32Array> {
  if (data.kind !== 'images') throw new Error('predictions are for image classifiers');
  const perBatch: tf.Tensor1D[] = [];
  try {
    for (const batch of sequentialBatches(data, batchSize, 0)) {
      perBatch.push(
        model.withPatch(patch, () =>
          tf.tidy(() => {
            const tensors = batchTensors(batch);
            try {
              const logits = model.forward(tensors.inputs) as tf.Tensor2D; // (B, classes)
              checkLabels(batch, logits.shape[1]);
              return tf.cast(tf.argMax(logits, -1), 'int32') as tf.Tensor1D; // (B,)
            } finally {
              disposeBatchTensors(tensors);
            }
          }),
        ),
      );
    }
    if (perBatch.length === 0) return new Int32Array(0);
    const all = tf.concat(perBatch);
    try {
      return Int32Array.from(await all.data());
    } finally {
      all.dispose();
    }
  } finally {
    tf.dispose(perBatch);
  }
}
