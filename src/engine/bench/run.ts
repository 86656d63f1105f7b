/**
 * The benchmark: the real training step (Trainer.step) of several methods on
 * one model, timed side by side in one process.
 *
 * Every method gets its own adapter and Trainer on the shared base model;
 * the steps are interleaved, one read-back window of one method at a time,
 * with the order rotated each round, so background load falls on every
 * method alike. A window's time runs from its first step's start to its
 * loss read-back, so it includes the device's work; warm-up windows (kernel
 * compilation, AdamW's moments) are left out, and the median window counts.
 *
 * Peak memory counts distinct data buffers (src/engine/train/buffer-bytes.ts):
 * the base model's parameters, plus what the method keeps between steps
 * (its adapter, AdamW's moments, the loss window: measured while it is set
 * up), plus the highest level of everything else during one step of it
 * (activations kept for the backward pass, gradients, optimizer
 * temporaries). Other methods' states, alive at the same time, are not
 * counted: the figure is the peak this method would reach alone.
 */
import * as tf from '@tensorflow/tfjs';
import { methodSpec } from '../adapters/methods';
import { getAdapterMethod, resolveAdapterSettings } from '../adapters/registry';
import type { Adapter, AdapterMethodName, AdapterSettings } from '../adapters/types';
import type { Model } from '../models/model';
import type { TrainingData } from '../train/batches';
import { trainSettingsWithDefaults, type TrainSettings } from '../train/settings';
import { Trainer } from '../train/trainer';
import { summariseKernels, type KernelSummary } from './kernels';
import { measureBufferBytes, tensorBytes } from '../train/buffer-bytes';

export interface BenchSettings {
  methods: AdapterMethodName[];
  /**
   * The comparison's protocol: one rank for every method that has one, and
   * one set of targets (every attention and MLP linear layer) for every
   * method that has targets. Everything else is the method's defaults.
   */
  rank: number;
  /** Methods with an alpha: scaling alpha / rank; the rank itself (scale 1) when absent. */
  alpha?: number;
  batchSize: number;
  /** Measured steps per method, rounded up to whole read-back windows. */
  steps: number;
  /**
   * Unmeasured steps per method before timing, rounded up to whole read-back
   * windows, and at least one window (the first step creates AdamW's moments).
   */
  warmup: number;
  /** Steps per timed window; the loss is read back (the device waited for) at its end. */
  readbackEvery: number;
  seed: number;
  /** Activation checkpointing per block; off when absent. */
  checkpointing?: boolean;
}

export interface MethodResult {
  method: AdapterMethodName;
  trainableParameters: number;
  /** ms per step of each measured window, device time included, in the order run. */
  windowStepMs: number[];
  stepMsMedian: number;
  /**
   * CPU time of this process per step, median over windows; null where it
   * cannot be read (a browser). On cpu and wasm the step's work is all here,
   * so this is its cost whatever else the machine runs; on WebGPU it is only
   * the host's share (SwiftShader's threads included).
   */
  cpuMsMedian: number | null;
  /** Tokens (language models) or images per second at the median step time. */
  throughput: number;
  unit: 'tokens' | 'images';
  /** Tokens or images in one step. */
  unitsPerStep: number;
  /** Bytes of distinct tfjs buffers at their highest during one step of this method alone. */
  peakBytes: number;
  /** Of which: what the method keeps between steps (adapter, optimizer state). */
  persistentBytes: number;
  /** Tensors left behind by this method's measured steps (0 when nothing leaks). */
  numTensorsGrowth: number;
  /** The profiled step's kernels, by kernel name, most time first. */
  kernels: KernelSummary[];
  /** Wall time of the profiled step (profiling itself slows it). */
  profiledStepMs: number;
}

export interface BenchProgress {
  phase: 'setup' | 'warmup' | 'measure' | 'profile';
  method: AdapterMethodName;
  /** Windows (or set-ups, profiles) done in this phase, over all methods. */
  done: number;
  total: number;
}

export interface BenchHooks {
  onProgress?: (progress: BenchProgress) => void | Promise<void>;
}

interface Run {
  method: AdapterMethodName;
  adapter: Adapter;
  trainer: Trainer;
  /** Bytes its adapter, optimizer state and loss window keep alive between steps. */
  persistentBytes: number;
  windowStepMs: number[];
  windowCpuMs: number[];
  numTensorsGrowth: number;
  /** Tokens or images of the last step run. */
  units: { unit: 'tokens' | 'images'; count: number };
}

