/**
 * One fine-tuning run: an adapter on a model, its data and its settings.
 *
 * `step()` performs one optimizer step (gradient accumulation over
 * micro-batches, clipping, AdamW with the scheduled learning rate) and
 * returns, so a CLI can loop over it and a Web Worker can interleave runs,
 * pause or stop between steps. The adapter acts only through its patch,
 * attached around this run's own forward and backward passes: several
 * trainers can share one model.
 *
 * Nothing in a step waits for the device. Each step's loss and gradient norm
 * go into small on-device windows, read back every `lossReadbackEvery` steps
 * (and after the last); a NaN or infinite loss is noticed then, and stops the
 * run with a NonFiniteLossError naming the step it appeared at.
 *
 * Memory: after the first step (which creates AdamW's moments), every step
 * allocates and frees the same tensors, so tf.memory().numTensors is the same
 * after each.
 */
import * as tf from '@tensorflow/tfjs';
import type { Adapter } from '../adapters/types';
import { NonFiniteLossError } from '../errors';
import type { Model } from '../models/model';
import { AdamW, tensorDataOf, type AdamWState, type TensorData } from './adamw';
import { BestCheckpoint, type BestCheckpointState, type BestEvaluation } from './best-checkpoint';
import {
  batchOf,
  batchTensors,
  disposeBatchTensors,
  lossWeight,
  paddedLength,
  SampleStream,
  sampleCount,
  type Batch,
  type TrainingData,
} from './batches';
import { clipCoefficient, globalNorm } from './clip';
import { batchLoss, evaluate, type Evaluation } from './evaluate';
import { learningRateAt, type Schedule } from './schedule';
import { scheduleFor, totalStepsFor, validateTrainSettings, type TrainSettings } from './settings';
import { measureBufferBytes } from './buffer-bytes';
import { LossWindow, memorySnapshot, type LossPoint, type MemorySnapshot } from './step-metrics';
import { checkTrainingData } from './validate-data';

export type { LossPoint, MemorySnapshot } from './step-metrics';
export type { BestEvaluation } from './best-checkpoint';

export interface TrainerOptions {
  model: Model;
  adapter: Adapter;
  train: TrainingData;
  /** Held-out data for evaluation; null when there is none. */
  validation?: TrainingData | null;
  settings: TrainSettings;
  /** Continue a run from this checkpoint (made by `checkpoint()` with the same settings and data). */
  resume?: TrainerCheckpoint | null;
}

/**
 * Everything a run needs to continue where it was, as plain data: the
 * trainable weights, AdamW's moments and step counts, the step reached
 * (which fixes the schedule's position) and the samples drawn (which fix the
 * shuffle's position). The model is frozen and not included.
 */
export interface TrainerCheckpoint {
  version: 1;
  /** Optimizer steps completed. */
  step: number;
  totalSteps: number;
  samplesSeen: number;
  trainable: Record<string, TensorData>;
  optimizer: AdamWState;
  /** The first loss read back, the baseline of the divergence warning (null: none read yet). */
  firstLoss: number | null;
  /** Warnings given so far (not repeated after a resume). */
  warnings: string[];
  /** The best evaluation and early stopping's count (absent in checkpoints made before they existed). */
  best?: BestCheckpointState;
}

/** A loss this many times the first one, still finite, is warned about: the learning rate is likely too high. */
export const DIVERGENCE_FACTOR = 100;

export interface StepMetrics {
  /** Optimizer steps completed, this one included (1-based). */
  step: number;
  totalSteps: number;
  /** Fractional epochs: training samples drawn over the training-set size. */
  epoch: number;
  /** The learning rate this step used. */
  learningRate: number;
  /** This step's mean training loss, when read back at this step; else null. */
  loss: number | null;
  /** Every step's loss since the previous read-back, oldest first, when read back at this step. */
  lossesRead: LossPoint[];
  /** Wall time of this step() call, ms. Between read-backs it may not include device time. */
  stepMs: number;
  /** At a read-back: wall time per step over the steps read, ms, device time included; else null. */
  syncedStepMs: number | null;
  /** Samples in this step (batch × accumulation). */
  examples: number;
  /** Real (unpadded) tokens in this step; 0 for images. */
  tokens: number;
  memory: MemorySnapshot;
  /**
   * The step at its highest, bytes: what tfjs held at its start (tf.memory().numBytes: weights, variables,
   * moments) plus the most distinct buffers the step added on top (saved activations, gradients, the
   * optimizer's temporaries: train/buffer-bytes.ts); on WebGPU the buffer pool's size if that is larger.
   * `memory` is taken after the step, when its activations are gone.
   */
  peakBytes: number;
  /** Evaluation on the validation set, when one ran after this step. */
  evaluation?: Evaluation;
  /** Warnings that arose at this step (a diverging loss); absent when none. */
  warnings?: string[];
}

