/**
 * The memory planner: a training run's peak memory, estimated before it
 * starts, from the model's shapes, the method's exact trainable count and
 * the run's batch, sequence length and checkpointing choice.
 *
 * The peak is the benchmark's measure (src/engine/train/buffer-bytes.ts: distinct
 * tfjs buffers): the base weights, what the run keeps between steps (its
 * trainable tensors, AdamW's two moments, frozen buffers some methods keep),
 * and the highest level one step reaches, which is the larger of
 *
 * - the end of the backward pass: tfjs keeps every tensor the backward pass
 *   reads and every gradient it computes until the whole pass ends, so this
 *   grows with layers × tokens × width (attention's probabilities with
 *   batch × heads × tokens²), plus the logits and the loss's copies of them;
 * - the optimizer's update: the gradients, and for the largest variable its
 *   clipped gradient and AdamW's temporaries (src/engine/train/adamw.ts frees
 *   each as it goes: at most five of the variable's size are alive at once).
 *
 * The first is linear in a handful of shape terms (activationFeatures). How
 * many tensors of each size the engine keeps is not written down anywhere but
 * in the ops themselves, so the coefficients are measured:
 * scripts/lib/bench/memory-calibration.ts runs every method on a grid of
 * small shapes, scripts/lib/bench/memory-fit.py fits them
 * (each method's <method>/memory.ts), and tests/engine/train/memory-plan.test.ts checks
 * the estimate against the measured peak on every bench preset and method.
 * Run both again when the engine's ops change what they keep.
 */
import type { AdapterMethodName } from '../adapters/types';
import type { AnyModelConfig, LinearModule } from '../models/types';
import type { CoefficientFamily } from '../adapters/common/memory-coefficients';
import type { MethodSpec } from '../adapters/common/method-spec';
import { METHOD_SPECS, methodSpec } from '../adapters/methods';

export const BYTES_PER_FLOAT = 4;

/** Tensors of the largest variable's size alive at once in AdamW's update (memory-fit.py uses the same). */
export const OPTIMIZER_TEMPORARIES = 5;

/** What the planner needs to know about a run. */
export interface MemoryPlanInput {
  config: AnyModelConfig;
  /** Elements of the base model's parameters. */
  baseParameters: number;
  /** The block linear modules the method targets (empty for methods without targets). */
  targeted: readonly Pick<LinearModule, 'dIn' | 'dOut'>[];
  /** Every block linear module of the model. */
  blockModules: readonly Pick<LinearModule, 'dIn' | 'dOut'>[];
  method: AdapterMethodName;
  /** Exact trainable elements (the adapter registry's countTrainable). */
  trainableParameters: number;
  /** Elements of the largest trainable tensor (AdamW updates one tensor at a time). */
  largestTrainable: number;
  /** Elements of frozen buffers the adapter keeps (residual weights, shared projections: the method's frozenBuffers). */
  frozenParameters: number;
  batchSize: number;
  /** Tokens per sequence (language models); ignored for images. */
  seqLength: number;
  gradientAccumulation: number;
  checkpointing: boolean;
}

export interface MemoryPlan {
  /** Bytes, each part of the peak. */
  weights: number;
  /** Trainable tensors and AdamW's two moments. */
  trainableAndOptimizer: number;
  /** Frozen buffers the method adds. */
  frozen: number;
  /** One step at its highest: saved activations and gradients, or the optimizer's update. */
  step: number;
  /** Of `step`: the backward pass's end (activations and gradients). */
  activations: number;
  /** Of `step`: the optimizer's update (gradients, AdamW's temporaries for the largest variable). */
  optimizerUpdate: number;
  /** Gradients summed over micro-batches (gradient accumulation > 1). */
  accumulation: number;
  peak: number;
  /** Elements of the biggest single tensor a step makes (a WebGPU buffer must hold it). */
  largestTensor: number;
}

/** Plain training's coefficients: the method that declares itself the baseline (its step adds no op of its own). */
const BASELINE = (() => {
  const found = (METHOD_SPECS as readonly MethodSpec[]).find((m) => m.memoryBaseline);
  if (!found) throw new Error('memory planner: no registered method declares memoryBaseline');
  return found;
})();

function coefficientFamily(config: AnyModelConfig): CoefficientFamily {
  // GPT-Neo and Llama keep GPT-2's block layout (norm, attention, MLP, residuals): GPT-2's coefficients stand for them.
  return config.task === 'causal-lm' ? 'gpt2' : 'vit';
}

/** Tokens per sample: the sequence, or a ViT's patches and class token. */
export function tokensPerSample(config: AnyModelConfig, seqLength: number): number {
  if (config.task === 'causal-lm') return seqLength;
  const grid = Math.floor(config.imageSize / config.patchSize);
  return grid * grid + 1;
}

