/**
 * One benchmark from a request to its records: the defaults of the model's
 * preset, synthetic data of the right shapes, the interleaved run, and the
 * records with ratios against LoRA. The Node CLI (scripts/bench.ts) and the
 * browser page (bench.html) both call this, so they measure the same thing.
 */
import * as tf from '@tensorflow/tfjs';
import type { AdapterMethodName } from '../adapters/types';
import type { Model } from '../models/model';
import { initialiseModelFromConfig } from '../models/init';
import { benchPreset, isBenchPresetName, type BenchPreset } from './presets';
import { benchRecords, type BenchRecord } from './report';
import { benchAdapterSettings, runBenchmark, wholeWindows, type BenchHooks } from './run';
import { memoryPlanInput } from '../train/memory-check';
import { planMemory } from '../train/memory-plan';
import { syntheticTrainingData } from './synthetic-data';

/**
 * What to measure, under the names `npm run bench`'s options and the
 * bench.html page's query string share; each adds its own backend choice.
 */
export interface BenchOptions {
  /** Preset name or checkpoint folder, as reported. */
  model: string;
  methods: AdapterMethodName[];
  rank: number;
  alpha?: number;
  /** The preset's when absent (8 sequences or 16 images for a checkpoint). */
  batch?: number;
  /** The preset's when absent (min(128, context) for a checkpoint). */
  seq?: number;
  steps: number;
  warmup: number;
  readbackEvery: number;
  seed: number;
  /** Include each method's per-kernel breakdown. */
  profile: boolean;
  /** Activation checkpointing per block (TrainSettings.checkpointing); off when absent. */
  checkpointing?: boolean;
}

export interface BenchRequest extends BenchOptions {
  /** The active tfjs backend, as reported. */
  backend: string;
  /** The GPU adapter, for WebGPU. */
  device: string | null;
  /** WASM's kernel threads, as running; null or absent off WASM. */
  threads?: number | null;
}

/** Only the BenchOptions of a larger record (the CLI's options, the page's request). */
export function benchOptions(from: BenchOptions): BenchOptions {
  return {
    model: from.model,
    methods: from.methods,
    rank: from.rank,
    alpha: from.alpha,
    batch: from.batch,
    seq: from.seq,
    steps: from.steps,
    warmup: from.warmup,
    readbackEvery: from.readbackEvery,
    seed: from.seed,
    profile: from.profile,
    checkpointing: from.checkpointing,
  };
}

/** The preset's model with random-init weights (deterministic per seed). */
export function presetModel(preset: BenchPreset, seed: number): Model {
  return initialiseModelFromConfig(preset.config, seed, `${preset.name}/config.json`);
}

/** Batch size and sequence length: the request's, else the preset's, else generic defaults. */
export function benchShapes(model: Model, request: Pick<BenchRequest, 'model' | 'batch' | 'seq'>) {
  const preset = isBenchPresetName(request.model) ? benchPreset(request.model) : null;
  const isLm = model.config.task === 'causal-lm';
  const batchSize = request.batch ?? preset?.batchSize ?? (isLm ? 8 : 16);
  const defaultSeq = model.config.task === 'causal-lm' ? Math.min(128, model.config.maxPositions) : null;
  const seqLength = isLm ? (request.seq ?? preset?.seqLength ?? defaultSeq) : null;
  return { batchSize, seqLength };
}

export async function benchmarkModel(model: Model, request: BenchRequest, hooks: BenchHooks = {}): Promise<BenchRecord[]> {
  const { batchSize, seqLength } = benchShapes(model, request);
  const data = syntheticTrainingData(model, { batchSize, seqLength, seed: request.seed });
  const settings = {
    methods: request.methods,
    rank: request.rank,
    alpha: request.alpha,
    batchSize,
    steps: request.steps,
    warmup: request.warmup,
    readbackEvery: request.readbackEvery,
    seed: request.seed,
    checkpointing: request.checkpointing ?? false,
  };
  const results = await runBenchmark(model, data, settings, hooks);
  const every = request.readbackEvery;
  // The planner's estimate beside each measured peak, as a run would be planned before it starts.
  const estimatedPeakBytes = Object.fromEntries(
    results.map((r) => {
      const adapterSettings = benchAdapterSettings(model, r.method, settings);
      const shape = { batchSize, seqLength: seqLength ?? 0, gradientAccumulation: 1, checkpointing: settings.checkpointing };
      return [r.method, planMemory(memoryPlanInput(model, adapterSettings, r.trainableParameters, shape)).peak];
    }),
  );
  return benchRecords(results, {
    model: request.model,
    backend: request.backend,
    device: request.device,
    threads: request.threads ?? null,
    batchSize,
    seqLength,
    rank: request.rank,
    steps: wholeWindows(request.steps, every),
    warmup: Math.max(every, wholeWindows(request.warmup, every)),
    readbackEvery: every,
    checkpointing: request.checkpointing ?? false,
    estimatedPeakBytes,
    gpuBytesAllocated: gpuBytesAllocated(),
    includeKernels: request.profile,
  });
}

/** WebGPU's (or WebGL's) buffer pool in bytes, when the backend reports one. */
export function gpuBytesAllocated(): number | null {
  const info = tf.memory() as tf.MemoryInfo & { numBytesAllocatedInGPU?: number; numBytesInGPUAllocated?: number };
  return info.numBytesAllocatedInGPU ?? info.numBytesInGPUAllocated ?? null;
}
