/**
 * One run in the worker: its settings, its adapter (kept after training, for
 * "Try it" and export), and while training, its Trainer. Turns the Trainer's
 * step metrics into the chart points the page receives.
 */
import * as tf from '@tensorflow/tfjs';
import { resolveAdapterSettings } from '../engine/adapters/registry';
import type { Adapter, AdapterFiles, AdapterSettings } from '../engine/adapters/types';
import { adapterToContinue } from './continue-adapter';
import type { Model, ModelPatch } from '../engine/models/model';
import { paddedLength, type TrainingData } from '../engine/train/batches';
import { checkRunMemory, memoryBudget, MemoryPlanError, type MemoryVerdict } from '../engine/train/memory-check';
import { classReport, thumbnail } from '../engine/train/class-report';
import { predictClasses, type Evaluation } from '../engine/train/evaluate';
import { trainSettingsWithDefaults, type TrainSettings } from '../engine/train/settings';
import { Trainer, type LossPoint, type StepMetrics } from '../engine/train/trainer';
import type { BackendName, EvalResult, MethodSettings, MetricPoint, RunCheckpoint, RunClassReport, RunSettings, RunSpec, RunStatus } from './protocol';
import type { LoadedDataset } from './dataset-host';
import type { ModelAssets, RunDataCache } from './run-data';

/** The adapter files a run starts from instead of a fresh adapter, and the name of the run they are of. */
export interface StartingAdapter {
  files: AdapterFiles;
  from: string;
}

const yieldToMessages = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * Waits until the device has done all the work queued so far: reads back
 * one element of a tensor that lives on the device (the device runs its
 * queue in order). A tensor made here would not do: tfjs computes tiny
 * tensors on the CPU and would answer at once.
 */
async function waitForDevice(onDevice: tf.Tensor): Promise<void> {
  const probe = tf.tidy(() => tf.slice(tf.reshape(onDevice, [-1]), 0, 1));
  try {
    await probe.data();
  } finally {
    probe.dispose();
  }
}

/** Losses are read back from the device every this many steps: the charts lag by at most this. */
export const LOSS_READBACK_EVERY = 5;
/** The smallest evaluation batch. */
const EVAL_BATCH_SIZE = 32;
/** A class report carries thumbnails of at most this many misclassified images, at most this many pixels a side. */
const MISCLASSIFIED_SHOWN = 24;
const THUMBNAIL_SIDE = 56;

export function toEvalResult(evaluation: Evaluation): EvalResult {
  return evaluation.task === 'causal-lm'
    ? { kind: 'lm', loss: evaluation.loss, perplexity: evaluation.perplexity }
    : { kind: 'classifier', loss: evaluation.loss, accuracy: evaluation.accuracy };
}

/** The engine's training settings for a run. */
export function trainSettingsFor(settings: RunSettings): TrainSettings {
  const t = settings.training;
  return trainSettingsWithDefaults(
    {
      ...(t.budget.kind === 'steps' ? { steps: t.budget.steps } : { epochs: t.budget.epochs }),
      batchSize: t.batchSize,
      learningRate: t.learningRate,
      schedule: t.schedule,
      warmupSteps: t.warmupSteps,
      weightDecay: t.weightDecay,
      seed: t.seed,
      // The session runs evaluations itself, timed apart from training.
      evalEvery: 0,
      // Evaluation has no backward pass: larger batches cost less per example.
      evalBatchSize: Math.max(t.batchSize, EVAL_BATCH_SIZE),
      lossReadbackEvery: LOSS_READBACK_EVERY,
      patience: t.patience ?? 0,
      keepBest: t.keepBest ?? false,
      gradientAccumulation: t.gradientAccumulation ?? 1,
      checkpointing: t.checkpointing ?? false,
    },
  );
}

/** The memory planner's verdict for a run's settings on the active backend (src/engine/train/memory-check.ts). */
export function runMemoryVerdict(model: Model, settings: AdapterSettings, trainable: number, train: TrainSettings, data: TrainingData, budgetBytes?: number): MemoryVerdict {
  const seqLength = data.kind === 'tokens' ? paddedLength(data.sequences) : 0;
  const shape = { batchSize: train.batchSize, seqLength, gradientAccumulation: train.gradientAccumulation, checkpointing: train.checkpointing ?? false };
  return checkRunMemory(model, settings, trainable, shape, memoryBudget(budgetBytes));
}

/** The method's full settings for this model (and dataset labels), with problems in words. */
export function adapterSettingsFor(assets: ModelAssets, method: MethodSettings, labels: string[] | undefined) {
  const { method: adapterMethod, settings, problems } = resolveAdapterSettings(assets.model, { ...method, labels });
  return { adapterMethod, settings, problems };
}

