/**
 * Checkpoints: a run checkpointed at step k and resumed in a new Trainer (new
 * adapter, new optimizer) takes exactly the steps the uninterrupted run takes:
 * same losses, same learning rates, same final weights. Also: the divergence
 * and warm-up warnings, and checkpoints that do not fit are refused.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

function data(): TrainingData {
  const seq = (ids: number[]) => ({ ids: Int32Array.from(ids), lossMask: null });
  return { kind: 'tokens', sequences: [seq([1, 5, 9, 13, 17]), seq([2, 4, 6, 8]), seq([3, 7, 11]), seq([8, 16, 24, 32, 40]), seq([50, 60, 70])] };
}

// Batch 2 of 5 samples: epochs end in the middle of batches, and a cosine schedule with warm-up moves every step.
const settings = (o: Partial<TrainSettings> = {}): TrainSettings =>
  trainSettingsWithDefaults({ steps: 9, batchSize: 2, schedule: 'cosine', warmupSteps: 2, learningRate: 2e-2, weightDecay: 0.01, lossReadbackEvery: 3, seed: 7, ...o });

async function steps(trainer: Trainer, n: number): Promise<StepMetrics[]> {
  const out: StepMetrics[] = [];
  for (let i = 0; i < n && !trainer.done; i++) out.push(await trainer.step());
  return out;
}

const losses = (metrics: StepMetrics[]) => metrics.flatMap((m) => m.lossesRead.map((p) => [p.step, p.loss]));

describe('Trainer checkpoints', () => {
  it('resumes exactly where it stopped: the same losses, learning rates and weights as an uninterrupted run', async () => {
    const straightAdapter = new ParamAdapter(model, TRAINED);
    const straight = new Trainer({ model, adapter: straightAdapter, train: data(), settings: settings() });
    const all = await steps(straight, 9);
    const expected = await straightAdapter.values();

    const firstAdapter = new ParamAdapter(model, TRAINED);
    const first = new Trainer({ model, adapter: firstAdapter, train: data(), settings: settings() });
    // Step 4 is between two read-backs (every 3): the checkpoint reads the pending loss itself.
    const before = await steps(first, 4);
    const { checkpoint, lossesRead } = await first.checkpoint();
    expect(checkpoint.step).toBe(4);
    expect(checkpoint.samplesSeen).toBe(8);
    expect(lossesRead.map((p) => p.step)).toEqual([4]);
    first.dispose();
    firstAdapter.dispose();

    // A fresh adapter: its weights are the base values again until the checkpoint restores them.
    const resumedAdapter = new ParamAdapter(model, TRAINED);
    const tensorsBefore = tf.memory().numTensors;
    const resumed = new Trainer({ model, adapter: resumedAdapter, train: data(), settings: settings(), resume: checkpoint });
    expect(resumed.stepsCompleted).toBe(4);
    const after = await steps(resumed, 9);
    expect(after.map((m) => m.step)).toEqual([5, 6, 7, 8, 9]);
    expect(after.map((m) => m.learningRate)).toEqual(all.slice(4).map((m) => m.learningRate));

    const got = [...losses(before), ...lossesRead.map((p) => [p.step, p.loss]), ...losses(after)];
    const want = losses(all);
    expect(got.map((p) => p[0])).toEqual(want.map((p) => p[0]));
    got.forEach((p, i) => expect(p[1]).toBeCloseTo(want[i][1], 5));
    const values = await resumedAdapter.values();
    for (const [name, v] of expected) {
      const w = values.get(name)!;
      for (let i = 0; i < v.length; i++) expect(w[i]).toBeCloseTo(v[i], 6);
    }
    resumed.dispose();
    // The trainer freed: nothing of the resume (moments, loaded values) stays behind.
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    resumedAdapter.dispose();
    straight.dispose();
    straightAdapter.dispose();
  });

  it('refuses a checkpoint of other settings, naming what differs, and leaks nothing', async () => {
    const adapter = new ParamAdapter(model, TRAINED);
    const trainer = new Trainer({ model, adapter, train: data(), settings: settings() });
    await steps(trainer, 2);
    const { checkpoint } = await trainer.checkpoint();
    trainer.dispose();
    const other = new ParamAdapter(model, ['transformer.ln_f.weight']);
    const count = tf.memory().numTensors;
    expect(() => new Trainer({ model, adapter, train: data(), settings: settings({ steps: 12 }), resume: checkpoint })).toThrow(/run of 9 steps.*give 12/);
    expect(() => new Trainer({ model, adapter: other, train: data(), settings: settings(), resume: checkpoint })).toThrow(/do not match this adapter/);
    expect(tf.memory().numTensors).toBe(count);
    other.dispose();
    adapter.dispose();
  });

  it('warns when the warm-up is as long as the run', () => {
    const adapter = new ParamAdapter(model, TRAINED);
    const trainer = new Trainer({ model, adapter, train: data(), settings: settings({ steps: 5, warmupSteps: 8 }) });
    expect(trainer.warnings).toHaveLength(1);
    expect(trainer.warnings[0]).toMatch(/warm-up \(8 steps\) is as long as the run or longer \(5 steps\)/);
    trainer.dispose();
    const fine = new Trainer({ model, adapter, train: data(), settings: settings({ steps: 5, warmupSteps: 4 }) });
    expect(fine.warnings).toHaveLength(0);
    fine.dispose();
    adapter.dispose();
  });

  it('warns once when the loss grows 100× without becoming NaN', async () => {
    const adapter = new ParamAdapter(model, ['transformer.wte.weight']);
    // A huge learning rate on the tied embeddings: the loss explodes but stays finite on this tiny model.
    const trainer = new Trainer({ model, adapter, train: data(), settings: settings({ steps: 12, schedule: 'constant', warmupSteps: 0, learningRate: 30, lossReadbackEvery: 1, maxGradNorm: null }) });
    const metrics = await steps(trainer, 12).catch((e) => {
      throw new Error(`the loss became non-finite, pick a smaller learning rate for this test: ${(e as Error).message}`);
    });
    const warned = metrics.filter((m) => (m.warnings?.length ?? 0) > 0);
    expect(warned).toHaveLength(1);
    expect(warned[0].warnings![0]).toMatch(/^The loss grew \d+× .*without becoming NaN: the learning rate \(30\) is likely too high/);
    trainer.dispose();
    adapter.dispose();
  });
});
