/**
 * Inference helpers for the "try it" panel and the CLIs: text generation for
 * causal language models (greedy, or sampled with temperature and top-k) and
 * top-k classification for image classifiers.
 *
 * Both run whatever adapter patch is attached to the model (model.attach):
 * they only call model.forward.
 *
 * Generation keeps a key/value cache by default (models/kv-cache.ts): the
 * prompt is run once (prefill), then each step runs only the newest token
 * through the same forward, attending to the cached keys and values. The
 * plain path (`useCache: false`) recomputes the whole context every step and
 * is kept as the reference the cached one is tested against. The context is
 * cropped to the model's last `maxPositions` tokens; once a sequence is that
 * long, every token shifts position at every step (learned positions, RoPE),
 * so the cached path re-runs the cropped context each step, as the plain
 * path does, and gives the same tokens. Sampling happens in JavaScript on
 * the last position's logits, with a seeded generator, so a seed gives the
 * same tokens on every backend whose logits agree.
 */
import * as tf from '@tensorflow/tfjs';
import { ModelError } from './errors';
import { KvCache } from './models/kv-cache';
import type { Model } from './models/model';
import type { CausalLMConfig, ImageClassifierConfig } from './models/types';
import { createRng } from './random';
import type { TextTokenizer } from './tokenizer';

export interface GenerateOptions {
  /** How many tokens to add at most. */
  maxNewTokens: number;
  /** 0 (the default) is greedy: always the most likely token. */
  temperature?: number;
  /** Sample among the k most likely tokens only; 0 or undefined: all. */
  topK?: number;
  /** Seed for sampling; the same seed, prompt and model give the same tokens. Default 0. */
  seed?: number;
  /** The end-of-sequence token; generation stops after it when `stopAtEos` (default true). */
  eosTokenId?: number | null;
  stopAtEos?: boolean;
  /** Called with each new token as soon as it is chosen (for streaming to the UI). */
  onToken?: (tokenId: number, index: number) => void;
  /**
   * Stops generation between two tokens. With a signal, generation lets
   * other tasks run every YIELD_MS (a Stop message in a worker), since on
   * the CPU backends a forward's data() settles without ever doing so.
   */
  signal?: AbortSignal;
  /** Keep a key/value cache (the default); false recomputes the whole context every step (the reference path). */
  useCache?: boolean;
}

export interface GenerateResult {
  /** The new tokens, without the prompt (an EOS that stopped generation included). */
  tokens: number[];
  stoppedBy: 'eos' | 'max-new-tokens' | 'aborted';
}

function causalConfig(model: Model): CausalLMConfig {
  if (model.config.task !== 'causal-lm') {
    throw new ModelError(`text generation needs a language model; this ${model.family.displayName} model classifies images`);
  }
  return model.config;
}

function checkOptions(options: GenerateOptions): void {
  const { maxNewTokens, temperature = 0, topK = 0 } = options;
  if (!Number.isSafeInteger(maxNewTokens) || maxNewTokens < 0) {
    throw new RangeError(`maxNewTokens must be a whole number ≥ 0, got ${maxNewTokens}`);
  }
  if (!Number.isFinite(temperature) || temperature < 0) throw new RangeError(`temperature must be ≥ 0, got ${temperature}`);
  if (!Number.isSafeInteger(topK) || topK < 0) throw new RangeError(`topK must be a whole number ≥ 0, got ${topK}`);
}

function checkPrompt(prompt: ArrayLike<number>, vocabSize: number): number[] {
  const ids = Array.from(prompt);
  if (ids.length === 0) throw new ModelError('generation needs a prompt of at least one token');
  const bad = ids.find((id) => !Number.isInteger(id) || id < 0 || id >= vocabSize);
  if (bad !== undefined) throw new ModelError(`prompt token id ${bad} is outside this model's vocabulary (0–${vocabSize - 1})`);
  return ids;
}

/**
 * The logits of the next token after `tokens`: the whole context (at most
 * maxPositions tokens), or, with a cache, the tokens after those it holds
 * (which it then holds too).
 */
async function nextTokenLogits(model: Model, tokens: number[], cache?: KvCache): Promise<Float32Array> {
  const logits = tf.tidy(() => {
    const ids = tf.tensor2d(tokens, [1, tokens.length], 'int32'); // (1, T)
    const all = model.forward({ inputIds: ids, cache }) as tf.Tensor3D; // (1, T, V)
    const vocab = all.shape[2];
    return all.slice([0, tokens.length - 1, 0], [1, 1, vocab]).reshape([vocab]); // (V)
  });
  try {
    return (await logits.data()) as Float32Array;
  } finally {
    logits.dispose();
  }
}

/** The index of the largest value; the first one on ties, as torch.argmax. */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/**
 * Draws a token from softmax(logits / temperature), restricted to the top-k
 * logits (ties with the k-th kept, as transformers' TopKLogitsWarper does).
 * `uniform` is a number in [0, 1).
 */