/** Per-class results on held-out images with `patch`, with thumbnails of the first misclassified ones; null for token data. */
export async function heldOutClassReport(model: Model, patch: ModelPatch | null, data: TrainingData, labels: string[], batchSize: number): Promise<RunClassReport | null> {
  if (data.kind !== 'images') return null;
  const predicted = await predictClasses(model, patch, data, batchSize);
  const report = classReport(data.samples.map((s) => s.label), predicted, labels);
  const misclassified = report.misclassified.slice(0, MISCLASSIFIED_SHOWN).map((m) => {
    const small = thumbnail(data.samples[m.index].image, THUMBNAIL_SIDE);
    return { ...m, image: { width: small.width, height: small.height, rgba: new Uint8ClampedArray(small.data) } };
  });
  const { misclassified: all, ...rest } = report;
  return { ...rest, misclassifiedCount: all.length, misclassified };
}

export class RunSession {
  status: RunStatus = 'idle';
  adapter: Adapter | null = null;
  trainer: Trainer | null = null;
  /** The run's own compute so far, ms: its steps only (pauses, evaluations and other runs' turns excluded). */
  private trainingMs = 0;
  /** Wall clock of earlier stretches of training (before the last pause), ms. */
  private wallBeforeMs = 0;
  /** When the current stretch began (performance.now()), or null while not training. */
  private wallSince: number | null = null;
  /** Wall clock and step after the first step of the current stretch: the ETA's origin (the first step compiles kernels). */
  private etaOrigin: { wallMs: number; step: number } | null = null;
  /** Wall clock at the last checkpoint. */
  private checkpointWallMs = 0;
  /** Wall time of evaluations so far, ms. */
  private evaluationMs = 0;
  /** Training time when the last points were handed out. */
  private flushedAtMs = 0;
  /** Steps whose loss is not read back yet: their points wait for it. */
  private pending: { metrics: StepMetrics; evaluation: EvalResult | null; wallMs: number }[] = [];
  /** Whether the base evaluation (step 0) is still to be made: a fresh run with held-out data. */
  private baseEvaluationDue = false;
  /** The base evaluation, made and not yet handed out. */
  private baseEvaluation: EvalResult | null = null;
  /** The held-out data and class names of a classifier run, for its class report. */
  private heldOut: { model: Model; data: TrainingData; labels: string[] } | null = null;

  /** The dataset the run last trained on, for its "Continue in PyTorch" bundle; null until it trains in this session. */
  trainedOn: LoadedDataset | null = null;

  constructor(public spec: RunSpec) {}

  get id(): string {
    return this.spec.id;
  }

  /**
   * A fresh adapter and trainer (any previous ones are freed); from `resume`
   * when given. With `start`, the adapter is not fresh but a copy of another
   * run's (Train further), which a resume then overwrites with its weights.
   */
  begin(assets: ModelAssets, data: RunDataCache, resume?: RunCheckpoint, start?: StartingAdapter, memoryBudgetBytes?: number): void {
    this.release();
    if (resume && resume.runId !== this.id) throw new Error(`the checkpoint is of run "${resume.runId}", not "${this.id}"`);
    const { adapterMethod, settings, problems } = adapterSettingsFor(assets, this.spec.settings.method, data.labels());
    if (problems.length > 0) throw new Error(`${adapterMethod.displayName}: ${problems.join('; ')}`);
    const runData = data.forSequenceLength(this.spec.settings.training.seqLength);
    const trainSettings = trainSettingsFor(this.spec.settings);
    // Before anything is allocated: a run that cannot fit is refused with the numbers and what would fit.
    const memory = runMemoryVerdict(assets.model, settings, adapterMethod.countTrainable(assets.model, settings), trainSettings, runData.train, memoryBudgetBytes);
    if (!memory.fits) throw new MemoryPlanError(memory.refusal ?? memory.summary);
    const adapter = start
      ? adapterToContinue(assets.model, start.files, settings, start.from, data.labels())
      : adapterMethod.create(assets.model, settings, this.spec.settings.training.seed);
    try {
      this.trainer = new Trainer({
        model: assets.model,
        adapter,
        train: runData.train,
        validation: runData.validation,
        settings: trainSettings,
        resume: resume?.trainer ?? null,
      });
    } catch (error) {
      adapter.dispose();
      throw error;
    }
    this.adapter = adapter;
    this.trainedOn = data.loaded;
    this.trainingMs = this.flushedAtMs = resume?.computeMs ?? 0;
    this.evaluationMs = resume?.evaluationMs ?? 0;
    this.wallBeforeMs = this.checkpointWallMs = resume?.wallMs ?? 0;
    this.wallSince = null;
    this.etaOrigin = null;
    this.pending = [];
    this.warnings.length = 0;
    this.baseEvaluationDue = !resume && this.trainer.hasValidation;
    const labels = data.labels();
    this.heldOut = runData.validation?.kind === 'images' && labels ? { model: assets.model, data: runData.validation, labels } : null;
    this.baseEvaluation = null;
    // Warnings known before any step (a warm-up longer than the run); a resumed run gave them already.
    if (!resume) this.warnings.push(...this.trainer.warnings.map((message) => ({ step: 0, message })));
  }