export class Trainer {
  readonly totalSteps: number;
  readonly schedule: Schedule;
  readonly settings: TrainSettings;
  private readonly model: Model;
  private readonly adapter: Adapter;
  private readonly train: TrainingData;
  private readonly validation: TrainingData | null;
  private readonly stream: SampleStream;
  private readonly optimizer: AdamW;
  private readonly tokenLength: number;
  private readonly window: LossWindow;
  private readonly bestCheckpoint: BestCheckpoint;
  private stepsDone = 0;
  private failure: Error | null = null;
  private highWaterBytes = 0;
  private disposed = false;
  private firstLoss: number | null = null;
  private readonly givenWarnings: string[] = [];
  private newWarnings: string[] = [];

  constructor(options: TrainerOptions) {
    const { model, adapter, train, settings } = options;
    const problems = validateTrainSettings(settings);
    if (problems.length > 0) throw new Error(`training settings: ${problems.join('; ')}`);
    checkTrainingData(model, adapter, train, 'training');
    if (options.validation) checkTrainingData(model, adapter, options.validation, 'validation');
    if (adapter.trainable.size === 0) throw new Error(`the ${adapter.method} adapter has nothing to train`);
    this.model = model;
    this.adapter = adapter;
    this.train = train;
    this.validation = options.validation && sampleCount(options.validation) > 0 ? options.validation : null;
    this.settings = settings;
    this.totalSteps = totalStepsFor(settings, sampleCount(train));
    this.schedule = scheduleFor(settings, this.totalSteps);
    this.stream = new SampleStream(sampleCount(train), settings.seed);
    this.tokenLength = train.kind === 'tokens' ? paddedLength(train.sequences) : 0;
    this.optimizer = new AdamW(adapter.trainable, {
      learningRate: settings.learningRate,
      beta1: settings.beta1,
      beta2: settings.beta2,
      epsilon: settings.epsilon,
      weightDecay: settings.weightDecay,
    });
    // Read-backs come every lossReadbackEvery steps and after the last, so the window never holds more.
    this.window = new LossWindow(Math.min(settings.lossReadbackEvery, this.totalSteps));
    this.bestCheckpoint = new BestCheckpoint(adapter.trainable, { patience: settings.patience ?? 0, keepBest: settings.keepBest ?? false, totalSteps: this.totalSteps });
    if (options.resume) {
      try {
        this.restore(options.resume);
      } catch (error) {
        this.dispose();
        throw error;
      }
    } else if (this.schedule.warmupSteps >= this.totalSteps && this.schedule.warmupSteps > 0) {
      this.warn(
        `The warm-up (${this.schedule.warmupSteps} steps) is as long as the run or longer (${this.totalSteps} steps): ` +
          `the learning rate never reaches ${settings.learningRate}. Shorten the warm-up or train longer.`,
      );
      // Known before any step: callers read it from `warnings`, not from a step's metrics.
      this.newWarnings = [];
    }
  }

  /** Every warning of this run so far, oldest first. */
  get warnings(): readonly string[] {
    return this.givenWarnings;
  }

  /**
   * A checkpoint of the run as it is now (between steps). Losses not read
   * back yet are read first, so a resumed run has no hole in its curve;
   * they are returned with it.
   */
  async checkpoint(): Promise<{ checkpoint: TrainerCheckpoint; lossesRead: LossPoint[] }> {
    this.checkCanCheckpoint();
    const lossesRead = this.window.pending > 0 ? (await this.readLosses()).points : [];
    const trainable: Record<string, TensorData> = {};
    for (const [key, variable] of this.adapter.trainable) trainable[key] = await tensorDataOf(variable);
    const checkpoint: TrainerCheckpoint = {
      version: 1,
      step: this.stepsDone,
      totalSteps: this.totalSteps,
      samplesSeen: this.stream.samplesSeen,
      trainable,
      optimizer: await this.optimizer.exportState(),
      firstLoss: this.firstLoss,
      warnings: [...this.givenWarnings],
      best: await this.bestCheckpoint.exportState(),
    };
    return { checkpoint, lossesRead };
  }

  private checkCanCheckpoint(): void {
    if (this.failure) throw this.failure;
    if (this.disposed) throw new Error('this run was disposed');
  }

