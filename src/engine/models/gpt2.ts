/**
 * GPT-2 (transformers' GPT2LMHeadModel), config.json `model_type: gpt2`.
 *
 * Its linear layers are Conv1D: weights are stored (d_in, d_out), the
 * transpose of torch.nn.Linear, and the attention's q, k and v share one
 * fused `c_attn` layer of width 3·D. The LM head is tied to `wte` unless the
 * config says otherwise.
 */
import * as tf from '@tensorflow/tfjs';
import { InputFileError } from '../errors';
import { boolField, CONFIG_LIMITS, intField, positiveNumberField, requireDivisible, stringField, tokenIdField } from './config-fields';
import { activation, attention, attentionMask, embed, layerNorm, positionIds } from './layers';
import { beginCache, lmHeadLogits, requireCausalInputs } from './causal-lm';
import { blockLinearModules, layerNormParameters, linearParameters } from './specs';
import type { CausalLMConfig, LinearModule, ModelFamily, ModelGraph, ModelInputs, ParameterSpec } from './types';

export interface Gpt2Config extends CausalLMConfig {
  innerSize: number;
  activation: string;
  layerNormEps: number;
  scaleAttnWeights: boolean;
  scaleAttnByInverseLayerIdx: boolean;
}

const PREFIX = 'transformer.';

function normaliseConfig(raw: Record<string, unknown>, file: string): Gpt2Config {
  const L = CONFIG_LIMITS;
  const hiddenSize = intField(raw, ['n_embd', 'hidden_size'], file, undefined, L.width);
  const numHeads = intField(raw, ['n_head', 'num_attention_heads'], file, undefined, L.heads);
  requireDivisible(file, 'n_embd', hiddenSize, 'n_head', numHeads);
  const vocabSize = intField(raw, ['vocab_size'], file, undefined, L.vocab);
  const config: Gpt2Config = {
    modelType: 'gpt2',
    task: 'causal-lm',
    raw,
    numLayers: intField(raw, ['n_layer', 'num_hidden_layers'], file, undefined, L.layers),
    hiddenSize,
    numHeads,
    vocabSize,
    maxPositions: intField(raw, ['n_positions', 'max_position_embeddings'], file, undefined, L.positions),
    tieWordEmbeddings: boolField(raw, ['tie_word_embeddings'], file, true),
    bosTokenId: tokenIdField(raw, 'bos_token_id', file, vocabSize),
    eosTokenId: tokenIdField(raw, 'eos_token_id', file, vocabSize),
    innerSize: intField(raw, ['n_inner'], file, 4 * hiddenSize, L.width),
    activation: stringField(raw, ['activation_function'], file, 'gelu_new'),
    layerNormEps: positiveNumberField(raw, ['layer_norm_epsilon'], file, 1e-5),
    scaleAttnWeights: boolField(raw, ['scale_attn_weights'], file, true),
    scaleAttnByInverseLayerIdx: boolField(raw, ['scale_attn_by_inverse_layer_idx'], file, false),
  };
  activation(config.activation, file); // fail on an unknown activation now, not mid-forward
  if (raw.add_cross_attention === true) {
    throw new InputFileError(file, 'GPT-2 with cross-attention (add_cross_attention) is not supported');
  }
  return config;
}

function linearModules(c: Gpt2Config): LinearModule[] {
  const D = c.hiddenSize;
  return blockLinearModules(c.numLayers, (i) => `${PREFIX}h.${i}`, 'conv1d', [
    ['attn.c_attn', D, 3 * D, true],
    ['attn.c_proj', D, D, true],
    ['mlp.c_fc', D, c.innerSize, true],
    ['mlp.c_proj', c.innerSize, D, true],
  ]);
}

/**
 * Every parameter of a model laid out as GPT-2 is: wte, wpe, ln_1 and ln_2
 * in each block `transformer.h.i`, ln_f and an untied lm_head, with
 * `modules` as its linear layers. GPT-Neo keeps this layout and changes
 * only its attention's layers.
 */
