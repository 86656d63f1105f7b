/**
 * The memory planner's estimate is within 20% of the benchmark's measured
 * peak (distinct tfjs buffers: src/engine/train/buffer-bytes.ts) for every bench
 * preset and every registered method, with and without activation
 * checkpointing. The two tiny presets run as they are, deit-tiny at its full
 * 12 blocks with batch 1, gpt2-124m with one block at 1 × 32 (its full
 * shapes are measured by the CLI, in docs/benchmarks.md: a unit test cannot
 * afford 124M parameters for nine methods). On WASM, the backend the coefficients were measured on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAdapterMethod } from '../../../src/engine/adapters/registry';
import { METHOD_NAMES } from '../../../src/engine/adapters/methods';
import { BENCH_PRESETS } from '../../../src/engine/bench/presets';
import { benchAdapterSettings, runBenchmark, type BenchSettings } from '../../../src/engine/bench/run';
import { syntheticTrainingData } from '../../../src/engine/bench/synthetic-data';
import { initialiseModelFromConfig } from '../../../src/engine/models/init';
import type { Model } from '../../../src/engine/models/model';
import { memoryPlanInput } from '../../../src/engine/train/memory-check';
import { planMemory } from '../../../src/engine/train/memory-plan';
import { useBackend } from '../../helpers/backend';

const preset = (name: string) => BENCH_PRESETS.find((p) => p.name === name)!;

const SHAPES = [
  { name: 'gpt2-tiny', config: preset('gpt2-tiny').config, batch: preset('gpt2-tiny').batchSize, seq: preset('gpt2-tiny').seqLength, checkpointing: [false, true] },
  { name: 'vit-tiny', config: preset('vit-tiny').config, batch: preset('vit-tiny').batchSize, seq: null, checkpointing: [false, true] },
  { name: 'gpt2-124m, 1 block, 1 × 32', config: { ...preset('gpt2-124m').config, n_layer: 1 }, batch: 1, seq: 32, checkpointing: [false] },
  // Full depth: a checkpointed run's per-layer cost is small beside its once-per-step terms, which only depth tells apart.
  { name: 'deit-tiny, 12 blocks, batch 1', config: preset('deit-tiny').config, batch: 1, seq: null, checkpointing: [false, true] },
];

const TOLERANCE = 0.2;

beforeAll(async () => {
  await useBackend('wasm');
});

describe.each(SHAPES)('$name', ({ config, batch, seq, checkpointing }) => {
  let model: Model;
  beforeAll(() => {
    model = initialiseModelFromConfig(config, 1, 'preset/config.json');
  });
  afterAll(() => model.dispose());

  // Every registered method, enrolled from the registry.
  const cases = METHOD_NAMES.flatMap((method) => checkpointing.map((ck) => [method, ck] as const));
  it.each(cases)('%s (checkpointing %s): the estimate is within 20% of the measured peak', async (method, ck) => {
    const settings: BenchSettings = { methods: [method], rank: 16, batchSize: batch, steps: 1, warmup: 1, readbackEvery: 1, seed: 1, checkpointing: ck };
    const data = syntheticTrainingData(model, { batchSize: batch, seqLength: seq, seed: 1 });
    const [measured] = await runBenchmark(model, data, settings);
    const adapterSettings = benchAdapterSettings(model, method, settings);
    const trainable = getAdapterMethod(method).countTrainable(model, adapterSettings);
    expect(trainable).toBe(measured.trainableParameters);
    const plan = planMemory(memoryPlanInput(model, adapterSettings, trainable, { batchSize: batch, seqLength: seq ?? 0, gradientAccumulation: 1, checkpointing: ck }));
    const ratio = plan.peak / measured.peakBytes;
    expect(ratio, `estimate ${plan.peak} against measured ${measured.peakBytes}`).toBeGreaterThan(1 - TOLERANCE);
    expect(ratio, `estimate ${plan.peak} against measured ${measured.peakBytes}`).toBeLessThan(1 + TOLERANCE);
  });
});