  private restore(saved: TrainerCheckpoint): void {
    if (saved.version !== 1) throw new Error(`cannot resume from a checkpoint of version ${String(saved.version)}`);
    if (saved.totalSteps !== this.totalSteps) {
      throw new Error(`the checkpoint is of a run of ${saved.totalSteps} steps, these settings and data give ${this.totalSteps}: start the run again`);
    }
    if (!(Number.isInteger(saved.step) && saved.step >= 0 && saved.step <= this.totalSteps)) throw new Error(`the checkpoint's step ${saved.step} is not in [0, ${this.totalSteps}]`);
    const keys = [...this.adapter.trainable.keys()];
    const missing = keys.filter((k) => !Object.hasOwn(saved.trainable, k));
    const extra = Object.keys(saved.trainable).filter((k) => !this.adapter.trainable.has(k));
    if (missing.length > 0 || extra.length > 0) {
      throw new Error(`the checkpoint's weights do not match this adapter (missing: ${missing.join(', ') || 'none'}; unexpected: ${extra.join(', ') || 'none'})`);
    }
    for (const [key, variable] of this.adapter.trainable) {
      const t = saved.trainable[key];
      if (t.shape.join(',') !== variable.shape.join(',') || t.values.length !== variable.size) {
        throw new Error(`the checkpoint's "${key}" has shape [${t.shape}], the adapter's [${variable.shape}]`);
      }
    }
    this.optimizer.importState(saved.optimizer);
    for (const [key, variable] of this.adapter.trainable) {
      const t = saved.trainable[key];
      tf.tidy(() => variable.assign(tf.tensor(t.values, variable.shape, 'float32')));
    }
    this.stepsDone = saved.step;
    this.stream.skipTo(saved.samplesSeen);
    this.firstLoss = saved.firstLoss;
    this.givenWarnings.push(...saved.warnings);
    if (saved.best) this.bestCheckpoint.importState(saved.best);
  }

  private warn(message: string): void {
    this.givenWarnings.push(message);
    this.newWarnings.push(message);
  }

  /** Optimizer steps completed. */
  get stepsCompleted(): number {
    return this.stepsDone;
  }

  /** All steps are done, or early stopping ended the run. */
  get done(): boolean {
    return this.stepsDone >= this.totalSteps || this.bestCheckpoint.stoppedAt !== null;
  }

  /** The step early stopping ended the run at (patience evaluations without a lower validation loss), or null. */
  get stoppedEarlyAt(): number | null {
    return this.bestCheckpoint.stoppedAt;
  }

  /** The evaluation with the lowest validation loss so far (step 0 included), or null before any. */
  get bestEvaluation(): BestEvaluation | null {
    return this.bestCheckpoint.best;
  }

  /**
   * With keepBest: puts the weights of the best evaluation back into the
   * adapter and returns that evaluation (call it when the run is over);
   * null when the run does not keep its best weights.
   */
  restoreBest(): BestEvaluation | null {
    this.checkCanCheckpoint();
    return this.bestCheckpoint.restore();
  }

  /**
   * The losses of steps not read back yet (after early stopping, the steps
   * since the last read-back), read now; empty when none wait.
   */
  async readPendingLosses(): Promise<LossPoint[]> {
    this.checkCanCheckpoint();
    return this.window.pending > 0 ? (await this.readLosses()).points : [];
  }

  /** Fractional epochs so far. */
  get epoch(): number {
    return this.stream.epoch;
  }

  /** High-water mark of memory over the steps so far: the highest of their `peakBytes`. */
  get peakBytes(): number {
    return this.highWaterBytes;
  }

  /**
   * One optimizer step; throws NonFiniteLossError when a read-back finds a
   * NaN or infinite loss. Any error ends the run: later calls throw it again
   * (the optimizer may be half-way through an update).
   */
  async step(): Promise<StepMetrics> {
    this.checkCanStep();
    try {
      return await this.runStep();
    } catch (error) {
      this.failure ??= error instanceof Error ? error : new Error(String(error));
      throw this.failure;
    }
  }

  private async runStep(): Promise<StepMetrics> {
    const atStart = tf.memory().numBytes;
    const { result, bytes } = await measureBufferBytes(() => this.measuredStep());
    const peakBytes = Math.max(atStart + bytes.peak, result.memory.gpuBytesAllocated ?? 0);
    this.highWaterBytes = Math.max(this.highWaterBytes, peakBytes);
    return { ...result, peakBytes };
  }

