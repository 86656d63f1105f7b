/**
 * Random-init checkpoints of every model family, at any shape, for tests.
 *
 *   const ckpt = randomCheckpoint({ family: 'llama', layers: 3, hidden: 48, heads: 6, kvHeads: 2 }, { seed: 7 });
 *   const model = await loadModel(checkpointSource(ckpt));               // in memory
 *   await writeCheckpoint(dir, ckpt, { shards: 3, dtype: 'BF16' });      // or on disk
 *   const inputs = randomInputs(ckpt, { batch: 3, seqLength: 5, seed: 1 });
 *   const logits = model.forward(toModelInputs(inputs));
 *
 * A checkpoint is config.json (as transformers' save_pretrained writes it for
 * GPT2LMHeadModel, GPTNeoForCausalLM, LlamaForCausalLM or
 * ViTForImageClassification) plus its tensors under their canonical names.
 * The parameter list is written out here from transformers' module
 * structure, NOT taken from src/engine/models, so a wrong name or shape in a
 * family file shows up as a load error. Everything is deterministic from
 * the seed. Weights ~ N(0, std) with std 0.2 by default (norm weights
 * 1 + N(0, std)): large enough that logits differ clearly between tokens, so
 * comparing two implementations means something.
 */
import { createRng } from '../../src/engine/random';

export {
  checkpointFiles,
  checkpointSource,
  encodeSafetensors,
  randomInputs,
  roundToDtype,
  toModelInputs,
  writeCheckpoint,
  type CheckpointFileOptions,
  type FloatDtype,
  type RandomInputs,
} from './checkpoint-files';

export type Family = 'gpt2' | 'gpt_neo' | 'llama' | 'vit';

interface BlockKnobs {
  /** Transformer blocks (default 2). */
  layers?: number;
  /** Hidden size (default 32). */
  hidden?: number;
  /** Attention heads (default 4). */
  heads?: number;
  /** MLP inner width (default 4·hidden; Llama 2·hidden). */
  intermediate?: number;
  /** config.json's activation name (family default when omitted). */
  activation?: string;
}

interface LanguageModelKnobs extends BlockKnobs {
  /** Vocabulary size (default 40). */
  vocab?: number;
  /** Position limit: n_positions / max_position_embeddings (default 16). */
  maxPositions?: number;
  /** Tie lm_head to the token embedding (default true; false adds lm_head.weight). */
  tied?: boolean;
}

export interface Gpt2Knobs extends LanguageModelKnobs {
  family: 'gpt2';
  scaleAttnWeights?: boolean;
  scaleAttnByInverseLayerIdx?: boolean;
}

export interface GptNeoKnobs extends LanguageModelKnobs {
  family: 'gpt_neo';
  /** Local attention window (default 4). */
  windowSize?: number;
  /** Kind of each layer (default alternating global, local). */
  attentionLayers?: Array<'global' | 'local'>;
  /** save_pretrained writes both `attention_types` and `attention_layers`; 'types-only' omits the latter. */
  attentionConfig?: 'both' | 'types-only';
}

export type RopeScalingKnobs =
  | { type: 'linear'; factor: number }
  | { type: 'llama3'; factor: number; lowFreqFactor: number; highFreqFactor: number; originalMaxPositions: number };

export interface LlamaKnobs extends LanguageModelKnobs {
  family: 'llama';
  /** Key/value heads for grouped-query attention (default: heads). */
  kvHeads?: number;
  /** Per-head width; written to config.json only when set (default hidden / heads). */
  headDim?: number;
  ropeTheta?: number;
  /** Frequency scaling (default none). */
  ropeScaling?: RopeScalingKnobs | null;
  attentionBias?: boolean;
  mlpBias?: boolean;
  /** transformers 5 writes `rope_parameters`; 4 wrote `rope_theta` + `rope_scaling` (default 'v5'). */
  configStyle?: 'v4' | 'v5';
}

export interface VitKnobs extends BlockKnobs {
  family: 'vit';
  /** Default 8; need not be a multiple of patchSize (the conv then drops the remainder). */
  imageSize?: number;
  /** Default 4. */
  patchSize?: number;
  /** Default 3. */
  channels?: number;
  /** Label count (default 3). */
  labels?: number;
  qkvBias?: boolean;
}

export type CheckpointKnobs = Gpt2Knobs | GptNeoKnobs | LlamaKnobs | VitKnobs;

/** A float32 tensor under its checkpoint name. */
export interface NamedTensor {
  name: string;
  shape: number[];
  values: Float32Array;
}

