/**
 * GPT-Neo (transformers' GPTNeoForCausalLM), `model_type: gpt_neo`: the
 * architecture of the TinyStories models.
 *
 * Differences from GPT-2 that matter: separate q/k/v projections without bias
 * (torch.nn.Linear layout), attention that is NOT scaled by 1/√head_dim, and
 * layers that alternate between global and local attention, where local
 * attention sees only the last `window_size` positions. Its embeddings,
 * LayerNorms and LM head are GPT-2's, so it takes those pieces from gpt2.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { InputFileError, quoted } from '../errors';
import { boolField, CONFIG_LIMITS, intField, positiveNumberField, requireDivisible, stringField, tokenIdField } from './config-fields';
import { activation, attention, attentionMask, layerNorm } from './layers';
import { beginCache, requireCausalInputs } from './causal-lm';
import { gpt2Embeddings, gpt2LayoutParameters, gpt2Logits } from './gpt2';
import { blockLinearModules } from './specs';
import type { CausalLMConfig, LinearModule, ModelFamily, ModelGraph, ModelInputs, ParameterSpec } from './types';

export interface GptNeoConfig extends CausalLMConfig {
  innerSize: number;
  activation: string;
  layerNormEps: number;
  windowSize: number;
  /** 'global' or 'local' for each layer. */
  attentionLayers: Array<'global' | 'local'>;
}

const PREFIX = 'transformer.';

/** transformers' GPTNeoConfig default: 24 layers alternating global and local. */
const DEFAULT_ATTENTION_TYPES = [[['global', 'local'], 12]];

/**
 * Expands `attention_types` ([[["global","local"], 12]]) into one kind per
 * layer, checking each entry so a malformed or absurd one is a clear error
 * rather than a crash or an endless loop.
 */
function expandAttentionTypes(types: unknown, numLayers: number, file: string): unknown[] {
  if (!Array.isArray(types)) throw new InputFileError(file, `"attention_types" must be a list, got ${quoted(types)}`);
  const layers: unknown[] = [];
  for (const entry of types) {
    const [kinds, repeat] = Array.isArray(entry) ? entry : [];
    if (!Array.isArray(kinds) || kinds.length === 0 || !Number.isSafeInteger(repeat) || repeat < 1) {
      throw new InputFileError(file, `"attention_types" entries must be [[kinds...], repeat], got ${quoted(entry)}`);
    }
    for (let r = 0; r < repeat && layers.length <= numLayers; r++) layers.push(...kinds);
  }
  return layers;
}

/**
 * One kind per layer, from `attention_layers` or else `attention_types`, as
 * GPTNeoConfig derives it; with neither, transformers' default pattern
 * (which only fits 24 layers, as in transformers).
 */
function attentionLayers(raw: Record<string, unknown>, numLayers: number, file: string): Array<'global' | 'local'> {
  const layers = Array.isArray(raw.attention_layers)
    ? raw.attention_layers
    : expandAttentionTypes(raw.attention_types ?? DEFAULT_ATTENTION_TYPES, numLayers, file);
  if (layers.length !== numLayers || !layers.every((k) => k === 'global' || k === 'local')) {
    const given = Array.isArray(raw.attention_layers) || raw.attention_types != null ? 'got' : 'the default without "attention_types" is';
    throw new InputFileError(
      file,
      `"attention_layers" must list "global" or "local" for each of the ${numLayers} layers, ${given} ${quoted(layers)}`,
    );
  }
  return layers as Array<'global' | 'local'>;
}

function normaliseConfig(raw: Record<string, unknown>, file: string): GptNeoConfig {
  const L = CONFIG_LIMITS;
  const hiddenSize = intField(raw, ['hidden_size'], file, undefined, L.width);
  const numHeads = intField(raw, ['num_heads', 'num_attention_heads'], file, undefined, L.heads);
  requireDivisible(file, 'hidden_size', hiddenSize, 'num_heads', numHeads);
  const numLayers = intField(raw, ['num_layers', 'num_hidden_layers'], file, undefined, L.layers);
  const vocabSize = intField(raw, ['vocab_size'], file, undefined, L.vocab);
  const config: GptNeoConfig = {
    modelType: 'gpt_neo',
    task: 'causal-lm',
    raw,
    numLayers,
    hiddenSize,
    numHeads,
    vocabSize,
    maxPositions: intField(raw, ['max_position_embeddings'], file, undefined, L.positions),
    tieWordEmbeddings: boolField(raw, ['tie_word_embeddings'], file, true),
    bosTokenId: tokenIdField(raw, 'bos_token_id', file, vocabSize),
    eosTokenId: tokenIdField(raw, 'eos_token_id', file, vocabSize),
    innerSize: intField(raw, ['intermediate_size'], file, 4 * hiddenSize, L.width),
    activation: stringField(raw, ['activation_function'], file, 'gelu_new'),
    layerNormEps: positiveNumberField(raw, ['layer_norm_epsilon'], file, 1e-5),
    windowSize: intField(raw, ['window_size'], file, 256, L.positions),
    attentionLayers: attentionLayers(raw, numLayers, file),
  };
  activation(config.activation, file);
  return config;
}

