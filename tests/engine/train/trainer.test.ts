/**
 * The Trainer: loss falls on a tiny overfitting task; k micro-batches make the
 * same step as one batch k times larger; a NaN loss stops the run with a
 * NonFiniteLossError naming the step; the schedule and epochs are followed;
 * data that does not fit the model is refused before any step.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenSequence } from '../../../src/engine/data/types';
import { NonFiniteLossError } from '../../../src/engine/errors';
import { DirectorySource } from '../../../src/engine/io/node-source';
import { loadModel } from '../../../src/engine/models/load';
import type { Model } from '../../../src/engine/models/model';
import type { TrainingData } from '../../../src/engine/train/batches';
import { trainSettingsWithDefaults, type TrainSettings } from '../../../src/engine/train/settings';
import { Trainer, type StepMetrics } from '../../../src/engine/train/trainer';
import { useBackend } from '../../helpers/backend';
import { fixtureDir } from '../../helpers/fixtures';
import { ParamAdapter } from './param-adapter';

let model: Model;

beforeAll(async () => {
  await useBackend('cpu');
  model = await loadModel(new DirectorySource(fixtureDir('gpt2')));
});
afterAll(() => model.dispose());

const TRAINED = ['transformer.ln_f.bias', 'transformer.h.1.mlp.c_proj.bias'];

const sequence = (ids: number[], mask: number[] | null = null): TokenSequence => ({
  ids: Int32Array.from(ids),
  lossMask: mask ? Uint8Array.from(mask) : null,
});

/** Sequences of different lengths, some with prompt masks, so weighting matters. */
function mixedData(): TrainingData {
  return {
    kind: 'tokens',
    sequences: [
      sequence([1, 5, 9, 13, 17, 21, 25, 29]),
      sequence([2, 4, 6]),
      sequence([3, 7, 11, 15, 19], [0, 0, 0, 1, 1]),
      sequence([8, 16, 24, 32, 40, 48]),
      sequence([10, 20], null),
      sequence([30, 31, 32, 33, 34, 35, 36], [0, 1, 1, 1, 1, 1, 1]),
      sequence([50, 60, 70, 80]),
      sequence([90, 91, 92, 93, 94], [0, 0, 1, 0, 1]),
    ],
  };
}

function settings(overrides: Partial<TrainSettings>): TrainSettings {
  return trainSettingsWithDefaults({ schedule: 'constant', learningRate: 1e-2, lossReadbackEvery: 1, ...overrides });
}

async function runAll(trainer: Trainer): Promise<StepMetrics[]> {
  const metrics: StepMetrics[] = [];
  while (!trainer.done) metrics.push(await trainer.step());
  return metrics;
}

