/**
 * The analysis on real adapters of the bundled models: the update anatomy of
 * every targeted module, the authors' cluster maps on a ViT (WeGeFT's W·φᵀ
 * and LoRA's B side by side), and the language-model analogue over a
 * prompt. Numbers are checked in math.test.ts; here: that every module is
 * reported, the maps carry information (not constant, different per
 * direction and before / after the update), and no tensor leaks.
 */
import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promptTokenScores, imageClusterMaps, moduleTokenOutputs } from '../../../src/engine/analysis/capture';
import { analyzeUpdates } from '../../../src/engine/analysis/updates';
import { getAdapterMethod } from '../../../src/engine/adapters/registry';
import type { Adapter } from '../../../src/engine/adapters/types';
import { DirectorySource } from '../../../src/engine/io/node-source';
import { loadModel } from '../../../src/engine/models/load';
import type { Model } from '../../../src/engine/models/model';
import type { ImageClassifierConfig } from '../../../src/engine/models/types';
import { loadImagePreprocessor, type ImagePreprocessor } from '../../../src/engine/preprocess/image';
import { loadTokenizer } from '../../../src/engine/tokenizer';
import type { Svd } from '../../../src/engine/linalg/svd';
import { useBackend } from '../../helpers/backend';
import { PROJECT_ROOT } from '../../helpers/fixtures';
import { train, type TestModel } from '../adapters/helpers';

const VIT = path.join(PROJECT_ROOT, 'public/models/vit-tiny-fashion-mnist');
const LM = path.join(PROJECT_ROOT, 'public/models/gpt2-tiny-moby-brown');
const OUT_PROJ = 'attention.output.dense';

function variance(values: ArrayLike<number>): number {
  let mean = 0;
  for (let i = 0; i < values.length; i++) mean += values[i] / values.length;
  let v = 0;
  for (let i = 0; i < values.length; i++) v += (values[i] - mean) ** 2 / values.length;
  return v;
}

function meanAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

/** A striped 28 × 28 RGBA test image: patches differ, so do their tokens. */
function stripes(): { width: number; height: number; data: Uint8ClampedArray } {
  const data = new Uint8ClampedArray(28 * 28 * 4);
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const p = (y * 28 + x) * 4;
      const on = (Math.floor(x / 7) + Math.floor(y / 5)) % 2 === 0;
      data.set(on ? [230, 200, 40, 255] : [20, 60, 200, 255], p);
    }
  }
  return { width: 28, height: 28, data };
}

beforeAll(async () => {
  await useBackend('cpu');
});