  /** Wall clock since the run started, ms, pauses excluded. */
  get elapsedMs(): number {
    return this.wallBeforeMs + (this.wallSince === null ? 0 : performance.now() - this.wallSince);
  }

  /** The run's own compute so far, ms. */
  get computeMs(): number {
    return this.trainingMs;
  }

  /** Ends a stretch of training (a pause, a failure): its wall clock stops. */
  suspend(): void {
    if (this.wallSince !== null) this.wallBeforeMs += performance.now() - this.wallSince;
    this.wallSince = null;
    this.etaOrigin = null;
  }

  /**
   * Time left, ms, from the wall clock per step measured since the first step
   * of this stretch: other runs' turns and evaluations are in it, the first
   * step's kernel compilation is not. Null until that is measured.
   */
  get etaMs(): number | null {
    const trainer = this.trainer;
    const origin = this.etaOrigin;
    if (!trainer || !origin || trainer.stepsCompleted <= origin.step) return null;
    const perStep = (this.elapsedMs - origin.wallMs) / (trainer.stepsCompleted - origin.step);
    return perStep * (trainer.totalSteps - trainer.stepsCompleted);
  }

  /** Whether `intervalMs` of wall clock passed since the last checkpoint. */
  checkpointDue(intervalMs: number): boolean {
    return this.trainer !== null && !this.trainer.done && this.elapsedMs - this.checkpointWallMs >= intervalMs;
  }

  /**
   * A checkpoint of the run now (between steps), and the points of steps
   * whose loss it read back to make it.
   */
  async checkpoint(backend: BackendName | null): Promise<{ checkpoint: RunCheckpoint; points: MetricPoint[] }> {
    const trainer = this.trainer;
    if (!trainer) throw new Error(`the run "${this.spec.name}" is not training: there is nothing to checkpoint`);
    const { checkpoint, lossesRead } = await trainer.checkpoint();
    const points = this.pending.length > 0 ? this.flushPending(lossesRead) : [];
    this.checkpointWallMs = this.elapsedMs;
    return {
      checkpoint: {
        runId: this.id,
        step: checkpoint.step,
        totalSteps: checkpoint.totalSteps,
        computeMs: this.trainingMs,
        wallMs: this.elapsedMs,
        evaluationMs: this.evaluationMs,
        backend,
        savedAt: Date.now(),
        trainer: checkpoint,
      },
      points,
    };
  }

  /**
   * One optimizer step (and an evaluation when one is due); returns the
   * points whose loss is now known (possibly none). `syncDevice` waits for
   * the device after the step: when runs are interleaved, a run's read-back
   * would otherwise wait for the other runs' queued work, and its wall time
   * would include theirs.
   */
  async step(syncDevice: boolean): Promise<MetricPoint[]> {
    const trainer = this.trainer!;
    // Every curve starts at step 0 with the untrained adapter, on the same held-out data.
    if (this.baseEvaluationDue) {
      this.baseEvaluationDue = false;
      this.baseEvaluation = await this.evaluate(trainer);
    }
    const started = performance.now();
    this.wallSince ??= started;
    const metrics = await trainer.step();
    if (syncDevice) await waitForDevice(this.adapter!.trainable.values().next().value!);
    this.trainingMs += performance.now() - started;
    this.etaOrigin ??= { wallMs: this.elapsedMs, step: trainer.stepsCompleted };
    this.warnings.push(...(metrics.warnings ?? []).map((message) => ({ step: metrics.step, message })));
    const evaluation = this.evaluationDue(trainer) ? await this.evaluate(trainer) : null;
    this.pending.push({ metrics, evaluation, wallMs: this.elapsedMs });
    if (metrics.lossesRead.length === 0 && !trainer.done) return [];
    // Early stopping ended the run at this evaluation: the losses since the last read-back are read now.
    const lossesRead = metrics.lossesRead.length === 0 ? await trainer.readPendingLosses() : metrics.lossesRead;
    return this.flushPending(lossesRead);
  }