function linearModules(c: GptNeoConfig): LinearModule[] {
  const D = c.hiddenSize;
  return blockLinearModules(c.numLayers, (i) => `${PREFIX}h.${i}`, 'linear', [
    ['attn.attention.q_proj', D, D, false],
    ['attn.attention.k_proj', D, D, false],
    ['attn.attention.v_proj', D, D, false],
    ['attn.attention.out_proj', D, D, true],
    ['mlp.c_fc', D, c.innerSize, true],
    ['mlp.c_proj', c.innerSize, D, true],
  ]);
}

/** GPT-2's embeddings and norms around these linear layers. */
function parameters(c: GptNeoConfig): ParameterSpec[] {
  return gpt2LayoutParameters(c, linearModules(c));
}

function forward(model: ModelGraph<GptNeoConfig>, inputs: ModelInputs): tf.Tensor {
  const c = model.config;
  const ids = requireCausalInputs(inputs, c);
  const [B, T] = ids.shape;
  const headDim = c.hiddenSize / c.numHeads;
  const act = activation(c.activation, 'config.json');
  const { cache, past } = beginCache(inputs, ids, c);
  const logits = tf.tidy(() => {
    // (T, past + T) each; a cached local layer keeps every key and masks those out of its window.
    const globalMask = attentionMask(T, null, past);
    const localMask = c.attentionLayers.includes('local') ? attentionMask(T, c.windowSize, past) : globalMask;
    let h = gpt2Embeddings(model, ids, past); // (B*T, D): GPT-2's embeddings
    for (let i = 0; i < c.numLayers; i++) {
      // One block, h (B*T, D) → (B*T, D); checkpointed when the run asks (model.block).
      h = model.block(h, (h) => {
        const block = `${PREFIX}h.${i}`;
        const ln = (name: string, x: tf.Tensor2D) =>
          layerNorm(x, model.param(`${block}.${name}.weight`), model.param(`${block}.${name}.bias`), c.layerNormEps);

        const x = ln('ln_1', h);
        const q = model.linear(`${block}.attn.attention.q_proj`, x);
        const k = model.linear(`${block}.attn.attention.k_proj`, x);
        const v = model.linear(`${block}.attn.attention.v_proj`, x);
        const mask = c.attentionLayers[i] === 'local' ? localMask : globalMask;
        // GPT-Neo does not scale attention scores by 1/√head_dim.
        const context = attention(q, k, v, mask, {
          batch: B, seqLength: T, numHeads: c.numHeads, numKvHeads: c.numHeads, headDim, scale: 1,
        }, cache ? { cache, layer: i } : undefined);
        h = tf.add(h, model.linear(`${block}.attn.attention.out_proj`, context));

        const up = act(model.linear(`${block}.mlp.c_fc`, ln('ln_2', h))) as tf.Tensor2D;
        h = tf.add(h, model.linear(`${block}.mlp.c_proj`, up));
        return h;
      });
    }
    return gpt2Logits(model, h, B, T); // GPT-2's ln_f and head
  });
  cache?.commit();
  return logits;
}

export const gptNeo: ModelFamily<GptNeoConfig> = {
  modelType: 'gpt_neo',
  displayName: 'GPT-Neo',
  task: 'causal-lm',
  normaliseConfig,
  parameters,
  linearModules,
  basePrefix: PREFIX,
  ignoredKeys: [/(^|\.)attn\.attention\.(bias|masked_bias)$/],
  forward,
  // The WeGeFT paper's language-model choice (q, k, v, up, down) in GPT-Neo's names.
  defaultTargets: ['q_proj', 'k_proj', 'v_proj', 'mlp.c_fc', 'mlp.c_proj'],
  headModules: () => ['lm_head'],
};
