/**
 * Llama family (transformers' LlamaForCausalLM), `model_type: llama`; SmolLM,
 * TinyLlama and Llama 2/3 checkpoints are of this type.
 *
 * Rotary position embeddings (rope_theta, with `linear` or `llama3`
 * frequency scaling), grouped-query attention (num_key_value_heads <
 * num_attention_heads), RMSNorm, a SwiGLU MLP, and tied or untied
 * embeddings.
 */
import * as tf from '@tensorflow/tfjs';
import { InputFileError, quoted } from '../errors';
import { boolField, CONFIG_LIMITS, intField, positiveNumberField, requireDivisible, stringField, tokenIdField } from './config-fields';
import { activation, attention, attentionMask, embed, rmsNorm } from './layers';
import { beginCache, lmHeadLogits, requireCausalInputs } from './causal-lm';
import { blockLinearModules, linearParameters } from './specs';
import type { CausalLMConfig, LinearModule, ModelFamily, ModelGraph, ModelInputs, ParameterSpec } from './types';

export type RopeScaling =
  | { type: 'default' }
  | { type: 'linear'; factor: number }
  | {
      type: 'llama3';
      factor: number;
      lowFreqFactor: number;
      highFreqFactor: number;
      originalMaxPositions: number;
    };

export interface LlamaConfig extends CausalLMConfig {
  numKvHeads: number;
  headDim: number;
  intermediateSize: number;
  activation: string;
  rmsNormEps: number;
  ropeTheta: number;
  ropeScaling: RopeScaling;
  attentionBias: boolean;
  mlpBias: boolean;
}

const PREFIX = 'model.';

/** rope_theta and scaling from transformers 4 (`rope_theta`, `rope_scaling`) or 5 (`rope_parameters`). */
function ropeSettings(raw: Record<string, unknown>, file: string): { theta: number; scaling: RopeScaling } {
  const given = raw.rope_parameters ?? raw.rope_scaling ?? null;
  if (given !== null && (typeof given !== 'object' || Array.isArray(given))) {
    throw new InputFileError(file, `"rope_scaling" must be an object or null, got ${quoted(given, 80)}`);
  }
  const params = given as Record<string, unknown> | null;
  // theta^(2i/d) with theta <= 0 is NaN or 0: every rotary frequency would be garbage.
  const theta = positiveNumberField({ ...raw, ...(params ?? {}) }, ['rope_theta'], file, 10000);
  if (!params) return { theta, scaling: { type: 'default' } };
  const type = stringField(params, ['rope_type', 'type'], file, 'default');
  switch (type) {
    case 'default':
      return { theta, scaling: { type: 'default' } };
    case 'linear':
      return { theta, scaling: { type: 'linear', factor: positiveNumberField(params, ['factor'], file) } };
    case 'llama3': {
      const lowFreqFactor = positiveNumberField(params, ['low_freq_factor'], file);
      const highFreqFactor = positiveNumberField(params, ['high_freq_factor'], file);
      // The smoothing between the two wavelengths divides by their difference.
      if (!(highFreqFactor > lowFreqFactor)) {
        throw new InputFileError(
          file,
          `"rope_scaling" high_freq_factor (${highFreqFactor}) must be greater than low_freq_factor (${lowFreqFactor})`,
        );
      }
      return {
        theta,
        scaling: {
          type: 'llama3',
          factor: positiveNumberField(params, ['factor'], file),
          lowFreqFactor,
          highFreqFactor,
          originalMaxPositions: intField(params, ['original_max_position_embeddings'], file, undefined, CONFIG_LIMITS.positions),
        },
      };
    }
    default:
      throw new InputFileError(file, `unsupported RoPE scaling "${type}" (supported: default, linear, llama3)`);
  }
}

