/**
 * One run in the worker: its settings, its adapter (kept after training, for
 * "Try it" and export), and while training, its Trainer. Turns the Trainer's
 * step metrics into the chart points the page receives.
 */
import { getAdapterMethod } from '../engine/adapters/registry';
import type { Adapter, AdapterSettings } from '../engine/adapters/types';
import type { Evaluation } from '../engine/train/evaluate';
import { trainSettingsWithDefaults, type TrainSettings } from '../engine/train/settings';
import { Trainer, type StepMetrics } from '../engine/train/trainer';
import type { EvalResult, MethodSettings, MetricPoint, RunSettings, RunSpec, RunStatus } from './protocol';
import type { ModelAssets, RunDataCache } from './run-data';

/** Losses are read back from the device every this many steps: the charts lag by at most this. */
export const LOSS_READBACK_EVERY = 5;
/** The smallest evaluation batch. */
const EVAL_BATCH_SIZE = 32;

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
      evalEvery: t.evalEvery,
      // Evaluation has no backward pass: larger batches cost less per example.
      evalBatchSize: Math.max(t.batchSize, EVAL_BATCH_SIZE),
      lossReadbackEvery: LOSS_READBACK_EVERY,
    },
    settings.method.method,
  );
}

/** The method's full settings for this model (and dataset labels), with problems in words. */
export function adapterSettingsFor(assets: ModelAssets, method: MethodSettings, labels: string[] | undefined) {
  const adapterMethod = getAdapterMethod(method.method);
  const given: Partial<AdapterSettings> = { ...method, ...(labels ? { labels } : {}) };
  const settings = adapterMethod.withDefaults(assets.model, given);
  return { adapterMethod, settings, problems: adapterMethod.validate(assets.model, settings) };
}

export class RunSession {
  status: RunStatus = 'idle';
  adapter: Adapter | null = null;
  trainer: Trainer | null = null;
  /** Training wall time so far, ms (pauses excluded). */
  elapsedMs = 0;
  /** Steps whose loss is not read back yet: their points wait for it. */
  private pending: { metrics: StepMetrics; timeMs: number }[] = [];

  constructor(public spec: RunSpec) {}

  get id(): string {
    return this.spec.id;
  }

  /** A fresh adapter and trainer (any previous ones are freed). */
  begin(assets: ModelAssets, data: RunDataCache): void {
    this.release();
    const { adapterMethod, settings, problems } = adapterSettingsFor(assets, this.spec.settings.method, data.labels());
    if (problems.length > 0) throw new Error(`${adapterMethod.displayName}: ${problems.join('; ')}`);
    const runData = data.forSequenceLength(this.spec.settings.training.seqLength);
    const trainSettings = trainSettingsFor(this.spec.settings);
    const adapter = adapterMethod.create(assets.model, settings, this.spec.settings.training.seed);
    try {
      this.trainer = new Trainer({ model: assets.model, adapter, train: runData.train, validation: runData.validation, settings: trainSettings });
    } catch (error) {
      adapter.dispose();
      throw error;
    }
    this.adapter = adapter;
    this.elapsedMs = 0;
    this.pending = [];
  }

  /** One optimizer step; returns the points whose loss is now known (possibly none). */
  async step(): Promise<MetricPoint[]> {
    const trainer = this.trainer!;
    const started = performance.now();
    const metrics = await trainer.step();
    this.elapsedMs += performance.now() - started;
    this.pending.push({ metrics, timeMs: this.elapsedMs });
    if (metrics.lossesRead.length === 0 && !trainer.done) return [];
    return this.flushPending(metrics);
  }

  private flushPending(readAt: StepMetrics): MetricPoint[] {
    const losses = new Map(readAt.lossesRead.map((p) => [p.step, p.loss]));
    // Between read-backs a step's wall time may not include device time; the synced time per step does.
    const msPerStep = readAt.syncedStepMs;
    const points = this.pending.map(({ metrics: m, timeMs }) => {
      const seconds = (msPerStep ?? m.stepMs) / 1000;
      return {
        runId: this.id,
        step: m.step,
        timeMs,
        loss: losses.get(m.step) ?? m.loss,
        learningRate: m.learningRate,
        examplesPerSecond: seconds > 0 ? m.examples / seconds : 0,
        tokensPerSecond: m.tokens > 0 && seconds > 0 ? m.tokens / seconds : null,
        memoryBytes: m.memory.gpuBytes ?? m.memory.numBytes,
        numTensors: m.memory.numTensors,
        validation: m.evaluation ? toEvalResult(m.evaluation) : null,
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
    return toEvalResult(await trainer.evaluate(() => new Promise((r) => setTimeout(r, 0))));
  }

  /** Ends training; the adapter is kept for "Try it" and export. */
  endTraining(): void {
    this.trainer?.dispose();
    this.trainer = null;
    this.pending = [];
  }

  /** Frees the trainer and the adapter. */
  release(): void {
    this.endTraining();
    this.adapter?.dispose();
    this.adapter = null;
  }
}