  /**
   * A classifier run's per-class results on its held-out images with the
   * adapter as it is now (call after concludeTraining: the weights it keeps);
   * null for language models or without held-out data.
   */
  async classReport(): Promise<RunClassReport | null> {
    const trainer = this.trainer;
    if (!this.heldOut || !trainer || !this.adapter) return null;
    const started = performance.now();
    try {
      const { model, data, labels } = this.heldOut;
      return await heldOutClassReport(model, this.adapter.patch(), data, labels, trainer.settings.evalBatchSize ?? trainer.settings.batchSize);
    } finally {
      this.evaluationMs += performance.now() - started;
    }
  }

  /** The evaluation at step 0, once, when it was made and not handed out yet. */
  takeBaseEvaluation(): EvalResult | null {
    const evaluation = this.baseEvaluation;
    this.baseEvaluation = null;
    return evaluation;
  }

  /**
   * How the run ended, in words, when not simply at its last step; with
   * keepBest, puts the best evaluation's weights back and returns its result
   * (the run's final evaluation then).
   */
  concludeTraining(): { best: EvalResult | null; message: string | null } {
    const trainer = this.trainer;
    if (!trainer) return { best: null, message: null };
    const parts: string[] = [];
    const stopped = trainer.stoppedEarlyAt;
    if (stopped !== null) parts.push(`Stopped early at step ${stopped} of ${trainer.totalSteps}: no lower validation loss in ${trainer.settings.patience} evaluations.`);
    const best = trainer.restoreBest();
    if (best) parts.push(best.step === 0 ? 'Kept the weights of step 0: no evaluation beat the untrained adapter.' : `Kept the best checkpoint: step ${best.step}.`);
    return { best: best ? toEvalResult(best.evaluation) : null, message: parts.length > 0 ? parts.join(' ') : null };
  }

  /** Warnings not handed out yet (the scheduler posts them), with the step they arose at. */
  readonly warnings: { step: number; message: string }[] = [];


  private evaluationDue(trainer: Trainer): boolean {
    const every = this.spec.settings.training.evalEvery;
    return trainer.hasValidation && every > 0 && (trainer.stepsCompleted % every === 0 || trainer.done);
  }

  private async evaluate(trainer: Trainer): Promise<EvalResult> {
    const started = performance.now();
    try {
      return toEvalResult(await trainer.evaluate(yieldToMessages));
    } finally {
      this.evaluationMs += performance.now() - started;
    }
  }

  private flushPending(lossesRead: LossPoint[]): MetricPoint[] {
    const losses = new Map(lossesRead.map((p) => [p.step, p.loss]));
    // A step's own wall time may not include its device time (the read-back waits for it): the
    // window's training time is spread evenly over its steps.
    const msPerStep = (this.trainingMs - this.flushedAtMs) / this.pending.length;
    const windowStart = this.flushedAtMs;
    this.flushedAtMs = this.trainingMs;
    const points = this.pending.map(({ metrics: m, evaluation, wallMs }, i) => {
      const seconds = msPerStep / 1000;
      return {
        runId: this.id,
        step: m.step,
        timeMs: windowStart + msPerStep * (i + 1),
        wallMs,
        loss: losses.get(m.step) ?? m.loss,
        learningRate: m.learningRate,
        examplesPerSecond: seconds > 0 ? m.examples / seconds : 0,
        tokensPerSecond: m.tokens > 0 && seconds > 0 ? m.tokens / seconds : null,
        memoryBytes: m.memory.gpuBytes ?? m.memory.numBytes,
        peakBytes: m.peakBytes,
        numTensors: m.memory.numTensors,
        ...(m.memory.gpuBuffers !== undefined ? { gpuBuffers: m.memory.gpuBuffers } : {}),
        validation: evaluation,
      };
    });
    this.pending = [];
    return points;
  }

  /** The final evaluation, unless the last step already ran one. */
  async finalEvaluation(lastPoints: MetricPoint[]): Promise<EvalResult | null> {
    const trainer = this.trainer;
    if (!trainer?.hasValidation) return null;
    const last = lastPoints[lastPoints.length - 1];
    if (last?.validation) return last.validation;
    return this.evaluate(trainer);
  }

  /** Ends training; the adapter is kept for "Try it" and export. */
  endTraining(): void {
    this.suspend();
    this.trainer?.dispose();
    this.trainer = null;
    this.pending = [];
  }

  /** Frees the trainer and the adapter. */
  release(): void {
    this.endTraining();
    this.heldOut = null;
    this.adapter?.dispose();
    this.adapter = null;
  }
}