export interface RandomCheckpoint {
  family: Family;
  /** config.json as save_pretrained writes it. */
  config: Record<string, unknown>;
  /** Every parameter under its canonical name (`transformer.h.0...`), in state_dict order. */
  tensors: NamedTensor[];
  /** The same, by name. */
  weights: Map<string, NamedTensor>;
  /** The base model's key prefix: `transformer.`, `model.` or `vit.`. */
  basePrefix: string;
  /** Total parameter elements (what transformers' num_parameters() reports). */
  parameterCount: number;
}

export interface RandomCheckpointOptions {
  /** Default 0. */
  seed?: number;
  /** Weight standard deviation (default 0.2). */
  std?: number;
}

// ---------------------------------------------------------------------------
// parameters

type ParamKind = 'weight' | 'norm' | 'bias';
type ParamList = Array<[name: string, shape: number[], kind: ParamKind]>;

function normalSampler(seed: number): () => number {
  const uniform = createRng(seed);
  return () => {
    const u = 1 - uniform(); // (0, 1]: log stays finite
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
}

function layerNormParams(name: string, D: number): ParamList {
  return [[`${name}.weight`, [D], 'norm'], [`${name}.bias`, [D], 'bias']];
}

/** A Linear (or, with conv1d, GPT-2 Conv1D: (dIn, dOut)) weight and optional bias. */
function linearParams(name: string, dIn: number, dOut: number, bias: boolean, conv1d = false): ParamList {
  const list: ParamList = [[`${name}.weight`, conv1d ? [dIn, dOut] : [dOut, dIn], 'weight']];
  if (bias) list.push([`${name}.bias`, [dOut], 'bias']);
  return list;
}

function gpt2Params(k: Required<Gpt2Knobs>): ParamList {
  const D = k.hidden;
  const list: ParamList = [['transformer.wte.weight', [k.vocab, D], 'weight'], ['transformer.wpe.weight', [k.maxPositions, D], 'weight']];
  for (let i = 0; i < k.layers; i++) {
    const b = `transformer.h.${i}`;
    list.push(
      ...layerNormParams(`${b}.ln_1`, D),
      ...linearParams(`${b}.attn.c_attn`, D, 3 * D, true, true),
      ...linearParams(`${b}.attn.c_proj`, D, D, true, true),
      ...layerNormParams(`${b}.ln_2`, D),
      ...linearParams(`${b}.mlp.c_fc`, D, k.intermediate, true, true),
      ...linearParams(`${b}.mlp.c_proj`, k.intermediate, D, true, true),
    );
  }
  list.push(...layerNormParams('transformer.ln_f', D));
  if (!k.tied) list.push(['lm_head.weight', [k.vocab, D], 'weight']);
  return list;
}

function gptNeoParams(k: Required<GptNeoKnobs>): ParamList {
  const D = k.hidden;
  const list: ParamList = [['transformer.wte.weight', [k.vocab, D], 'weight'], ['transformer.wpe.weight', [k.maxPositions, D], 'weight']];
  for (let i = 0; i < k.layers; i++) {
    const b = `transformer.h.${i}`;
    list.push(
      ...layerNormParams(`${b}.ln_1`, D),
      ...linearParams(`${b}.attn.attention.k_proj`, D, D, false),
      ...linearParams(`${b}.attn.attention.v_proj`, D, D, false),
      ...linearParams(`${b}.attn.attention.q_proj`, D, D, false),
      ...linearParams(`${b}.attn.attention.out_proj`, D, D, true),
      ...layerNormParams(`${b}.ln_2`, D),
      ...linearParams(`${b}.mlp.c_fc`, D, k.intermediate, true),
      ...linearParams(`${b}.mlp.c_proj`, k.intermediate, D, true),
    );
  }
  list.push(...layerNormParams('transformer.ln_f', D));
  if (!k.tied) list.push(['lm_head.weight', [k.vocab, D], 'weight']);
  return list;
}

function llamaParams(k: Required<LlamaKnobs>): ParamList {
  const D = k.hidden;
  const q = k.heads * k.headDim;
  const kv = k.kvHeads * k.headDim;
  const list: ParamList = [['model.embed_tokens.weight', [k.vocab, D], 'weight']];
  for (let i = 0; i < k.layers; i++) {
    const b = `model.layers.${i}`;
    list.push(
      ...linearParams(`${b}.self_attn.q_proj`, D, q, k.attentionBias),
      ...linearParams(`${b}.self_attn.k_proj`, D, kv, k.attentionBias),
      ...linearParams(`${b}.self_attn.v_proj`, D, kv, k.attentionBias),
      ...linearParams(`${b}.self_attn.o_proj`, q, D, k.attentionBias),
      ...linearParams(`${b}.mlp.gate_proj`, D, k.intermediate, k.mlpBias),
      ...linearParams(`${b}.mlp.up_proj`, D, k.intermediate, k.mlpBias),
      ...linearParams(`${b}.mlp.down_proj`, k.intermediate, D, k.mlpBias),
      [`${b}.input_layernorm.weight`, [D], 'norm'],
      [`${b}.post_attention_layernorm.weight`, [D], 'norm'],
    );
  }
  list.push(['model.norm.weight', [D], 'norm']);
  if (!k.tied) list.push(['lm_head.weight', [k.vocab, D], 'weight']);
  return list;
}

function vitParams(k: Required<VitKnobs>): ParamList {
  const D = k.hidden;
  const patches = Math.floor(k.imageSize / k.patchSize) ** 2;
  const list: ParamList = [
    ['vit.embeddings.cls_token', [1, 1, D], 'weight'],
    ['vit.embeddings.position_embeddings', [1, patches + 1, D], 'weight'],
    ['vit.embeddings.patch_embeddings.projection.weight', [D, k.channels, k.patchSize, k.patchSize], 'weight'],
    ['vit.embeddings.patch_embeddings.projection.bias', [D], 'bias'],
  ];
  for (let i = 0; i < k.layers; i++) {
    const b = `vit.encoder.layer.${i}`;
    list.push(
      ...linearParams(`${b}.attention.attention.query`, D, D, k.qkvBias),
      ...linearParams(`${b}.attention.attention.key`, D, D, k.qkvBias),
      ...linearParams(`${b}.attention.attention.value`, D, D, k.qkvBias),
      ...linearParams(`${b}.attention.output.dense`, D, D, true),
      ...linearParams(`${b}.intermediate.dense`, D, k.intermediate, true),
      ...linearParams(`${b}.output.dense`, k.intermediate, D, true),
      ...layerNormParams(`${b}.layernorm_before`, D),
      ...layerNormParams(`${b}.layernorm_after`, D),
    );
  }
  list.push(...layerNormParams('vit.layernorm', D), ...linearParams('classifier', D, k.labels, true));
  return list;
}

// ---------------------------------------------------------------------------
// configs

const LM_DEFAULTS = { layers: 2, hidden: 32, heads: 4, vocab: 40, maxPositions: 16, tied: true };

/** The shortest repeating pattern of layer kinds, as GPT-Neo's `attention_types`. */
function attentionTypes(layers: string[]): Array<[string[], number]> {
  for (let period = 1; period <= layers.length; period++) {
    if (layers.length % period !== 0) continue;
    if (layers.every((kind, i) => kind === layers[i % period])) return [[layers.slice(0, period), layers.length / period]];
  }
  return [[layers, 1]];
}

function gpt2Config(k: Required<Gpt2Knobs>): Record<string, unknown> {
  return {
    activation_function: k.activation, architectures: ['GPT2LMHeadModel'], bos_token_id: 0, eos_token_id: 0,
    initializer_range: 0.02, layer_norm_epsilon: 1e-5, model_type: 'gpt2', n_embd: k.hidden, n_head: k.heads,
    n_inner: k.intermediate === 4 * k.hidden ? null : k.intermediate, n_layer: k.layers, n_positions: k.maxPositions,
    scale_attn_by_inverse_layer_idx: k.scaleAttnByInverseLayerIdx, scale_attn_weights: k.scaleAttnWeights,
    tie_word_embeddings: k.tied, vocab_size: k.vocab,
  };
}

function gptNeoConfig(k: Required<GptNeoKnobs>): Record<string, unknown> {
  return {
    activation_function: k.activation, architectures: ['GPTNeoForCausalLM'],
    ...(k.attentionConfig === 'both' ? { attention_layers: k.attentionLayers } : {}),
    attention_types: attentionTypes(k.attentionLayers), bos_token_id: 0, eos_token_id: 0, hidden_size: k.hidden,
    intermediate_size: k.intermediate === 4 * k.hidden ? null : k.intermediate, layer_norm_epsilon: 1e-5,
    max_position_embeddings: k.maxPositions, model_type: 'gpt_neo', num_heads: k.heads, num_layers: k.layers,
    tie_word_embeddings: k.tied, vocab_size: k.vocab, window_size: k.windowSize,
  };
}

function ropeScalingJson(s: RopeScalingKnobs | null, typeKey: 'type' | 'rope_type'): Record<string, unknown> | null {
  if (!s) return null;
  if (s.type === 'linear') return { [typeKey]: 'linear', factor: s.factor };
  return {
    [typeKey]: 'llama3', factor: s.factor, low_freq_factor: s.lowFreqFactor, high_freq_factor: s.highFreqFactor,
    original_max_position_embeddings: s.originalMaxPositions,
  };
}

function llamaConfig(k: Required<LlamaKnobs>, headDimSet: boolean): Record<string, unknown> {
  const rope =
    k.configStyle === 'v5'
      ? { rope_parameters: { rope_theta: k.ropeTheta, rope_type: 'default', ...ropeScalingJson(k.ropeScaling, 'rope_type') } }
      : { rope_theta: k.ropeTheta, rope_scaling: ropeScalingJson(k.ropeScaling, 'type') };
  return {
    architectures: ['LlamaForCausalLM'], attention_bias: k.attentionBias, bos_token_id: 1, eos_token_id: 2,
    ...(headDimSet || k.configStyle === 'v5' ? { head_dim: k.headDim } : {}), hidden_act: k.activation,
    hidden_size: k.hidden, intermediate_size: k.intermediate, max_position_embeddings: k.maxPositions,
    mlp_bias: k.mlpBias, model_type: 'llama', num_attention_heads: k.heads, num_hidden_layers: k.layers,
    num_key_value_heads: k.kvHeads, rms_norm_eps: 1e-6, ...rope, tie_word_embeddings: k.tied, vocab_size: k.vocab,
  };
}

function vitConfig(k: Required<VitKnobs>): Record<string, unknown> {
  const labels = Array.from({ length: k.labels }, (_, i) => `class_${i}`);
  return {
    architectures: ['ViTForImageClassification'], hidden_act: k.activation, hidden_size: k.hidden,
    id2label: Object.fromEntries(labels.map((l, i) => [String(i), l])), image_size: k.imageSize,
    intermediate_size: k.intermediate, label2id: Object.fromEntries(labels.map((l, i) => [l, i])),
    layer_norm_eps: 1e-12, model_type: 'vit', num_attention_heads: k.heads, num_channels: k.channels,
    num_hidden_layers: k.layers, patch_size: k.patchSize, qkv_bias: k.qkvBias,
  };
}

/** The knobs with every default filled in, the parameter list, the config and the base prefix. */
function build(knobs: CheckpointKnobs): { params: ParamList; config: Record<string, unknown>; basePrefix: string } {
  switch (knobs.family) {
    case 'gpt2': {
      const base = { ...LM_DEFAULTS, ...knobs };
      const k = { activation: 'gelu_new', intermediate: 4 * base.hidden, scaleAttnWeights: true, scaleAttnByInverseLayerIdx: false, ...base };
      return { params: gpt2Params(k), config: gpt2Config(k), basePrefix: 'transformer.' };
    }
    case 'gpt_neo': {
      const base = { ...LM_DEFAULTS, ...knobs };
      const kinds = Array.from({ length: base.layers }, (_, i) => (i % 2 === 0 ? 'global' : 'local') as 'global' | 'local');
      const k = { activation: 'gelu_new', intermediate: 4 * base.hidden, windowSize: 4, attentionLayers: kinds, attentionConfig: 'both' as const, ...base };
      if (k.attentionLayers.length !== k.layers) throw new Error(`randomCheckpoint: ${k.attentionLayers.length} attentionLayers for ${k.layers} layers`);
      return { params: gptNeoParams(k), config: gptNeoConfig(k), basePrefix: 'transformer.' };
    }
    case 'llama': {
      const base = { ...LM_DEFAULTS, ...knobs };
      const k = {
        activation: 'silu', intermediate: 2 * base.hidden, kvHeads: base.heads, headDim: base.hidden / base.heads,
        ropeTheta: 10000, ropeScaling: null, attentionBias: false, mlpBias: false, configStyle: 'v5' as const, ...base,
      };
      return { params: llamaParams(k), config: llamaConfig(k, knobs.headDim !== undefined), basePrefix: 'model.' };
    }
    case 'vit': {
      const base = { layers: 2, hidden: 32, heads: 4, ...knobs };
      const k = { activation: 'gelu', intermediate: 4 * base.hidden, imageSize: 8, patchSize: 4, channels: 3, labels: 3, qkvBias: true, ...base };
      return { params: vitParams(k), config: vitConfig(k), basePrefix: 'vit.' };
    }
  }
}

/** A random-init checkpoint of the given family and shape. */
export function randomCheckpoint(knobs: CheckpointKnobs, options: RandomCheckpointOptions = {}): RandomCheckpoint {
  const { params, config, basePrefix } = build(knobs);
  for (const [name, shape] of params) {
    if (!shape.every((d) => Number.isInteger(d) && d > 0)) {
      throw new Error(`randomCheckpoint: ${name} would have shape [${shape}]; check the knobs (e.g. hidden / heads)`);
    }
  }
  const std = options.std ?? 0.2;
  const normal = normalSampler(options.seed ?? 0);
  const tensors = params.map(([name, shape, kind]): NamedTensor => {
    const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < values.length; i++) values[i] = (kind === 'norm' ? 1 : 0) + std * normal();
    return { name, shape, values };
  });
  return {
    family: knobs.family,
    config,
    tensors,
    weights: new Map(tensors.map((t) => [t.name, t])),
    basePrefix,
    parameterCount: tensors.reduce((sum, t) => sum + t.values.length, 0),
  };
}
