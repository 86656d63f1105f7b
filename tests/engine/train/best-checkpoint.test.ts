/**
 * Early stopping and the best checkpoint: the run stops after `patience`
 * evaluations in a row without a lower validation loss (the evaluation at
 * step 0 counts), keepBest puts back exactly the weights of the best
 * evaluation, a resumed run carries on counting, and nothing leaks.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectorySource } from '../../../src/engine/io/node-source';
import { loadModel } from '../../../src/engine/models/load';
import type { Model } from '../../../src/engine/models/model';
import type { TrainingData } from '../../../src/engine/train/batches';
import { BestCheckpoint } from '../../../src/engine/train/best-checkpoint';
import type { Evaluation } from '../../../src/engine/train/evaluate';
import { stoppingProblem, trainSettingsWithDefaults, validateTrainSettings, type TrainSettings } from '../../../src/engine/train/settings';
import { Trainer } from '../../../src/engine/train/trainer';
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
const seq = (ids: number[]) => ({ ids: Int32Array.from(ids), lossMask: null });
// Training teaches "2 follows 1"; the held-out text has 3 after 1: its loss falls at first (the
// shared statistics), then rises for a while, then falls again.
const TRAIN: TrainingData = { kind: 'tokens', sequences: Array.from({ length: 4 }, () => seq([1, 2, 1, 2, 1, 2, 1, 2])) };
const HELD_OUT: TrainingData = { kind: 'tokens', sequences: Array.from({ length: 2 }, () => seq([1, 3, 1, 3, 1, 3, 1, 3])) };

const settings = (overrides: Partial<TrainSettings>) =>
  trainSettingsWithDefaults({ steps: 20, batchSize: 2, learningRate: 0.05, schedule: 'constant', evalEvery: 1, lossReadbackEvery: 4, ...overrides });

/** The held-out losses at step 0 and after every step of a run without early stopping. */
async function lossesWithoutStopping(steps: number): Promise<number[]> {
  const adapter = new ParamAdapter(model, TRAINED);
  const trainer = new Trainer({ model, adapter, train: TRAIN, validation: HELD_OUT, settings: settings({ steps }) });
  const losses = [(await trainer.evaluate()).loss];
  while (!trainer.done) losses.push((await trainer.step()).evaluation!.loss);
  trainer.dispose();
  adapter.dispose();
  return losses;
}

/** Where a run with this patience must stop, read off the losses: the step, and the best step before it. */
function expectedStop(losses: number[], patience: number): { stop: number | null; best: number } {
  let best = 0;
  let without = 0;
  for (let step = 1; step < losses.length; step++) {
    if (losses[step] < losses[best]) [best, without] = [step, 0];
    else if (++without >= patience && step < losses.length - 1) return { stop: step, best };
  }
  return { stop: null, best };
}