/** Steps rounded up to whole windows of `every`. */
export function wholeWindows(steps: number, every: number): number {
  return Math.ceil(steps / every) * every;
}

export function validateBenchSettings(settings: BenchSettings): string[] {
  const problems: string[] = [];
  const whole = (name: string, value: number, min: number) => {
    if (!(Number.isInteger(value) && value >= min)) problems.push(`${name} must be a whole number ≥ ${min}, got ${value}`);
  };
  whole('--steps', settings.steps, 1);
  whole('--warmup', settings.warmup, 0);
  whole('--readback-every', settings.readbackEvery, 1);
  whole('--batch', settings.batchSize, 1);
  whole('--rank', settings.rank, 1);
  if (settings.alpha !== undefined && !(settings.alpha > 0)) problems.push(`--alpha must be > 0, got ${settings.alpha}`);
  if (settings.methods.length === 0) problems.push('--methods is empty');
  const repeated = settings.methods.filter((m, i) => settings.methods.indexOf(m) !== i);
  if (repeated.length > 0) problems.push(`--methods names ${repeated.join(', ')} more than once`);
  return problems;
}

/**
 * The benchmark's protocol for a method, as user input: the rank, alpha and
 * targets shared by every method that declares them; nothing else (the
 * method's defaults fill the rest).
 */
export function benchProtocolInput(method: AdapterMethodName, settings: Pick<BenchSettings, 'rank' | 'alpha'>): Partial<AdapterSettings> & { method: AdapterMethodName } {
  const { options } = methodSpec(method);
  return {
    method,
    ...('rank' in options ? { rank: settings.rank } : {}),
    ...('alpha' in options ? { alpha: settings.alpha ?? settings.rank } : {}),
    ...('targets' in options ? { targets: { kind: 'all-linear' as const } } : {}),
  };
}

/** The adapter settings of `method`: the protocol's, the method's defaults for the rest. */
export function benchAdapterSettings(model: Model, method: AdapterMethodName, settings: BenchSettings): AdapterSettings {
  const resolved = resolveAdapterSettings(model, benchProtocolInput(method, settings));
  if (resolved.problems.length > 0) throw new Error(`${resolved.method.displayName}: ${resolved.problems.join('; ')}`);
  return resolved.settings;
}

/** The method's defaults for the model's task (its learning rate), on the protocol's steps, batch and schedule. */
function trainSettings(model: Model, settings: BenchSettings, totalSteps: number, method: AdapterMethodName): TrainSettings {
  return trainSettingsWithDefaults(
    {
      steps: totalSteps,
      batchSize: settings.batchSize,
      schedule: 'constant',
      seed: settings.seed,
      lossReadbackEvery: settings.readbackEvery,
      checkpointing: settings.checkpointing ?? false,
    },
    methodSpec(method).defaults[model.task].learningRate,
  );
}

export async function runBenchmark(
  model: Model,
  data: TrainingData,
  settings: BenchSettings,
  hooks: BenchHooks = {},
): Promise<MethodResult[]> {
  const problems = validateBenchSettings(settings);
  if (problems.length > 0) throw new Error(problems.join('; '));
  const every = settings.readbackEvery;
  const warmupWindows = Math.max(1, wholeWindows(settings.warmup, every) / every);
  const measuredWindows = wholeWindows(settings.steps, every) / every;
  // One more step per method, profiled, after the measured ones.
  const totalSteps = (warmupWindows + measuredWindows) * every + 1;
  const runs: Run[] = [];
  try {
    for (const method of settings.methods) {
      runs.push(await setUpRun(model, data, settings, method, totalSteps, warmupWindows));
      await hooks.onProgress?.({ phase: 'setup', method, done: runs.length, total: settings.methods.length });
    }
    await measureInterleaved(runs, measuredWindows, hooks);
    const modelBytes = tensorBytes(model.parameterNames().map((name) => model.baseParam(name)));
    const results: MethodResult[] = [];
    for (const run of runs) {
      results.push(await profileOneStep(run, modelBytes));
      await hooks.onProgress?.({ phase: 'profile', method: run.method, done: results.length, total: runs.length });
    }
    return results;
  } finally {
    for (const run of runs) {
      run.trainer.dispose();
      run.adapter.dispose();
    }
  }
}