  private async measuredStep(): Promise<Omit<StepMetrics, 'peakBytes'>> {
    const started = performance.now();
    const learningRate = learningRateAt(this.schedule, this.settings.learningRate, this.stepsDone);
    const batches = this.nextBatches();
    const { loss, grads } = this.accumulateGradients(batches);
    let norm: tf.Scalar;
    try {
      norm = this.clipAndApply(grads, learningRate);
    } catch (error) {
      loss.dispose();
      throw error;
    }
    this.stepsDone++;
    this.window.record(this.stepsDone, loss, norm, started);
    loss.dispose();
    norm.dispose();
    const stepMs = performance.now() - started;
    const readBack = this.stepsDone % this.settings.lossReadbackEvery === 0 || this.done;
    let read = readBack ? await this.readLosses() : null;
    const evaluation = this.evaluationDue() ? await this.evaluate() : undefined;
    // Early stopping ended the run at this evaluation: the losses since the last read-back come now.
    if (!readBack && this.done) read = await this.readLosses();
    const memory = memorySnapshot();
    return {
      step: this.stepsDone,
      totalSteps: this.totalSteps,
      epoch: this.stream.epoch,
      learningRate,
      loss: read ? read.points[read.points.length - 1].loss : null,
      lossesRead: read?.points ?? [],
      stepMs,
      syncedStepMs: read?.msPerStep ?? null,
      examples: batches.reduce((n, b) => n + b.size, 0),
      tokens: batches.reduce((n, b) => n + (b.kind === 'tokens' ? b.tokenCount : 0), 0),
      memory,
      ...(evaluation ? { evaluation } : {}),
      warnings: this.takeNewWarnings(),
    };
  }

  private takeNewWarnings(): string[] {
    const warnings = this.newWarnings;
    this.newWarnings = [];
    return warnings;
  }

  /**
   * Loss (and accuracy) on the validation set with the adapter as it is now.
   * Every evaluation counts for early stopping and the best checkpoint
   * (one before the first step is the base model's, at step 0).
   */
  async evaluate(onBatch?: (done: number, total: number) => void | Promise<void>): Promise<Evaluation> {
    if (!this.validation) throw new Error('this run has no validation set to evaluate on');
    const data = this.validation;
    const tokenLength = data.kind === 'tokens' ? paddedLength(data.sequences) : 0;
    const batchSize = this.settings.evalBatchSize ?? this.settings.batchSize;
    const evaluation = await evaluate(this.model, this.adapter.patch(), data, { batchSize, tokenLength, onBatch });
    this.bestCheckpoint.observe(this.stepsDone, evaluation);
    return evaluation;
  }

  get hasValidation(): boolean {
    return this.validation !== null;
  }

  /** Frees the optimizer's state and the loss windows (not the adapter, nor the model). */
  dispose(): void {
    if (this.disposed) return;
    this.optimizer.dispose();
    this.window.dispose();
    this.bestCheckpoint.dispose();
    this.disposed = true;
  }

  private checkCanStep(): void {
    if (this.failure) throw this.failure;
    if (this.disposed) throw new Error('this run was disposed');
    if (this.stoppedEarlyAt !== null) throw new Error(`the run stopped early at step ${this.stoppedEarlyAt}`);
    if (this.done) throw new Error(`the run is finished: all ${this.totalSteps} steps are done`);
    if (this.adapter.merged) throw new Error('the adapter is merged into the weights: unmerge it before training');
  }

  private nextBatches(): Batch[] {
    const batches: Batch[] = [];
    for (let i = 0; i < this.settings.gradientAccumulation; i++) {
      batches.push(batchOf(this.train, this.stream.next(this.settings.batchSize), this.tokenLength));
    }
    return batches;
  }

  /**
   * Gradients of the step's loss, summed over its micro-batches. Each
   * micro-batch's mean loss is weighted by its share of the step's targets
   * (tokens, or images), so k micro-batches give exactly the gradient of one
   * batch k times as large, padding and masks included.
   */
  private accumulateGradients(batches: Batch[]): { loss: tf.Scalar; grads: Map<string, tf.Tensor> } {
    const totalWeight = Math.max(1, batches.reduce((w, b) => w + lossWeight(b), 0));
    const grads = new Map<string, tf.Tensor>();
    let loss: tf.Scalar = tf.scalar(0);
    try {
      for (const batch of batches) {
        const micro = this.microBatchGradients(batch, lossWeight(batch) / totalWeight);
        const sum = tf.add(loss, micro.loss) as tf.Scalar;
        loss.dispose();
        micro.loss.dispose();
        loss = sum;
        addInto(grads, micro.grads);
      }
    } catch (error) {
      loss.dispose();
      for (const g of grads.values()) g.dispose();
      throw error;
    }
    return { loss, grads };
  }