function normaliseConfig(raw: Record<string, unknown>, file: string): LlamaConfig {
  const L = CONFIG_LIMITS;
  const hiddenSize = intField(raw, ['hidden_size'], file, undefined, L.width);
  const numHeads = intField(raw, ['num_attention_heads'], file, undefined, L.heads);
  const numKvHeads = intField(raw, ['num_key_value_heads'], file, numHeads, L.heads);
  requireDivisible(file, 'num_attention_heads', numHeads, 'num_key_value_heads', numKvHeads);
  if (raw.head_dim == null) requireDivisible(file, 'hidden_size', hiddenSize, 'num_attention_heads', numHeads);
  const headDim = intField(raw, ['head_dim'], file, hiddenSize / numHeads, L.width);
  if (headDim % 2 !== 0) throw new InputFileError(file, `head_dim (${headDim}) must be even for rotary embeddings`);
  const { theta, scaling } = ropeSettings(raw, file);
  const vocabSize = intField(raw, ['vocab_size'], file, undefined, L.vocab);
  const config: LlamaConfig = {
    modelType: 'llama',
    task: 'causal-lm',
    raw,
    numLayers: intField(raw, ['num_hidden_layers'], file, undefined, L.layers),
    hiddenSize,
    numHeads,
    numKvHeads,
    headDim,
    vocabSize,
    maxPositions: intField(raw, ['max_position_embeddings'], file, 2048, L.positions),
    tieWordEmbeddings: boolField(raw, ['tie_word_embeddings'], file, false),
    bosTokenId: tokenIdField(raw, 'bos_token_id', file, vocabSize),
    eosTokenId: tokenIdField(raw, 'eos_token_id', file, vocabSize),
    intermediateSize: intField(raw, ['intermediate_size'], file, undefined, L.width),
    activation: stringField(raw, ['hidden_act'], file, 'silu'),
    rmsNormEps: positiveNumberField(raw, ['rms_norm_eps'], file, 1e-6),
    ropeTheta: theta,
    ropeScaling: scaling,
    attentionBias: boolField(raw, ['attention_bias'], file, false),
    mlpBias: boolField(raw, ['mlp_bias'], file, false),
  };
  activation(config.activation, file);
  return config;
}

function linearModules(c: LlamaConfig): LinearModule[] {
  const D = c.hiddenSize;
  const qDim = c.numHeads * c.headDim;
  const kvDim = c.numKvHeads * c.headDim;
  return blockLinearModules(c.numLayers, (i) => `${PREFIX}layers.${i}`, 'linear', [
    ['self_attn.q_proj', D, qDim, c.attentionBias],
    ['self_attn.k_proj', D, kvDim, c.attentionBias],
    ['self_attn.v_proj', D, kvDim, c.attentionBias],
    ['self_attn.o_proj', qDim, D, c.attentionBias],
    ['mlp.gate_proj', D, c.intermediateSize, c.mlpBias],
    ['mlp.up_proj', D, c.intermediateSize, c.mlpBias],
    ['mlp.down_proj', c.intermediateSize, D, c.mlpBias],
  ]);
}

function parameters(c: LlamaConfig): ParameterSpec[] {
  const D = c.hiddenSize;
  const specs: ParameterSpec[] = [{ name: `${PREFIX}embed_tokens.weight`, shape: [c.vocabSize, D] }];
  for (let i = 0; i < c.numLayers; i++) {
    // RMSNorm: a weight, no bias.
    specs.push(
      { name: `${PREFIX}layers.${i}.input_layernorm.weight`, shape: [D] },
      { name: `${PREFIX}layers.${i}.post_attention_layernorm.weight`, shape: [D] },
    );
  }
  for (const m of linearModules(c)) specs.push(...linearParameters(m));
  specs.push({ name: `${PREFIX}norm.weight`, shape: [D] });
  if (!c.tieWordEmbeddings) specs.push({ name: 'lm_head.weight', shape: [c.vocabSize, D] });
  return specs;
}

/**
 * Inverse frequencies, in float32 as transformers computes them:
 * 1 / theta^(2i/d), then the scaling's adjustment.
 */