/**
 * A method's adapter and Trainer, and its warm-up windows, which also create
 * AdamW's moments: the buffers still alive afterwards are what this method
 * keeps between steps.
 */
async function setUpRun(
  model: Model,
  data: TrainingData,
  settings: BenchSettings,
  method: AdapterMethodName,
  totalSteps: number,
  warmupWindows: number,
): Promise<Run> {
  const { result: run, bytes } = await measureBufferBytes(async () => {
    const adapter = getAdapterMethod(method).create(model, benchAdapterSettings(model, method, settings), settings.seed);
    let trainer: Trainer | null = null;
    try {
      trainer = new Trainer({ model, adapter, train: data, settings: trainSettings(model, settings, totalSteps, method) });
      const run: Run = {
        method, adapter, trainer, persistentBytes: 0, windowStepMs: [], windowCpuMs: [], numTensorsGrowth: 0, units: { unit: 'tokens', count: 0 },
      };
      for (let w = 0; w < warmupWindows; w++) await runWindow(run, settings.readbackEvery);
      return run;
    } catch (error) {
      trainer?.dispose();
      adapter.dispose();
      throw error;
    }
  });
  run.persistentBytes = bytes.retained;
  return run;
}

/** Rounds of one window per method, the starting method rotated each round. */
async function measureInterleaved(runs: Run[], windows: number, hooks: BenchHooks): Promise<void> {
  let done = 0;
  for (let round = 0; round < windows; round++) {
    for (let i = 0; i < runs.length; i++) {
      const run = runs[(round + i) % runs.length];
      const tensorsBefore = tf.memory().numTensors;
      const window = await runWindow(run, run.trainer.settings.lossReadbackEvery);
      run.windowStepMs.push(window.ms);
      if (window.cpuMs !== null) run.windowCpuMs.push(window.cpuMs);
      run.numTensorsGrowth += tf.memory().numTensors - tensorsBefore;
      await hooks.onProgress?.({ phase: 'measure', method: run.method, done: ++done, total: windows * runs.length });
    }
  }
}

/** CPU time this process has used, ms (user + system); null outside Node. */
function processCpuMs(): number | null {
  const usage = (globalThis as { process?: { cpuUsage?: () => { user: number; system: number } } }).process?.cpuUsage?.();
  return usage ? (usage.user + usage.system) / 1000 : null;
}

/**
 * `steps` training steps ending with a loss read-back: ms per step, device
 * time included, and this process's CPU ms per step.
 */
async function runWindow(run: Run, steps: number): Promise<{ ms: number; cpuMs: number | null }> {
  const cpuBefore = processCpuMs();
  let synced: number | null = null;
  for (let s = 0; s < steps; s++) {
    const metrics = await run.trainer.step();
    synced = metrics.syncedStepMs;
    run.units = metrics.tokens > 0 ? { unit: 'tokens', count: metrics.tokens } : { unit: 'images', count: metrics.examples };
  }
  if (synced === null) throw new Error('benchmark: a window ended without a loss read-back');
  const cpuAfter = processCpuMs();
  return { ms: synced, cpuMs: cpuBefore !== null && cpuAfter !== null ? (cpuAfter - cpuBefore) / steps : null };
}

/** One more step, profiled (kernels) and measured (memory). */
async function profileOneStep(run: Run, modelBytes: number): Promise<MethodResult> {
  const started = performance.now();
  const { result: profile, bytes } = await measureBufferBytes(() =>
    tf.profile(async () => {
      await run.trainer.step();
    }),
  );
  const profiledStepMs = performance.now() - started;
  const stepMsMedian = median(run.windowStepMs);
  return {
    method: run.method,
    trainableParameters: run.adapter.trainableParameterCount(),
    windowStepMs: run.windowStepMs,
    stepMsMedian,
    cpuMsMedian: run.windowCpuMs.length > 0 ? median(run.windowCpuMs) : null,
    throughput: stepMsMedian > 0 ? (run.units.count * 1000) / stepMsMedian : 0,
    unit: run.units.unit,
    unitsPerStep: run.units.count,
    peakBytes: modelBytes + run.persistentBytes + bytes.peak,
    persistentBytes: run.persistentBytes,
    numTensorsGrowth: run.numTensorsGrowth,
    kernels: summariseKernels(profile.kernels),
    profiledStepMs,
  };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