describe('early stopping and the best checkpoint in the Trainer', () => {
  it('stops after `patience` evaluations without a lower held-out loss, and keepBest restores the best weights exactly', async () => {
    const losses = await lossesWithoutStopping(20);
    const { stop, best } = expectedStop(losses, 2);
    // The scenario must hold for the test to mean anything: a stop, after the best step, before the end.
    expect(stop, `held-out losses: ${losses.map((l) => l.toFixed(4)).join(' ')}`).not.toBeNull();
    expect(best).toBeGreaterThan(0);

    const reference = new ParamAdapter(model, TRAINED);
    const short = new Trainer({ model, adapter: reference, train: TRAIN, settings: settings({ steps: 20, evalEvery: 0 }) });
    for (let i = 0; i < best; i++) await short.step();
    const want = await reference.values();
    short.dispose();
    reference.dispose();

    const adapter = new ParamAdapter(model, TRAINED);
    const start = tf.memory().numTensors;
    const trainer = new Trainer({ model, adapter, train: TRAIN, validation: HELD_OUT, settings: settings({ patience: 2, keepBest: true }) });
    const base = await trainer.evaluate();
    expect(base.loss).toBeCloseTo(losses[0], 6);
    const stepsRun: number[] = [];
    const tensorCounts: number[] = [];
    while (!trainer.done) {
      const m = await trainer.step();
      stepsRun.push(m.step);
      tensorCounts.push(tf.memory().numTensors);
      if (trainer.done) {
        // The steps since the last read-back are read when the run stops early.
        expect(m.lossesRead.map((p) => p.step).at(-1)).toBe(stop);
      }
    }
    expect(stepsRun.at(-1)).toBe(stop);
    expect(trainer.stoppedEarlyAt).toBe(stop);
    expect(trainer.bestEvaluation?.step).toBe(best);
    expect(trainer.bestEvaluation?.evaluation.loss).toBeCloseTo(losses[best], 6);
    // A copy of the weights replaces the last: as many tensors after each step (the first creates AdamW's moments).
    expect(new Set(tensorCounts.slice(1)).size).toBe(1);
    await expect(trainer.step()).rejects.toThrow(`the run stopped early at step ${stop}`);

    const restored = trainer.restoreBest();
    expect(restored?.step).toBe(best);
    const after = await trainer.evaluate();
    expect(after.loss).toBeCloseTo(losses[best], 6);
    // The very weights a run of `best` steps ends with.
    const got = await adapter.values();
    for (const name of TRAINED) expect(Array.from(got.get(name)!)).toEqual(Array.from(want.get(name)!));
    trainer.dispose();
    // The kept copies go with the trainer: nothing of it is left.
    expect(tf.memory().numTensors).toBe(start);
    adapter.dispose();
  });

  it('without keepBest the last weights stay; with a patience longer than the run it never stops', async () => {
    const losses = await lossesWithoutStopping(6);
    const adapter = new ParamAdapter(model, TRAINED);
    const trainer = new Trainer({ model, adapter, train: TRAIN, validation: HELD_OUT, settings: settings({ steps: 6, patience: 50 }) });
    await trainer.evaluate();
    while (!trainer.done) await trainer.step();
    expect(trainer.stepsCompleted).toBe(6);
    expect(trainer.stoppedEarlyAt).toBeNull();
    expect(trainer.restoreBest()).toBeNull();
    expect((await trainer.evaluate()).loss).toBeCloseTo(losses[6], 6);
    trainer.dispose();
    adapter.dispose();
  });

  it('a run resumed from a checkpoint keeps counting, and stops where the uninterrupted run stops', async () => {
    const losses = await lossesWithoutStopping(20);
    const { stop, best } = expectedStop(losses, 2);
    const first = new ParamAdapter(model, TRAINED);
    const options = { model, train: TRAIN, validation: HELD_OUT, settings: settings({ patience: 2, keepBest: true }) };
    const a = new Trainer({ ...options, adapter: first });
    await a.evaluate();
    await a.step();
    await a.step();
    const { checkpoint } = await a.checkpoint();
    a.dispose();
    first.dispose();
    const second = new ParamAdapter(model, TRAINED);
    const b = new Trainer({ ...options, adapter: second, resume: checkpoint });
    while (!b.done) await b.step();
    expect(b.stoppedEarlyAt).toBe(stop);
    expect(b.restoreBest()?.step).toBe(best);
    expect((await b.evaluate()).loss).toBeCloseTo(losses[best], 6);
    b.dispose();
    second.dispose();
  });

  it('early stopping needs evaluations during training, and a patience in bounds', () => {
    expect(stoppingProblem(3, 0)).toBe('early stopping needs evaluations during training: set evaluate-every above 0');
    expect(stoppingProblem(3, 5)).toBeNull();
    expect(stoppingProblem(0, 0)).toBeNull();
    expect(validateTrainSettings(settings({ patience: -1 }))[0]).toMatch(/patience must be a whole number in \[0, 1000\], got -1/);
    expect(validateTrainSettings(settings({ patience: 0, evalEvery: 0, keepBest: true }))).toEqual([]);
  });
});

describe('BestCheckpoint', () => {
  const evaluation = (loss: number): Evaluation => ({ task: 'causal-lm', loss, perplexity: Math.exp(loss), targets: 1 });

  it('counts evaluations without a strictly lower loss, once per step, and stops only before the last step', () => {
    const best = new BestCheckpoint(new Map(), { patience: 2, keepBest: false, totalSteps: 10 });
    expect(best.observe(0, evaluation(3))).toBe(true);
    expect(best.observe(2, evaluation(2))).toBe(true);
    expect(best.observe(4, evaluation(2))).toBe(false); // equal is not better
    expect(best.observe(4, evaluation(1))).toBe(false); // the same step again is not counted
    expect(best.evaluationsWithoutImprovement).toBe(1);
    expect(best.stoppedAt).toBeNull();
    expect(best.observe(6, evaluation(2.5))).toBe(false);
    expect(best.stoppedAt).toBe(6);
    expect(best.best).toEqual({ step: 2, evaluation: evaluation(2) });
    const atEnd = new BestCheckpoint(new Map(), { patience: 1, keepBest: false, totalSteps: 4 });
    atEnd.observe(0, evaluation(1));
    atEnd.observe(4, evaluation(2));
    expect(atEnd.stoppedAt).toBeNull();
  });
});