describe('Trainer on the gpt2 fixture', () => {
  it('lowers the loss on a tiny overfitting task', async () => {
    const adapter = new ParamAdapter(model, ['transformer.wte.weight', ...TRAINED]);
    const data: TrainingData = { kind: 'tokens', sequences: [sequence([3, 14, 15, 92, 65, 35, 89, 79, 32, 38, 46, 26])] };
    const trainer = new Trainer({ model, adapter, train: data, validation: data, settings: settings({ steps: 12, batchSize: 1, learningRate: 0.02 }) });
    const before = await trainer.evaluate();
    const metrics = await runAll(trainer);
    const after = await trainer.evaluate();
    const losses = metrics.map((m) => m.loss!);
    expect(losses[0]).toBeCloseTo(before.loss, 5);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] * 0.5);
    for (let i = 1; i < losses.length; i++) expect(losses[i]).toBeLessThan(losses[i - 1]);
    expect(after.loss).toBeLessThan(before.loss * 0.5);
    expect(after.task === 'causal-lm' && after.perplexity).toBeCloseTo(Math.exp(after.loss), 3);
    trainer.dispose();
    adapter.dispose();
  });

  it('makes the same steps with k micro-batches as with one batch k times larger', async () => {
    const run = async (batchSize: number, gradientAccumulation: number) => {
      const adapter = new ParamAdapter(model, TRAINED);
      const trainer = new Trainer({
        model,
        adapter,
        train: mixedData(),
        settings: settings({ steps: 3, batchSize, gradientAccumulation, maxGradNorm: null, seed: 5 }),
      });
      const metrics = await runAll(trainer);
      const values = await adapter.values();
      trainer.dispose();
      adapter.dispose();
      return { points: metrics.flatMap((m) => m.lossesRead), values, examples: metrics.map((m) => m.examples) };
    };
    const big = await run(4, 1);
    const micro = await run(1, 4);
    expect(micro.examples).toEqual([4, 4, 4]);
    micro.points.forEach((p, i) => {
      expect(p.loss).toBeCloseTo(big.points[i].loss, 5);
      // The gradient norm is what a mean of micro-batch means would get wrong.
      expect(p.gradNorm).toBeCloseTo(big.points[i].gradNorm, 5);
    });
    for (const [name, values] of big.values) {
      const other = micro.values.get(name)!;
      values.forEach((v, i) => expect(other[i]).toBeCloseTo(v, 5));
    }
  });

  it('stops with a NonFiniteLossError naming the step where the loss became NaN', async () => {
    const adapter = new ParamAdapter(model, TRAINED);
    const trainer = new Trainer({ model, adapter, train: mixedData(), settings: settings({ steps: 10, batchSize: 2, lossReadbackEvery: 3 }) });
    await trainer.step();
    await trainer.step();
    await trainer.step();
    // Poison the weights: step 4 computes a NaN loss, and the read-back after step 6 finds it.
    adapter.trainable.get(TRAINED[0])!.assign(tf.fill([32], Number.NaN));
    expect((await trainer.step()).loss).toBeNull();
    await trainer.step();
    const error = await trainer.step().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonFiniteLossError);
    expect((error as NonFiniteLossError).step).toBe(4);
    expect((error as Error).message).toMatch(/loss became NaN at step 4: training stopped.*lower learning rate/);
    await expect(trainer.step()).rejects.toBe(error);
    trainer.dispose();
    adapter.dispose();
  });

  it('ends the run on an error inside a step, leaking no tensors', async () => {
    const adapter = new ParamAdapter(model, TRAINED);
    const trainer = new Trainer({ model, adapter, train: mixedData(), settings: settings({ steps: 5, batchSize: 2, gradientAccumulation: 2 }) });
    await trainer.step();
    await trainer.step();
    // A patch whose bias no longer fits: the second micro-batch's forward pass throws.
    const misfit = tf.zeros([31]);
    const before = tf.memory().numTensors;
    let calls = 0;
    adapter.patch = () => ({ params: calls++ === 0 ? adapter.trainable : new Map([[TRAINED[0], misfit]]) });
    const error = await trainer.step().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(tf.memory().numTensors).toBe(before);
    await expect(trainer.step()).rejects.toBe(error);
    misfit.dispose();
    trainer.dispose();
    adapter.dispose();
  });

  it("reports each step at its highest, activations included, and the run's high-water", async () => {
    const adapter = new ParamAdapter(model, TRAINED);
    const trainer = new Trainer({ model, adapter, train: mixedData(), settings: settings({ steps: 3, batchSize: 4 }) });
    const metrics = await runAll(trainer);
    const config = model.config as { vocabSize: number };
    for (const m of metrics) {
      // The logits of 4 padded sequences (at least 2 tokens each) are alive inside the step and gone after it.
      expect(m.peakBytes - m.memory.numBytes).toBeGreaterThanOrEqual(4 * 2 * config.vocabSize * 4);
    }
    expect(trainer.peakBytes).toBe(Math.max(...metrics.map((m) => m.peakBytes)));
    trainer.dispose();
    adapter.dispose();
  });

  it('follows the schedule and counts epochs', async () => {
    const adapter = new ParamAdapter(model, TRAINED);
    const trainer = new Trainer({
      model,
      adapter,
      train: mixedData(),
      settings: settings({ epochs: 2, batchSize: 2, gradientAccumulation: 2, schedule: 'linear', warmupSteps: 1, lossReadbackEvery: 2 }),
    });
    // 2 epochs × 8 samples / (2 × 2 per step) = 4 steps; linear: 0, then (4 - s) / 3.
    expect(trainer.totalSteps).toBe(4);
    const metrics = await runAll(trainer);
    const expectedRates = [0, 1e-2, (1e-2 * 2) / 3, (1e-2 * 1) / 3];
    metrics.forEach((m, i) => expect(m.learningRate).toBeCloseTo(expectedRates[i], 15));
    expect(metrics.map((m) => m.epoch)).toEqual([0.5, 1, 1.5, 2]);
    expect(metrics.map((m) => m.loss === null)).toEqual([true, false, true, false]);
    expect(metrics[1].lossesRead.map((p) => p.step)).toEqual([1, 2]);
    expect(metrics[3].syncedStepMs).toBeGreaterThan(0);
    expect(metrics.every((m) => m.tokens > 0 && m.examples === 4)).toBe(true);
    await expect(trainer.step()).rejects.toThrow(/finished: all 4 steps/);
    trainer.dispose();
    adapter.dispose();
  });

  it('evaluates every evalEvery steps and after the last', async () => {
    const adapter = new ParamAdapter(model, TRAINED);
    const data = mixedData();
    const trainer = new Trainer({ model, adapter, train: data, validation: data, settings: settings({ steps: 5, batchSize: 2, evalEvery: 2 }) });
    const metrics = await runAll(trainer);
    expect(metrics.map((m) => m.evaluation !== undefined)).toEqual([false, true, false, true, true]);
    expect(metrics[4].evaluation).toMatchObject({ task: 'causal-lm', targets: 28 });
    trainer.dispose();
    adapter.dispose();
  });

  it('lets two runs share one model, step by step', async () => {
    const alone = async (names: string[]) => {
      const adapter = new ParamAdapter(model, names);
      const trainer = new Trainer({ model, adapter, train: mixedData(), settings: settings({ steps: 3, batchSize: 2 }) });
      const losses = (await runAll(trainer)).map((m) => m.loss);
      trainer.dispose();
      adapter.dispose();
      return losses;
    };
    const expectedA = await alone([TRAINED[0]]);
    const expectedB = await alone([TRAINED[1]]);
    const adapters = [new ParamAdapter(model, [TRAINED[0]]), new ParamAdapter(model, [TRAINED[1]])];
    const trainers = adapters.map((adapter) => new Trainer({ model, adapter, train: mixedData(), settings: settings({ steps: 3, batchSize: 2 }) }));
    const interleaved: (number | null)[][] = [[], []];
    for (let s = 0; s < 3; s++) for (const i of [0, 1]) interleaved[i].push((await trainers[i].step()).loss);
    expect(interleaved).toEqual([expectedA, expectedB]);
    expect(model.attachedPatch).toBeNull();
    trainers.forEach((t) => t.dispose());
    adapters.forEach((a) => a.dispose());
  });
});

