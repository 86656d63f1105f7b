/**
 * The pretraining loop, made of the engine's own parts, unchanged: every
 * parameter trained through the `full` adapter, the Trainer (AdamW, schedule,
 * clipping, seeded batches), evaluation, and the merged-model export that
 * writes config.json + model.safetensors as save_pretrained would.
 */
import { getAdapterMethod } from '../../../src/engine/adapters/registry';
import { exportMergedModel } from '../../../src/engine/adapters/export';
import type { Adapter } from '../../../src/engine/adapters/types';
import type { Model } from '../../../src/engine/models/model';
import { evaluate, type Evaluation } from '../../../src/engine/train/evaluate';
import { paddedLength, sampleCount, type TrainingData } from '../../../src/engine/train/batches';
import { Trainer } from '../../../src/engine/train/trainer';
import type { Recipe } from './recipes';

export interface LossPoint {
  step: number;
  loss: number;
}

export interface PretrainRun {
  /** config.json and model.safetensors of the trained model. */
  files: Map<string, Uint8Array>;
  /** Evaluation on the whole validation set after the last step. */
  finalEval: Evaluation;
  /** Evaluations on the progress subset during training. */
  progress: Array<{ step: number; evaluation: Evaluation }>;
  losses: LossPoint[];
  steps: number;
  /** Wall time of the training steps (evaluations included), ms. */
  trainMs: number;
}

export interface PretrainData {
  train: TrainingData;
  /** The whole held-out set, evaluated once at the end. */
  validation: TrainingData;
  /** Image classifiers: the label names, in the head's order. */
  labels?: string[];
}

const log = (line: string) => process.stderr.write(`${line}\n`);

export async function pretrainModel(model: Model, data: PretrainData, recipe: Recipe): Promise<PretrainRun> {
  const method = getAdapterMethod('full');
  const adapterSettings = method.withDefaults(model, { method: 'full', labels: data.labels });
  const adapter = method.create(model, adapterSettings, recipe.settings.seed);
  try {
    const progressData = firstSamples(data.validation, recipe.progressEvalExamples);
    const trainer = new Trainer({ model, adapter, train: data.train, validation: progressData, settings: recipe.settings });
    let run: Omit<PretrainRun, 'files' | 'finalEval'>;
    try {
      log(`pretraining ${recipe.modelId}: ${model.parameterCount().toLocaleString('en-US')} parameters, ${trainer.totalSteps} steps`);
      run = await runSteps(trainer);
    } finally {
      trainer.dispose();
    }
    const finalEval = await evaluateAll(model, adapter, data.validation, recipe.settings.evalBatchSize ?? recipe.settings.batchSize);
    log(`final: ${describe(finalEval)}`);
    const files = await exportMergedModel(model, adapter);
    return { ...run, files, finalEval };
  } finally {
    adapter.dispose();
  }
}

async function runSteps(trainer: Trainer): Promise<Omit<PretrainRun, 'files' | 'finalEval'>> {
  const started = performance.now();
  const losses: LossPoint[] = [];
  const progress: PretrainRun['progress'] = [];
  while (!trainer.done) {
    const m = await trainer.step();
    for (const point of m.lossesRead) losses.push({ step: point.step, loss: point.loss });
    if (m.loss !== null) {
      const elapsed = performance.now() - started;
      const eta = (elapsed / m.step) * (m.totalSteps - m.step);
      log(
        `step ${m.step}/${m.totalSteps} loss ${m.loss.toFixed(4)} lr ${m.learningRate.toExponential(2)} ` +
          `epoch ${m.epoch.toFixed(2)} elapsed ${minutes(elapsed)} eta ${minutes(eta)}`,
      );
    }
    if (m.evaluation) {
      progress.push({ step: m.step, evaluation: m.evaluation });
      log(`step ${m.step}: ${describe(m.evaluation)} (progress subset)`);
    }
  }
  return { losses, progress, steps: trainer.totalSteps, trainMs: performance.now() - started };
}

/** Evaluation of the model with the adapter's weights, over every sample of `data`. */
export async function evaluateAll(model: Model, adapter: Adapter | null, data: TrainingData, batchSize: number): Promise<Evaluation> {
  const tokenLength = data.kind === 'tokens' ? paddedLength(data.sequences) : 0;
  return evaluate(model, adapter?.patch() ?? null, data, { batchSize, tokenLength });
}

function firstSamples(data: TrainingData, count: number): TrainingData {
  if (sampleCount(data) <= count) return data;
  return data.kind === 'tokens'
    ? { kind: 'tokens', sequences: data.sequences.slice(0, count) }
    : { ...data, samples: data.samples.slice(0, count) };
}

export function describe(e: Evaluation): string {
  if (e.task === 'causal-lm') return `loss ${e.loss.toFixed(4)}, perplexity ${e.perplexity.toFixed(2)} over ${e.targets} tokens`;
  return `loss ${e.loss.toFixed(4)}, accuracy ${(e.accuracy * 100).toFixed(2)}% over ${e.examples} images`;
}

function minutes(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}