export function gpt2LayoutParameters(c: CausalLMConfig, modules: LinearModule[]): ParameterSpec[] {
  const D = c.hiddenSize;
  const specs: ParameterSpec[] = [
    { name: `${PREFIX}wte.weight`, shape: [c.vocabSize, D] },
    { name: `${PREFIX}wpe.weight`, shape: [c.maxPositions, D] },
  ];
  for (let i = 0; i < c.numLayers; i++) {
    for (const norm of ['ln_1', 'ln_2']) specs.push(...layerNormParameters(`${PREFIX}h.${i}.${norm}`, D));
  }
  for (const m of modules) specs.push(...linearParameters(m));
  specs.push(...layerNormParameters(`${PREFIX}ln_f`, D));
  if (!c.tieWordEmbeddings) specs.push({ name: 'lm_head.weight', shape: [c.vocabSize, D] });
  return specs;
}

function parameters(c: Gpt2Config): ParameterSpec[] {
  return gpt2LayoutParameters(c, linearModules(c));
}

/** A GPT-2-layout model's config, as far as its embeddings and head need it. */
type Gpt2LayoutGraph = ModelGraph<CausalLMConfig & { layerNormEps: number }>;

/** Token plus learned position embeddings, wte[ids] + wpe[past..past+T): ids (B, T) → (B*T, D). */
export function gpt2Embeddings(model: Gpt2LayoutGraph, ids: tf.Tensor2D, past = 0): tf.Tensor2D {
  const [B, T] = ids.shape;
  return tf.add(
    embed(model.param(`${PREFIX}wte.weight`), ids),
    tf.gather(model.param(`${PREFIX}wpe.weight`), positionIds(B, T, past)),
  ) as tf.Tensor2D;
}

/** The final LayerNorm ln_f, then the LM head: h (B*T, D) → logits (B, T, vocab). */
export function gpt2Logits(model: Gpt2LayoutGraph, h: tf.Tensor2D, B: number, T: number): tf.Tensor3D {
  const c = model.config;
  const normed = layerNorm(h, model.param(`${PREFIX}ln_f.weight`), model.param(`${PREFIX}ln_f.bias`), c.layerNormEps);
  return tf.reshape(lmHeadLogits(model, normed, `${PREFIX}wte.weight`), [B, T, c.vocabSize]);
}

function forward(model: ModelGraph<Gpt2Config>, inputs: ModelInputs): tf.Tensor {
  const c = model.config;
  const ids = requireCausalInputs(inputs, c);
  const [B, T] = ids.shape;
  const D = c.hiddenSize;
  const headDim = D / c.numHeads;
  const act = activation(c.activation, 'config.json');
  const { cache, past } = beginCache(inputs, ids, c);
  const logits = tf.tidy(() => {
    const mask = attentionMask(T, null, past); // (T, past + T)
    let h = gpt2Embeddings(model, ids, past); // (B*T, D)
    for (let i = 0; i < c.numLayers; i++) {
      // One block, h (B*T, D) → (B*T, D); checkpointed when the run asks (model.block).
      h = model.block(h, (h) => {
        const block = `${PREFIX}h.${i}`;
        const ln = (name: string, x: tf.Tensor2D) =>
          layerNorm(x, model.param(`${block}.${name}.weight`), model.param(`${block}.${name}.bias`), c.layerNormEps);

        const qkv = model.linear(`${block}.attn.c_attn`, ln('ln_1', h)); // (B*T, 3D)
        const [q, k, v] = tf.split(qkv, 3, 1) as tf.Tensor2D[];
        let scale = c.scaleAttnWeights ? 1 / Math.sqrt(headDim) : 1;
        if (c.scaleAttnByInverseLayerIdx) scale /= i + 1;
        const context = attention(q, k, v, mask, {
          batch: B, seqLength: T, numHeads: c.numHeads, numKvHeads: c.numHeads, headDim, scale,
        }, cache ? { cache, layer: i } : undefined);
        h = tf.add(h, model.linear(`${block}.attn.c_proj`, context));

        const up = act(model.linear(`${block}.mlp.c_fc`, ln('ln_2', h))) as tf.Tensor2D;
        h = tf.add(h, model.linear(`${block}.mlp.c_proj`, up));
        return h;
      });
    }
    return gpt2Logits(model, h, B, T);
  });
  cache?.commit();
  return logits;
}

export const gpt2: ModelFamily<Gpt2Config> = {
  modelType: 'gpt2',
  displayName: 'GPT-2',
  task: 'causal-lm',
  normaliseConfig,
  parameters,
  linearModules,
  basePrefix: PREFIX,
  ignoredKeys: [/(^|\.)attn\.(bias|masked_bias)$/],
  forward,
  defaultTargets: ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj'],
  headModules: () => ['lm_head'],
};
