/**
 * The memory planner against a loaded model and a backend: its inputs from
 * the model and the method's settings (memoryPlanInput), what the active
 * backend offers (memoryBudget), and the verdict, with what would fit when
 * the run does not (checkRunMemory).
 */
import * as tf from '@tensorflow/tfjs';
import { resolveTargets } from '../adapters/common/targets';
import { methodSpec } from '../adapters/methods';
import type { AdapterSettings } from '../adapters/types';
import type { Model } from '../models/model';
import { planMemory, type MemoryPlan, type MemoryPlanInput } from './memory-plan';

const GiB = 2 ** 30;
const MB = 1e6;

/** A run's shapes, as the planner reads them. */
export interface RunShape {
  batchSize: number;
  seqLength: number;
  gradientAccumulation: number;
  checkpointing: boolean;
}

/** The frozen buffers a method's adapter keeps, in elements. */
function frozenElements(model: Model, settings: AdapterSettings, targeted: ReturnType<typeof resolveTargets>): number {
  const kind = methodSpec(settings.method).frozenBuffers;
  if (kind === 'residual-weights') return targeted.reduce((s, m) => s + m.dIn * m.dOut, 0);
  if (kind === 'shared-projections') {
    // A (r, max d_in) and B (max d_out, r), and their slices for each distinct layer size.
    const r = settings.rank ?? 0;
    const dIns = new Set(targeted.map((m) => m.dIn));
    const dOuts = new Set(targeted.map((m) => m.dOut));
    const sum = (values: Set<number>) => [...values].reduce((s, v) => s + v, 0);
    return r * (Math.max(0, ...dIns) + Math.max(0, ...dOuts) + sum(dIns) + sum(dOuts));
  }
  return 0;
}

/** Elements of the largest tensor the method trains (AdamW's temporaries scale with it). */
function largestTrainable(model: Model, settings: AdapterSettings, targeted: ReturnType<typeof resolveTargets>): number {
  const whole = methodSpec(settings.method).trainsWhole;
  const head = model.linearModules().filter((m) => m.layer === null);
  const headSize = model.config.task === 'image-classification' || whole === 'output-head' ? Math.max(0, ...head.map((m) => m.dIn * m.dOut)) : 0;
  if (whole === 'every-parameter') return Math.max(...model.parameterNames().map((n) => model.baseParam(n).size));
  if (whole === 'output-head') return model.config.task === 'causal-lm' ? model.config.vocabSize * model.config.hiddenSize : headSize;
  const r = settings.rank ?? 1;
  const perModule = Math.max(0, ...targeted.map((m) => r * Math.max(m.dIn, m.dOut)), ...targeted.map((m) => m.dOut));
  return Math.max(perModule, headSize, model.config.hiddenSize);
}

export function memoryPlanInput(model: Model, settings: AdapterSettings, trainableParameters: number, run: RunShape): MemoryPlanInput {
  const blockModules = model.linearModules().filter((m) => m.layer !== null);
  const targeted = settings.targets ? resolveTargets(model, settings.targets) : [];
  return {
    config: model.config,
    baseParameters: model.parameterCount(),
    targeted,
    blockModules,
    method: settings.method,
    trainableParameters,
    largestTrainable: largestTrainable(model, settings, targeted),
    frozenParameters: frozenElements(model, settings, targeted),
    ...run,
  };
}

/** What a backend can hold, and where each number comes from. */
export interface MemoryBudget {
  backend: string;
  /** Bytes all tensors together may take. */
  totalBytes: number;
  /** Bytes one tensor may take (WebGPU: one storage buffer binding); null where no such limit applies. */
  largestTensorBytes: number | null;
  /** Where the numbers come from, in words. */
  source: string;
}

/** wasm32 addresses 2^32 bytes; tfjs-backend-wasm's Emscripten build lets its heap grow to getHeapMax() = 4,294,901,760 (4 GiB − 64 KiB). */
export const WASM_HEAP_MAX_BYTES = 4_294_901_760;
/**
 * Of that heap, what a run may plan to use: its allocator must place each
 * new tensor in one contiguous block, and after a step's frees the heap is
 * fragmented. Measured here (docs/benchmarks.md, memory planner): full
 * fine-tuning of GPT-2 small at 1 × 128, estimated at 3,261 MB (76% of the
 * heap), aborted inside tfjs-wasm ("Aborted()") in its first step; every run
 * measured at up to 1,887 MB (44%) completed. Three quarters refuses that run
 * before it starts; the threshold rests on that one failure and is conservative
 * guesswork between the two, not a measured limit.
 */
export const WASM_USABLE_FRACTION = 0.75;
/**
 * No browser API reports how much GPU memory a page may use, and the
 * plain-JavaScript backend's typed arrays are limited by the machine, not a
 * heap size: for both, a soft limit of 4 GiB (a tab's practical ceiling on
 * common machines), which `budgetBytes` in the CLIs can change.
 */
export const SOFT_LIMIT_BYTES = 4 * GiB;

interface GpuLimits {
  maxBufferSize?: number;
  maxStorageBufferBindingSize?: number;
}

