/** Pieces every causal language model family shares. */
import * as tf from '@tensorflow/tfjs';
import { ModelError } from '../errors';
import type { CausalLMConfig, ModelGraph, ModelInputs } from './types';

/** The token ids of a causal-LM input, checked against the model's limits. */
export function requireCausalInputs(inputs: ModelInputs, config: CausalLMConfig): tf.Tensor2D {
  if (!('inputIds' in inputs)) throw new ModelError('a language model needs token ids (inputIds)');
  const ids = inputs.inputIds;
  if (ids.rank !== 2) throw new ModelError(`inputIds must be (batch, tokens), got shape [${ids.shape}]`);
  if (ids.shape[1] > config.maxPositions) {
    throw new ModelError(`${ids.shape[1]} tokens exceed this model's maximum of ${config.maxPositions}`);
  }
  if (ids.shape[1] === 0) throw new ModelError('inputIds has no tokens');
  return ids;
}

/**
 * h (N, D) → logits (N, vocab). Uses `lm_head.weight` when the model (or an
 * attached patch) has one, else the tied input embedding.
 */
export function lmHeadLogits(model: ModelGraph, h: tf.Tensor2D, embeddingName: string): tf.Tensor2D {
  const weight = model.hasParam('lm_head.weight') ? model.param('lm_head.weight') : model.param(embeddingName);
  return tf.matMul(h, weight as tf.Tensor2D, false, true);
}