/** The MLP's inner width, whatever the family calls it. */
function mlpWidth(config: AnyModelConfig): number {
  const c = config as unknown as { innerSize?: number; intermediateSize?: number };
  return c.innerSize ?? c.intermediateSize ?? 4 * config.hiddenSize;
}

/**
 * The shape terms of one step's activations, in the order of the
 * coefficients: layers × tokens × width, layers × tokens × MLP width,
 * layers × batch × heads × tokens² (attention probabilities), tokens × width
 * (embeddings, final norm), tokens × vocabulary (logits; images: batch ×
 * labels), batch × vocabulary (the loss's shift; images: the pixels),
 * layers × tokens (norms' statistics), 1, and the blocks' linear weights
 * (weight norms, residual products), tokens × MLP width and
 * batch × heads × tokens² once (the block a checkpointed run recomputes).
 */
export function activationFeatures(config: AnyModelConfig, batchSize: number, seqLength: number): number[] {
  const L = config.numLayers;
  const D = config.hiddenSize;
  const H = config.numHeads;
  const T = tokensPerSample(config, seqLength);
  const N = batchSize * T;
  const F = mlpWidth(config);
  const head = config.task === 'causal-lm' ? N * config.vocabSize : batchSize * config.numLabels;
  const extra = config.task === 'causal-lm' ? batchSize * config.vocabSize : batchSize * config.numChannels * config.imageSize * config.imageSize;
  // The blocks' linear weights as GPT-2 and ViT have them (q, k, v, out: 4·D², the MLP: 2·D·F), all targeted.
  // One block's worth, once (what a checkpointed run holds while it recomputes a block): tokens × MLP width, batch × heads × tokens².
  return [L * N * D, L * N * F, L * batchSize * H * T * T, N * D, head, extra, L * N, 1, L * (4 * D * D + 2 * D * F), N * F, batchSize * H * T * T];
}

/** How much of the method's per-layer activations its targets account for, against every block linear layer (what it was measured on). */
function targetShare(input: MemoryPlanInput): number {
  const all = input.blockModules.reduce((s, m) => s + m.dOut, 0);
  if (input.targeted.length === 0 || all === 0) return 1;
  return Math.min(1, input.targeted.reduce((s, m) => s + m.dOut, 0) / all);
}

/** Floats of one micro-batch's backward pass at its end, for `method`. */
function activationFloats(input: MemoryPlanInput, method: AdapterMethodName): number {
  const family = coefficientFamily(input.config);
  const ck = `${input.checkpointing}` as const;
  const features = activationFeatures(input.config, input.batchSize, input.seqLength);
  const dot = (coefficients: readonly number[]) => coefficients.reduce((s, c, i) => s + c * features[i], 0);
  const own = methodSpec(method).memory[family][ck];
  let floats = dot(own.features) + own.perGradient * input.trainableParameters;
  if (input.targeted.length > 0 && method !== BASELINE.name) {
    // Measured with every linear layer targeted: what the method adds over plain training (the baseline) scales with its share of them.
    const plain = dot(BASELINE.memory[family][ck].features);
    floats = plain + (floats - plain) * targetShare(input);
  }
  return Math.max(floats, 0);
}

/** The largest single tensor of a step: logits, attention probabilities, an MLP activation, the largest weight. */
function largestTensor(input: MemoryPlanInput): number {
  const c = input.config;
  const T = tokensPerSample(c, input.seqLength);
  const N = input.batchSize * T;
  const logits = c.task === 'causal-lm' ? N * c.vocabSize : input.batchSize * c.numLabels;
  const weights = c.task === 'causal-lm' ? c.vocabSize * c.hiddenSize : 0;
  const modules = input.blockModules.reduce((m, x) => Math.max(m, x.dIn * x.dOut), 0);
  return Math.max(logits, input.batchSize * c.numHeads * T * T, N * mlpWidth(c), weights, modules);
}

export function planMemory(input: MemoryPlanInput): MemoryPlan {
  const B = BYTES_PER_FLOAT;
  const weights = input.baseParameters * B;
  // The variables, AdamW's m and v.
  const trainableAndOptimizer = 3 * input.trainableParameters * B;
  const frozen = input.frozenParameters * B;
  const gradients = input.trainableParameters * B;
  const activations = activationFloats(input, input.method) * B;
  // AdamW updates one variable at a time: its clipped gradient, β1·m, (1 − β1)·g and the new m are alive together.
  const optimizerUpdate = gradients + OPTIMIZER_TEMPORARIES * input.largestTrainable * B;
  // With accumulation, the running sum of the previous micro-batches' gradients is alive during the next backward pass.
  const accumulation = input.gradientAccumulation > 1 ? gradients : 0;
  const step = Math.max(activations + accumulation, optimizerUpdate);
  return {
    weights,
    trainableAndOptimizer,
    frozen,
    step,
    activations,
    optimizerUpdate,
    accumulation,
    peak: weights + trainableAndOptimizer + frozen + step,
    largestTensor: largestTensor(input),
  };
}