describe('on the bundled ViT: WeGeFT and LoRA on the attention output projection', () => {
  let model: Model;
  let preprocessor: ImagePreprocessor;
  let t: TestModel;
  const adapters = new Map<string, Adapter>();

  beforeAll(async () => {
    model = await loadModel(new DirectorySource(VIT));
    preprocessor = await loadImagePreprocessor(new DirectorySource(VIT), model.config as ImageClassifierConfig);
    const pixels = tf.randomUniform([4, 3, 28, 28], -1, 1, 'float32', 3) as tf.Tensor4D;
    t = { name: 'vit', model, inputs: { pixelValues: pixels }, labels: tf.tensor1d([1, 3, 5, 7], 'int32'), dispose: () => {} };
    for (const method of ['wegeft', 'lora']) {
      const spec = getAdapterMethod(method);
      const settings = spec.withDefaults(model, { method: method as 'wegeft', rank: 4, targets: { kind: 'suffixes', suffixes: [OUT_PROJ] } });
      const adapter = spec.create(model, settings, 7);
      train(t, adapter, 4, 2e-2);
      adapters.set(method, adapter);
    }
  });
  afterAll(() => {
    for (const a of adapters.values()) a.dispose();
    tf.dispose([t.inputs as never, t.labels!]);
  });

  it('reports the anatomy of every targeted module (one per layer), exact rank-4 spectra, and leaks nothing', async () => {
    const svds = new Map<string, Svd>();
    for (const [method, adapter] of adapters) {
      const before = tf.memory().numTensors;
      const progress: number[] = [];
      const result = await analyzeUpdates(model, adapter, { weightSvds: svds, onProgress: (done) => progress.push(done) });
      expect(tf.memory().numTensors).toBe(before);
      expect(result.modules.map((m) => m.module)).toEqual([0, 1, 2, 3].map((i) => `vit.encoder.layer.${i}.${OUT_PROJ}`));
      expect(progress).toEqual([1, 2, 3, 4]);
      for (const m of result.modules) {
        expect(m.kind).toBe(OUT_PROJ);
        expect(m.lowRank).toBe(true);
        expect(m.deltaSingularValues).toHaveLength(4);
        expect(m.deltaFroOverWeightFro, method).toBeGreaterThan(0);
        expect(m.effectiveRank).toBeGreaterThan(1);
        expect(m.effectiveRank).toBeLessThanOrEqual(4 + 1e-9);
        expect(m.amplificationFactor).toBeGreaterThan(0);
        for (const e of m.energyInWeightTopK) expect(e.share).toBeGreaterThan(0);
      }
    }
    // Both runs share the base model's SVDs: four weights, computed once.
    expect(svds.size).toBe(4);
  });

  it('draws the authors\' cluster maps for both methods: r maps, not constant, different per direction and after the update', async () => {
    for (const [method, adapter] of adapters) {
      const before = tf.memory().numTensors;
      const grid = await imageClusterMaps(model, adapter, preprocessor, stripes(), `vit.encoder.layer.2.${OUT_PROJ}`);
      expect(tf.memory().numTensors).toBe(before);
      expect(grid.r).toBe(4);
      expect([grid.height, grid.width]).toEqual([224, 224]);
      expect(grid.before).toHaveLength(4);
      expect(grid.after[0]).toHaveLength(224 * 224 * 4);
      const plane = 224 * 224;
      const map = (maps: Float32Array, q: number) => maps.subarray(q * plane, (q + 1) * plane);
      for (let q = 0; q < 4; q++) expect(variance(map(grid.mapsAfter, q)), `${method} map ${q}`).toBeGreaterThan(1e-3);
      expect(meanAbsDiff(map(grid.mapsAfter, 0), map(grid.mapsAfter, 1))).toBeGreaterThan(1e-3);
      let changed = 0;
      for (let q = 0; q < 4; q++) changed = Math.max(changed, meanAbsDiff(map(grid.mapsBefore, q), map(grid.mapsAfter, q)));
      expect(changed, `${method}: the update changed no map`).toBeGreaterThan(1e-5);
      expect(grid.source).toContain(method === 'wegeft' ? "WeGeFT's s·W·φᵀ" : "LoRA's s·B");
    }
  });

  it('captures the module\'s outputs: "after" is the adapted output, "before" the frozen W·x + b on the same input', async () => {
    const wegeft = adapters.get('wegeft')!;
    const module = model.linearModule(`vit.encoder.layer.0.${OUT_PROJ}`);
    const pixels = tf.tensor4d(preprocessor.preprocess(stripes()), [1, 3, 28, 28]);
    const withAdapter = await moduleTokenOutputs(model, wegeft, module, () => model.forward({ pixelValues: pixels }));
    const withoutAdapter = await moduleTokenOutputs(model, null, module, () => model.forward({ pixelValues: pixels }));
    pixels.dispose();
    expect(withAdapter.tokens).toBe(17); // CLS + 4 × 4 patches
    // Layer 0's input is the same with or without the adapter: its frozen outputs agree; the adapted ones do not.
    expect(meanAbsDiff(withAdapter.before, withoutAdapter.before)).toBeLessThan(1e-6);
    expect(meanAbsDiff(withoutAdapter.before, withoutAdapter.after)).toBe(0);
    expect(meanAbsDiff(withAdapter.before, withAdapter.after)).toBeGreaterThan(1e-6);
  });

  it('draws at most 16 directions: VeRA\'s shared projections have hundreds', async () => {
    const spec = getAdapterMethod('vera');
    const vera = spec.create(model, spec.withDefaults(model, { method: 'vera', targets: { kind: 'suffixes', suffixes: [OUT_PROJ] } }), 5);
    train(t, vera, 2, 2e-2);
    const before = tf.memory().numTensors;
    const grid = await imageClusterMaps(model, vera, preprocessor, stripes(), `vit.encoder.layer.1.${OUT_PROJ}`);
    expect(tf.memory().numTensors).toBe(before);
    expect(vera.settings.rank!).toBeGreaterThan(16);
    expect(grid.r).toBe(16);
    expect(grid.after).toHaveLength(16);
    expect(grid.source).toMatch(/^the first 16 of the \d+ columns of VeRA's λ_b ⊙ B$/);
    vera.dispose();
  });

  it('says so when the run does not change the module asked for', async () => {
    await expect(imageClusterMaps(model, adapters.get('lora')!, preprocessor, stripes(), 'vit.encoder.layer.0.attention.attention.query'))
      .rejects.toThrow(/does not change vit\.encoder\.layer\.0\.attention\.attention\.query/);
  });
});

describe('on the bundled language model: token scores over a prompt', () => {
  it('shades every prompt token per direction, before and after the update, without leaking', async () => {
    const source = new DirectorySource(LM);
    const model = await loadModel(source);
    const tokenizer = await loadTokenizer(source);
    const spec = getAdapterMethod('wegeft');
    const adapter = spec.create(model, spec.withDefaults(model, { method: 'wegeft', rank: 4 }), 3);
    const ids = tokenizer.encode('Call me Ishmael. Some years ago, never mind how long');
    const inputIds = tf.tensor2d([ids], [1, ids.length], 'int32');
    train({ name: 'lm', model, inputs: { inputIds }, labels: null, dispose: () => {} }, adapter, 3, 2e-2);
    const before = tf.memory().numTensors;
    const module = adapter.deltaWeights();
    const first = module[0].module.path;
    for (const d of module) [d.lowRank?.left, d.lowRank?.right, d.dense].forEach((x) => x?.dispose());
    const scores = await promptTokenScores(model, adapter, tokenizer, 'Call me Ishmael.', first);
    expect(tf.memory().numTensors).toBe(before);
    expect(scores.tokens.join('')).toBe('Call me Ishmael.');
    expect(scores.before).toHaveLength(4 * scores.tokens.length);
    expect(Math.max(...scores.after)).toBeCloseTo(1, 6);
    expect(Math.min(...scores.after)).toBe(0);
    await expect(promptTokenScores(model, adapter, tokenizer, 'x '.repeat(5000), first)).rejects.toThrow(/reads at most/);
    inputIds.dispose();
    adapter.dispose();
    model.dispose();
  });
});