export function ropeInverseFrequencies(c: LlamaConfig): Float32Array {
  const half = c.headDim / 2;
  const inv = new Float32Array(half);
  for (let i = 0; i < half; i++) {
    inv[i] = 1 / Math.fround(c.ropeTheta ** Math.fround((2 * i) / c.headDim));
  }
  const s = c.ropeScaling;
  if (s.type === 'linear') {
    for (let i = 0; i < half; i++) inv[i] /= s.factor;
  } else if (s.type === 'llama3') {
    const lowFreqWavelen = s.originalMaxPositions / s.lowFreqFactor;
    const highFreqWavelen = s.originalMaxPositions / s.highFreqFactor;
    for (let i = 0; i < half; i++) {
      const wavelen = (2 * Math.PI) / inv[i];
      if (wavelen > lowFreqWavelen) {
        inv[i] /= s.factor;
      } else if (wavelen >= highFreqWavelen) {
        const smooth = (s.originalMaxPositions / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
        inv[i] = (1 - smooth) * (inv[i] / s.factor) + smooth * inv[i];
      }
    }
  }
  return inv;
}

/**
 * cos and sin tables (T, head_dim) of positions past..past+T, each frequency
 * repeated for both halves as transformers does.
 */
function ropeTables(c: LlamaConfig, seqLength: number, past = 0): { cos: tf.Tensor2D; sin: tf.Tensor2D } {
  const inv = ropeInverseFrequencies(c);
  const half = inv.length;
  const cos = new Float32Array(seqLength * c.headDim);
  const sin = new Float32Array(seqLength * c.headDim);
  for (let t = 0; t < seqLength; t++) {
    for (let i = 0; i < half; i++) {
      const angle = Math.fround((past + t) * inv[i]);
      const row = t * c.headDim;
      cos[row + i] = cos[row + half + i] = Math.cos(angle);
      sin[row + i] = sin[row + half + i] = Math.sin(angle);
    }
  }
  return {
    cos: tf.tensor2d(cos, [seqLength, c.headDim]),
    sin: tf.tensor2d(sin, [seqLength, c.headDim]),
  };
}

/** x·cos + rotate_half(x)·sin. x: (B*T, heads*hd) → same shape. */
function applyRope(x: tf.Tensor2D, cos: tf.Tensor2D, sin: tf.Tensor2D, B: number, T: number, heads: number, hd: number): tf.Tensor2D {
  return tf.tidy(() => {
    const x4 = tf.reshape(x, [B, T, heads, hd]); // (B, T, heads, hd)
    const [x1, x2] = tf.split(x4, 2, 3);
    const rotated = tf.concat([tf.neg(x2), x1], 3); // rotate_half
    const cos4 = tf.reshape(cos, [1, T, 1, hd]);
    const sin4 = tf.reshape(sin, [1, T, 1, hd]);
    return tf.reshape(tf.add(tf.mul(x4, cos4), tf.mul(rotated, sin4)), [B * T, heads * hd]) as tf.Tensor2D;
  });
}

function forward(model: ModelGraph<LlamaConfig>, inputs: ModelInputs): tf.Tensor {
  const c = model.config;
  const ids = requireCausalInputs(inputs, c);
  const [B, T] = ids.shape;
  const act = activation(c.activation, 'config.json');
  const { cache, past } = beginCache(inputs, ids, c);
  const logits = tf.tidy(() => {
    const mask = attentionMask(T, null, past); // (T, past + T)
    // Keys are cached rotated: each new token is rotated at its own position.
    const { cos, sin } = ropeTables(c, T, past);
    let h = embed(model.param(`${PREFIX}embed_tokens.weight`), ids); // (B*T, D)
    for (let i = 0; i < c.numLayers; i++) {
      // One block, h (B*T, D) → (B*T, D); checkpointed when the run asks (model.block).
      h = model.block(h, (h) => {
        const block = `${PREFIX}layers.${i}`;
        const x = rmsNorm(h, model.param(`${block}.input_layernorm.weight`), c.rmsNormEps);
        const q = applyRope(model.linear(`${block}.self_attn.q_proj`, x), cos, sin, B, T, c.numHeads, c.headDim);
        const k = applyRope(model.linear(`${block}.self_attn.k_proj`, x), cos, sin, B, T, c.numKvHeads, c.headDim);
        const v = model.linear(`${block}.self_attn.v_proj`, x);
        const context = attention(q, k, v, mask, {
          batch: B, seqLength: T, numHeads: c.numHeads, numKvHeads: c.numKvHeads, headDim: c.headDim,
          scale: 1 / Math.sqrt(c.headDim),
        }, cache ? { cache, layer: i } : undefined);
        h = tf.add(h, model.linear(`${block}.self_attn.o_proj`, context));

        const y = rmsNorm(h, model.param(`${block}.post_attention_layernorm.weight`), c.rmsNormEps);
        const gate = act(model.linear(`${block}.mlp.gate_proj`, y));
        const up = model.linear(`${block}.mlp.up_proj`, y);
        h = tf.add(h, model.linear(`${block}.mlp.down_proj`, tf.mul(gate, up) as tf.Tensor2D));
        return h;
      });
    }
    h = rmsNorm(h, model.param(`${PREFIX}norm.weight`), c.rmsNormEps);
    return tf.reshape(lmHeadLogits(model, h, `${PREFIX}embed_tokens.weight`), [B, T, c.vocabSize]);
  });
  cache?.commit();
  return logits;
}

export const llama: ModelFamily<LlamaConfig> = {
  modelType: 'llama',
  displayName: 'Llama',
  task: 'causal-lm',
  normaliseConfig,
  parameters,
  linearModules,
  basePrefix: PREFIX,
  ignoredKeys: [/(^|\.)rotary_emb\.inv_freq$/],
  forward,
  // The WeGeFT paper's choice for Llama-type models.
  defaultTargets: ['q_proj', 'k_proj', 'v_proj', 'up_proj', 'down_proj'],
  headModules: () => ['lm_head'],
};
