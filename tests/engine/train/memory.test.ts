/**
 * Memory is flat: for every fine-tuning method, tf.memory().numTensors after
 * each training step from the second on equals its value after the second
 * (the first creates AdamW's moments), with gradient accumulation, clipping,
 * loss read-backs and evaluations in between. Checked on a language model
 * (gpt2 fixture) and an image classifier (vit fixture, with a new head).
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapterMethods } from '../../../src/engine/adapters/registry';
import type { AdapterMethod, AdapterSettings } from '../../../src/engine/adapters/types';
import type { RgbaImage } from '../../../src/engine/data/types';
import { DirectorySource } from '../../../src/engine/io/node-source';
import { loadModel } from '../../../src/engine/models/load';
import type { Model } from '../../../src/engine/models/model';
import type { TrainingData } from '../../../src/engine/train/batches';
import { trainSettingsWithDefaults } from '../../../src/engine/train/settings';
import { Trainer } from '../../../src/engine/train/trainer';
import { useBackend } from '../../helpers/backend';
import { fixtureDir } from '../../helpers/fixtures';

const STEPS = 6;

function textData(): TrainingData {
  const sequences = Array.from({ length: 6 }, (_, i) => ({
    ids: Int32Array.from({ length: 6 + (i % 3) }, (_, t) => (i * 13 + t * 7) % 96),
    lossMask: i % 2 === 0 ? null : Uint8Array.from({ length: 6 + (i % 3) }, (_, t) => (t > 2 ? 1 : 0)),
  }));
  return { kind: 'tokens', sequences };
}

function imageData(): TrainingData {
  const image: RgbaImage = { width: 1, height: 1, data: Uint8Array.from([0, 0, 0, 255]) };
  const samples = Array.from({ length: 6 }, (_, i) => ({ image: { ...image, data: Uint8Array.from([i * 40, 0, 0, 255]) }, label: i % 2 }));
  // Pixels derived from the sample's red value: deterministic, different per sample.
  const preprocess = (img: RgbaImage) => Float32Array.from({ length: 3 * 16 * 16 }, (_, k) => Math.sin(k + img.data[0]));
  return { kind: 'images', samples, preprocess, imageShape: [3, 16, 16] };
}

/** numTensors after each step, for one method's fresh adapter. */
async function tensorCounts(model: Model, method: AdapterMethod, extra: Partial<AdapterSettings>, data: TrainingData): Promise<number[]> {
  const settings = method.withDefaults(model, { method: method.name, ...extra });
  const adapter = method.create(model, settings, 1);
  const trainer = new Trainer({
    model,
    adapter,
    train: data,
    validation: data,
    settings: trainSettingsWithDefaults(
      { steps: STEPS, batchSize: 2, gradientAccumulation: 2, maxGradNorm: 1, lossReadbackEvery: 3, evalEvery: 2, learningRate: 1e-3 },
    ),
  });
  const counts: number[] = [];
  try {
    while (!trainer.done) counts.push((await trainer.step()).memory.numTensors);
  } finally {
    trainer.dispose();
    adapter.dispose();
  }
  return counts;
}

function expectFlatFromSecondStep(counts: number[]): void {
  expect(counts).toHaveLength(STEPS);
  expect(counts.slice(1)).toEqual(new Array<number>(STEPS - 1).fill(counts[1]));
}

describe('numTensors is flat across training steps, for every method', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  describe('gpt2 (causal LM)', () => {
    let model: Model;
    beforeAll(async () => {
      model = await loadModel(new DirectorySource(fixtureDir('gpt2')));
    });
    afterAll(() => model.dispose());

    const cases = [
      ...adapterMethods.map((method) => ({ label: method.name, method, extra: {} })),
      { label: 'wegeft per layer', method: adapterMethods.find((m) => m.name === 'wegeft')!, extra: { perLayer: true } },
    ];
    it.each(cases)('$label', async ({ method, extra }) => {
      const before = tf.memory().numTensors;
      expectFlatFromSecondStep(await tensorCounts(model, method, extra, textData()));
      // And nothing outlives the run once the trainer and adapter are disposed.
      expect(tf.memory().numTensors).toBe(before);
    });
  });

  describe('vit (image classifier, new 2-class head)', () => {
    let model: Model;
    beforeAll(async () => {
      model = await loadModel(new DirectorySource(fixtureDir('vit')));
    });
    afterAll(() => model.dispose());

    it.each(adapterMethods.map((method) => ({ label: method.name, method })))('$label', async ({ method }) => {
      const before = tf.memory().numTensors;
      expectFlatFromSecondStep(await tensorCounts(model, method, { labels: ['even', 'odd'] }, imageData()));
      expect(tf.memory().numTensors).toBe(before);
    });
  });
});
