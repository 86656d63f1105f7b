/**
 * The benchmark runs the real Trainer step of each method side by side:
 * every method gets its measured windows, WeGeFT and LoRA share targets and
 * rank, nothing leaks (per method, and once the run is over), peak memory
 * holds at least the model and the method's own state, and the profiled
 * step's kernels are there. Timings are not checked: only that they exist.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveTargets } from '../../../src/engine/adapters/common/targets';
import { benchmarkModel, benchShapes } from '../../../src/engine/bench/benchmark';
import { tensorBytes } from '../../../src/engine/train/buffer-bytes';
import { benchAdapterSettings, runBenchmark, validateBenchSettings, type BenchSettings } from '../../../src/engine/bench/run';
import { syntheticTrainingData } from '../../../src/engine/bench/synthetic-data';
import { DirectorySource } from '../../../src/engine/io/node-source';
import { loadModel } from '../../../src/engine/models/load';
import type { Model } from '../../../src/engine/models/model';
import { useBackend } from '../../helpers/backend';
import { fixtureDir } from '../../helpers/fixtures';

let gpt2: Model;
let vit: Model;

beforeAll(async () => {
  await useBackend('cpu');
  gpt2 = await loadModel(new DirectorySource(fixtureDir('gpt2')));
  vit = await loadModel(new DirectorySource(fixtureDir('vit')));
});
afterAll(() => {
  gpt2.dispose();
  vit.dispose();
});

const settings = (overrides: Partial<BenchSettings> = {}): BenchSettings => ({
  methods: ['wegeft', 'lora', 'bitfit'],
  rank: 4,
  batchSize: 2,
  steps: 2,
  warmup: 1,
  readbackEvery: 1,
  seed: 7,
  ...overrides,
});

describe('runBenchmark', () => {
  it('measures every method, in the order given, without leaking', async () => {
    const data = syntheticTrainingData(gpt2, { batchSize: 2, seqLength: 8, seed: 7 });
    const tensorsBefore = tf.memory().numTensors;
    const results = await runBenchmark(gpt2, data, settings());
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(results.map((r) => r.method)).toEqual(['wegeft', 'lora', 'bitfit']);
    const modelBytes = tensorBytes(gpt2.parameterNames().map((n) => gpt2.baseParam(n)));
    for (const r of results) {
      expect(r.windowStepMs).toHaveLength(2);
      expect(r.windowStepMs.every((ms) => ms > 0)).toBe(true);
      expect(r.stepMsMedian).toBeGreaterThan(0);
      expect(r.unit).toBe('tokens');
      expect(r.unitsPerStep).toBe(16);
      expect(r.throughput).toBeCloseTo((16 * 1000) / r.stepMsMedian, 6);
      expect(r.numTensorsGrowth).toBe(0);
      // The adapter's variables and AdamW's two moments at least.
      expect(r.persistentBytes).toBeGreaterThanOrEqual(3 * 4 * r.trainableParameters);
      expect(r.peakBytes).toBeGreaterThan(modelBytes + r.persistentBytes);
      expect(r.kernels.some((k) => k.name === 'BatchMatMul' || k.name === '_FusedMatMul')).toBe(true);
    }
    const [wegeft, lora] = results;
    expect(wegeft.trainableParameters).toBeLessThan(lora.trainableParameters);
  });

  it('rounds steps and warm-up up to whole read-back windows', async () => {
    const data = syntheticTrainingData(vit, { batchSize: 2, seqLength: null, seed: 7 });
    const [result] = await runBenchmark(vit, data, settings({ methods: ['wegeft'], steps: 3, readbackEvery: 2 }));
    expect(result.windowStepMs).toHaveLength(2);
    expect(result.unit).toBe('images');
    expect(result.unitsPerStep).toBe(2);
  });

  it('refuses bad settings before building anything', async () => {
    const data = syntheticTrainingData(gpt2, { batchSize: 2, seqLength: 8, seed: 7 });
    await expect(runBenchmark(gpt2, data, settings({ steps: 0 }))).rejects.toThrow('--steps must be a whole number ≥ 1');
    expect(validateBenchSettings(settings({ methods: ['lora', 'lora'], readbackEvery: 0 }))).toEqual([
      '--readback-every must be a whole number ≥ 1, got 0',
      '--methods names lora more than once',
    ]);
  });
});

describe('benchAdapterSettings', () => {
  it('gives WeGeFT and LoRA the same rank and every attention and MLP linear layer', () => {
    const wegeft = benchAdapterSettings(gpt2, 'wegeft', settings());
    const lora = benchAdapterSettings(gpt2, 'lora', settings());
    expect(wegeft.rank).toBe(4);
    expect(lora.rank).toBe(4);
    expect(wegeft.alpha).toBe(4);
    const paths = (s: typeof wegeft) => resolveTargets(gpt2, s.targets!).map((m) => m.path);
    expect(paths(wegeft)).toEqual(paths(lora));
    expect(paths(wegeft)).toHaveLength(8); // 2 layers × c_attn, attn.c_proj, c_fc, mlp.c_proj
  });

  it('says which setting does not fit the model', () => {
    expect(() => benchAdapterSettings(gpt2, 'lora', settings({ rank: 1000 }))).toThrow(/LoRA: rank 1000 is too large/);
  });
});

describe('benchmarkModel', () => {
  it('gives records with the run context, and the shapes asked for', async () => {
    const records = await benchmarkModel(gpt2, {
      model: 'fixture-gpt2',
      methods: ['wegeft', 'lora'],
      rank: 4,
      batch: 2,
      seq: 6,
      steps: 1,
      warmup: 0,
      readbackEvery: 1,
      seed: 1,
      profile: true,
      backend: 'cpu',
      device: null,
    });
    expect(records.map((r) => [r.method, r.model, r.backend, r.batch, r.seq, r.steps, r.warmup])).toEqual([
      ['wegeft', 'fixture-gpt2', 'cpu', 2, 6, 1, 1],
      ['lora', 'fixture-gpt2', 'cpu', 2, 6, 1, 1],
    ]);
    expect(records[1].step_ms_vs_lora).toBe(1);
    expect(records[0].kernels!.length).toBeGreaterThan(0);
    expect(records[0].gpu_bytes_allocated).toBeNull();
  });

  it("takes a checkpoint's shapes from generic defaults", () => {
    expect(benchShapes(gpt2, { model: 'some/folder' })).toEqual({ batchSize: 8, seqLength: 32 });
    expect(benchShapes(vit, { model: 'some/folder', seq: 5 })).toEqual({ batchSize: 16, seqLength: null });
    expect(benchShapes(gpt2, { model: 'gpt2-tiny', batch: 3 })).toEqual({ batchSize: 3, seqLength: 64 });
  });
});