  private microBatchGradients(batch: Batch, scale: number): { loss: tf.Scalar; grads: Map<string, tf.Tensor> } {
    const keys = [...this.adapter.trainable.keys()];
    const variables = [...this.adapter.trainable.values()];
    const tensors = batchTensors(batch);
    try {
      const { value, grads } = this.model.withPatch(this.adapter.patch(), () =>
        this.model.withCheckpointing(this.settings.checkpointing ?? false, () =>
          tf.variableGrads(() => {
            const { loss } = batchLoss(this.model, tensors);
            return tf.mul(loss, scale) as tf.Scalar;
          }, variables),
        ),
      );
      const byKey = new Map<string, tf.Tensor>();
      // A variable the loss does not reach has no gradient; AdamW then leaves it alone, as PyTorch does.
      keys.forEach((key, i) => {
        const grad = grads[variables[i].name];
        if (grad) byKey.set(key, grad);
      });
      return { loss: value, grads: byKey };
    } catch (error) {
      disposeAbandonedTape();
      throw error;
    } finally {
      disposeBatchTensors(tensors);
    }
  }

  /**
   * Clips (when set), applies AdamW, frees the gradients; returns the norm
   * before clipping. Clipping's coefficient is applied by AdamW to one
   * gradient at a time, not as a scaled copy of them all.
   */
  private clipAndApply(grads: Map<string, tf.Tensor>, learningRate: number): tf.Scalar {
    const norm = globalNorm(grads.values());
    let coefficient: tf.Scalar | undefined;
    try {
      coefficient = this.settings.maxGradNorm !== null ? clipCoefficient(norm, this.settings.maxGradNorm) : undefined;
      this.optimizer.applyGradients(grads, learningRate, coefficient);
    } catch (error) {
      norm.dispose();
      throw error;
    } finally {
      coefficient?.dispose();
      for (const g of grads.values()) g.dispose();
    }
    return norm;
  }

  private async readLosses(): Promise<{ points: LossPoint[]; msPerStep: number }> {
    const read = await this.window.read();
    const bad = read.points.find((p) => !Number.isFinite(p.loss));
    if (bad) {
      this.failure = new NonFiniteLossError(bad.step, bad.loss);
      throw this.failure;
    }
    this.checkDivergence(read.points);
    return read;
  }

  /** Warns once when a finite loss reaches DIVERGENCE_FACTOR times the first loss read. */
  private checkDivergence(points: LossPoint[]): void {
    if (points.length === 0) return;
    this.firstLoss ??= points[0].loss;
    const base = this.firstLoss;
    if (!(base > 0) || this.givenWarnings.some((w) => w.startsWith('The loss grew'))) return;
    const high = points.find((p) => p.loss >= DIVERGENCE_FACTOR * base);
    if (!high) return;
    this.warn(
      `The loss grew ${Math.round(high.loss / base)}× (from ${base.toPrecision(3)} at the first step to ${high.loss.toPrecision(3)} at step ${high.step}) ` +
        `without becoming NaN: the learning rate (${this.settings.learningRate}) is likely too high.`,
    );
  }

  private evaluationDue(): boolean {
    const every = this.settings.evalEvery;
    return this.validation !== null && every > 0 && (this.stepsDone % every === 0 || this.done);
  }
}

/**
 * When a forward pass throws inside tf.variableGrads, tfjs (4.22) leaves the
 * tensors its gradient tape saved for the backward pass alive: they are
 * freed only after a completed backward pass. This frees them, so a failed
 * step leaks nothing. Only at gradient depth 0, i.e. no gradient computation
 * still running around us.
 */
function disposeAbandonedTape(): void {
  const state = (tf.engine() as unknown as { state: EngineTapeState }).state;
  if (state.gradientDepth !== 0 || !state.activeTape) return;
  for (const node of state.activeTape) for (const tensor of node.saved ?? []) tensor.dispose();
  state.activeTape = null;
}

interface EngineTapeState {
  gradientDepth: number;
  activeTape: { saved?: tf.Tensor[] }[] | null;
}

/** grads[key] += more[key], freeing what is replaced; `more` is consumed. */
function addInto(grads: Map<string, tf.Tensor>, more: Map<string, tf.Tensor>): void {
  for (const [key, grad] of more) {
    const previous = grads.get(key);
    if (!previous) {
      grads.set(key, grad);
      continue;
    }
    grads.set(key, tf.add(previous, grad));
    previous.dispose();
    grad.dispose();
  }
}