describe('Trainer refuses what cannot work, before any step', () => {
  const make = (train: TrainingData, overrides: Partial<TrainSettings> = {}) => () => {
    const adapter = new ParamAdapter(model, TRAINED);
    try {
      return new Trainer({ model, adapter, train, settings: settings({ steps: 1, ...overrides }) });
    } finally {
      adapter.dispose();
    }
  };

  it('a token id outside the vocabulary', () => {
    expect(make({ kind: 'tokens', sequences: [sequence([1, 96])] })).toThrow(/token id 96 at position 1, outside the model's vocabulary of 96/);
  });

  it('a sequence longer than the model takes', () => {
    expect(make({ kind: 'tokens', sequences: [sequence(Array.from({ length: 33 }, () => 1))] })).toThrow(/33 tokens; the model takes at most 32/);
  });

  it('images for a language model', () => {
    const images: TrainingData = { kind: 'images', samples: [], preprocess: () => new Float32Array(), imageShape: [3, 16, 16] };
    expect(make(images)).toThrow(/data is images, but this GPT-2 model is a language model/);
  });

  it('nothing to predict, or no data', () => {
    expect(make({ kind: 'tokens', sequences: [sequence([4])] })).toThrow(/no tokens to predict/);
    expect(make({ kind: 'tokens', sequences: [] })).toThrow(/training set is empty/);
  });

  it('bad settings, all named at once', () => {
    expect(make(mixedData(), { batchSize: 0, learningRate: -1 })).toThrow(/batch size must be a whole number ≥ 1.*learning rate must be a number > 0/);
  });
});