export function sampleToken(logits: ArrayLike<number>, temperature: number, topK: number, uniform: number): number {
  if (temperature === 0) return argmax(logits);
  const n = logits.length;
  let threshold = -Infinity;
  if (topK > 0 && topK < n) threshold = Array.from(logits).sort((a, b) => b - a)[topK - 1];
  const max = logits[argmax(logits)];
  const weights = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    // Subtracting the max keeps exp() finite however small the temperature.
    weights[i] = logits[i] >= threshold ? Math.exp((logits[i] - max) / temperature) : 0;
    total += weights[i];
  }
  let target = uniform * total;
  let last = 0;
  for (let i = 0; i < n; i++) {
    if (weights[i] === 0) continue;
    last = i;
    target -= weights[i];
    if (target < 0) return i;
  }
  return last; // rounding left a sliver: the last candidate
}

/** How long generation with a signal runs before it lets other tasks in (a timer costs about 4 ms). */
const YIELD_MS = 30;

/**
 * Generates up to `maxNewTokens` tokens after `prompt` (token ids). Leaves no
 * tensors behind.
 */
export async function generate(model: Model, prompt: ArrayLike<number>, options: GenerateOptions): Promise<GenerateResult> {
  const config = causalConfig(model);
  checkOptions(options);
  const sequence = checkPrompt(prompt, config.vocabSize);
  const { temperature = 0, topK = 0, eosTokenId = null, stopAtEos = true } = options;
  const random = createRng(options.seed ?? 0);
  const tokens: number[] = [];
  const cache = options.useCache === false ? null : new KvCache(config.numLayers);
  // The cache holds sequence[cacheStart, cacheStart + cache.length).
  let cacheStart = 0;
  let lastYield = performance.now();
  try {
    while (tokens.length < options.maxNewTokens) {
      if (options.signal && performance.now() - lastYield >= YIELD_MS) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        lastYield = performance.now();
      }
      if (options.signal?.aborted) return { tokens, stoppedBy: 'aborted' };
      let logits: Float32Array;
      if (!cache) {
        logits = await nextTokenLogits(model, sequence.slice(-config.maxPositions));
      } else {
        let fresh = sequence.slice(cacheStart + cache.length);
        if (cache.length + fresh.length > config.maxPositions) {
          // Cropping moves every token to a new position: start over from the cropped context.
          cache.dispose();
          cacheStart = Math.max(0, sequence.length - config.maxPositions);
          fresh = sequence.slice(cacheStart);
        }
        logits = await nextTokenLogits(model, fresh, cache);
      }
      const token = sampleToken(logits, temperature, topK, random());
      tokens.push(token);
      sequence.push(token);
      options.onToken?.(token, tokens.length - 1);
      if (stopAtEos && eosTokenId !== null && token === eosTokenId) return { tokens, stoppedBy: 'eos' };
    }
    return { tokens, stoppedBy: 'max-new-tokens' };
  } finally {
    cache?.dispose();
  }
}

export interface GenerateTextResult extends GenerateResult {
  /** The new text, special tokens left out. */
  text: string;
  promptTokens: number[];
}

/**
 * Encodes `prompt` with the tokenizer, generates, decodes. An empty prompt
 * starts from BOS when the tokenizer has one. EOS defaults to the tokenizer's.
 */
export async function generateText(
  model: Model,
  tokenizer: TextTokenizer,
  prompt: string,
  options: GenerateOptions,
): Promise<GenerateTextResult> {
  let promptTokens = tokenizer.encode(prompt);
  if (promptTokens.length === 0 && tokenizer.bosTokenId !== null) promptTokens = [tokenizer.bosTokenId];
  const result = await generate(model, promptTokens, { eosTokenId: tokenizer.eosTokenId, ...options });
  return { ...result, promptTokens, text: tokenizer.decode(result.tokens, { skipSpecialTokens: true }) };
}

// ---------------------------------------------------------------------------
// Classification

export interface ClassPrediction {
  label: string;
  index: number;
  probability: number;
}

/**
 * The k most probable labels of each image, most probable first (fewer when
 * the head has fewer than k classes). `labels` names the head's classes when
 * an adapter replaced the checkpoint's head (another count, other names).
 * pixelValues: preprocessed float32 (B, C, H, W); the tensor is not disposed.
 */
export async function classifyTopK(model: Model, pixelValues: tf.Tensor4D, k: number, labels?: readonly string[]): Promise<ClassPrediction[][]> {
  if (model.config.task !== 'image-classification') {
    throw new ModelError(`classification needs an image classifier; this ${model.family.displayName} model generates text`);
  }
  const config: ImageClassifierConfig = model.config;
  if (!Number.isSafeInteger(k) || k < 1) throw new RangeError(`k must be a whole number ≥ 1, got ${k}`);
  const names = labels ?? config.labels;
  let kept = 0;
  const { values, indices } = tf.tidy(() => {
    // (B, classes): the patched head's classes, which an adapter may have changed.
    const logits = model.forward({ pixelValues }) as tf.Tensor2D;
    kept = Math.min(k, logits.shape[1]);
    return tf.topk(tf.softmax(logits), kept); // (B, kept) each
  });
  try {
    const [probabilities, labelIndices] = await Promise.all([values.data(), indices.data()]);
    const batch = pixelValues.shape[0];
    return Array.from({ length: batch }, (_, b) =>
      Array.from({ length: kept }, (_, j) => {
        const index = labelIndices[b * kept + j];
        return { label: names[index] ?? `class ${index}`, index, probability: probabilities[b * kept + j] };
      }),
    );
  } finally {
    tf.dispose([values, indices]);
  }
}