/** The active tfjs backend's budget (override the total with `totalBytes`). */
export function memoryBudget(totalBytes?: number): MemoryBudget {
  const backend = tf.getBackend();
  if (backend === 'webgpu') {
    const limits = (tf.backend() as unknown as { device?: { limits?: GpuLimits } }).device?.limits ?? {};
    const binding = Math.min(limits.maxStorageBufferBindingSize ?? Infinity, limits.maxBufferSize ?? Infinity);
    return {
      backend,
      totalBytes: totalBytes ?? SOFT_LIMIT_BYTES,
      largestTensorBytes: Number.isFinite(binding) ? binding : null,
      source:
        `the WebGPU device's limits (maxStorageBufferBindingSize ${fmt(limits.maxStorageBufferBindingSize)}, maxBufferSize ${fmt(limits.maxBufferSize)}) ` +
        `for one tensor; ${totalBytes ? 'the given budget' : 'a soft limit of 4 GiB (no API reports GPU memory)'} for all of them`,
    };
  }
  if (backend === 'wasm') {
    return {
      backend,
      totalBytes: totalBytes ?? Math.floor(WASM_HEAP_MAX_BYTES * WASM_USABLE_FRACTION),
      largestTensorBytes: null,
      source: totalBytes ? 'the given budget' : "three quarters of the WASM heap's maximum (wasm32: 4 GiB less 64 KiB; the rest is left to the allocator's fragmentation)",
    };
  }
  return { backend, totalBytes: totalBytes ?? SOFT_LIMIT_BYTES, largestTensorBytes: null, source: totalBytes ? 'the given budget' : 'a soft limit of 4 GiB' };
}

const fmt = (bytes: number | undefined) => (bytes === undefined ? 'unknown' : mb(bytes));
export const mb = (bytes: number) => `${Math.round(bytes / MB).toLocaleString('en-US')} MB`;

/** A run refused before it starts: its estimated peak exceeds what the backend offers (the message has the numbers and what would fit). */
export class MemoryPlanError extends Error {
  override name = 'MemoryPlanError';
}

export interface MemoryVerdict {
  plan: MemoryPlan;
  budget: MemoryBudget;
  fits: boolean;
  /** One line: the estimate, and against what. */
  summary: string;
  /** When it does not fit: the numbers, and what would fit (or that nothing here does). */
  refusal: string | null;
}

/** A smaller batch with accumulation to keep the effective batch, then checkpointing, then shorter sequences. */
function proposals(model: Model, settings: AdapterSettings, trainable: number, run: RunShape, budget: MemoryBudget): string[] {
  const fitsWith = (shape: RunShape) => {
    const plan = planMemory(memoryPlanInput(model, settings, trainable, shape));
    return fitsBudget(plan, budget) ? plan : null;
  };
  const effective = run.batchSize * run.gradientAccumulation;
  const found: string[] = [];
  for (const checkpointing of run.checkpointing ? [true] : [false, true]) {
    for (let accumulation = run.gradientAccumulation; accumulation <= effective; accumulation++) {
      if (effective % accumulation !== 0) continue;
      const batchSize = effective / accumulation;
      if (batchSize === run.batchSize && checkpointing === run.checkpointing) continue;
      const plan = fitsWith({ ...run, batchSize, gradientAccumulation: accumulation, checkpointing });
      if (plan) {
        const how = batchSize !== run.batchSize ? `batch ${batchSize} with ${accumulation} accumulation steps keeps the effective batch ${effective}` : `the same batch ${batchSize}`;
        found.push(`${how}${checkpointing && !run.checkpointing ? ', with activation checkpointing,' : ''} and fits: ~${mb(plan.peak)}`);
        break;
      }
    }
    if (found.length > 0) break;
  }
  if (model.config.task === 'causal-lm' && found.length === 0) {
    for (let seq = Math.floor(run.seqLength / 2); seq >= 16; seq = Math.floor(seq / 2)) {
      const plan = fitsWith({ ...run, seqLength: seq, batchSize: 1, gradientAccumulation: effective, checkpointing: true });
      if (plan) {
        found.push(`sequences of ${seq} tokens (batch 1 with ${effective} accumulation steps, activation checkpointing) fit: ~${mb(plan.peak)}`);
        break;
      }
    }
  }
  return found;
}

function fitsBudget(plan: MemoryPlan, budget: MemoryBudget): boolean {
  return plan.peak <= budget.totalBytes && (budget.largestTensorBytes === null || plan.largestTensor * 4 <= budget.largestTensorBytes);
}

/** The estimate for a run on the active backend, and a refusal with numbers and proposals when it does not fit. */
export function checkRunMemory(model: Model, settings: AdapterSettings, trainable: number, run: RunShape, budget: MemoryBudget = memoryBudget()): MemoryVerdict {
  const plan = planMemory(memoryPlanInput(model, settings, trainable, run));
  const fits = fitsBudget(plan, budget);
  const parts = `weights ${mb(plan.weights)}, trainable + AdamW ${mb(plan.trainableAndOptimizer)}${plan.frozen > 0 ? `, frozen ${mb(plan.frozen)}` : ''}, one step ${mb(plan.step)}`;
  const summary = `estimated peak ~${mb(plan.peak)} (${parts}) of ${mb(budget.totalBytes)} on ${budget.backend}`;
  if (fits) return { plan, budget, fits, summary, refusal: null };
  const reasons: string[] = [];
  if (plan.peak > budget.totalBytes) reasons.push(`its estimated peak, ~${mb(plan.peak)} (${parts}), exceeds the ${mb(budget.totalBytes)} ${budget.backend} offers (${budget.source})`);
  if (budget.largestTensorBytes !== null && plan.largestTensor * 4 > budget.largestTensorBytes) {
    reasons.push(`its largest tensor, ${mb(plan.largestTensor * 4)}, exceeds the ${mb(budget.largestTensorBytes)} one WebGPU buffer may hold`);
  }
  const options = proposals(model, settings, trainable, run, budget);
  const advice = options.length > 0 ? ` Instead: ${options.join('; ')}.` : ' No smaller batch, checkpointing or shorter sequence fits either: choose a smaller model or a method with fewer trainable parameters.';
  return { plan, budget, fits, summary, refusal: `This run does not fit: ${reasons.join('; ')}.${advice}` };
}
