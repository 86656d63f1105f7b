/** Pieces every causal language model family shares. */
import * as tf from '@tensorflow/tfjs';
import { ModelError } from '../errors';
import type { KvCache } from './kv-cache';
import type { CausalLMConfig, ModelGraph, ModelInputs } from './types';

/** The token ids of a causal-LM input, checked against the model's limits. */
export function requireCausalInputs(inputs: ModelInputs, config: CausalLMConfig): tf.Tensor2D {
  if (!('inputIds' in inputs)) throw new ModelError('a language model needs token ids (inputIds)');
  const ids = inputs.inputIds;
  if (ids.rank !== 2) throw new ModelError(`inputIds must be (batch, tokens), got shape [${ids.shape}]`);
  const past = 'cache' in inputs && inputs.cache ? inputs.cache.length : 0;
  if (past + ids.shape[1] > config.maxPositions) {
    const what = past > 0 ? `${past} cached and ${ids.shape[1]} new tokens` : `${ids.shape[1]} tokens`;
    throw new ModelError(`${what} exceed this model's maximum of ${config.maxPositions}`);
  }
  if (ids.shape[1] === 0) throw new ModelError('inputIds has no tokens');
  return ids;
}

/**
 * The key/value cache of a causal-LM input, if any, checked against the
 * model and opened for this forward: its offset (the position of the first
 * new token; 0 without a cache).
 */
export function beginCache(inputs: ModelInputs, ids: tf.Tensor2D, config: CausalLMConfig): { cache: KvCache | null; past: number } {
  const cache = 'inputIds' in inputs ? inputs.cache ?? null : null;
  if (!cache) return { cache: null, past: 0 };
  if (cache.numLayers !== config.numLayers) {
    throw new ModelError(`a key/value cache for ${cache.numLayers} layers does not fit this model's ${config.numLayers}`);
  }
  if (cache.length > 0 && ids.shape[0] !== cache.batch) {
    throw new ModelError(`a key/value cache of batch ${cache.batch} cannot continue a batch of ${ids.shape[0]}`);
  }
  return { cache, past: cache.begin(ids.shape[1]) };
}

/**
 * h (N, D) → logits (N, vocab). Uses `lm_head.weight` when the model (or an
 * attached patch) has one, else the tied input embedding.
 */
export function lmHeadLogits(model: ModelGraph, h: tf.Tensor2D, embeddingName: string): tf.Tensor2D {
  const weight = (model.hasParam('lm_head.weight') ? model.param('lm_head.weight') : model.param(embeddingName)) as tf.Tensor2D;
  if (!tf.engine().isTapeOn()) {
    // Outside training, (W hᵀ)ᵀ: the same sums, but tfjs-wasm's matMul with a
    // transposed (vocab, D) right operand costs about what transposing the
    // whole table does, every call (GPT-2 small's head, N = 1: 490 ms
    // against 45–70 ms on 2 cores); transposing the small (vocab, N) result is cheap.
    return tf.tidy(() => tf.transpose(tf.matMul(weight, h, false, true)) as tf.Tensor2D);
  }
  return tf.matMul(h, weight, false, true);
}
