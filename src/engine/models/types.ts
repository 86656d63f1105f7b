/**
 * What every model family provides, and what its forward pass may use.
 *
 * A family is one file in this folder (gpt2.ts, gpt_neo.ts, llama.ts, vit.ts)
 * exporting a ModelFamily; registry.ts maps config.json `model_type` to it.
 * Parameters keep the checkpoint's own names (`transformer.h.0.attn.c_attn.weight`)
 * so loading is a near one-to-one copy and adapters address modules by the
 * same paths PEFT uses.
 */
import type * as tf from '@tensorflow/tfjs';
import type { KvCache } from './kv-cache';

export type Task = 'causal-lm' | 'image-classification';

/** The fields every normalised config has, whatever the family calls them. */
export interface ModelConfig {
  modelType: string;
  task: Task;
  numLayers: number;
  hiddenSize: number;
  numHeads: number;
  /** The config.json as read, for saving the model back unchanged. */
  raw: Record<string, unknown>;
}

export interface CausalLMConfig extends ModelConfig {
  task: 'causal-lm';
  vocabSize: number;
  /** Longest sequence the position embedding (or RoPE cache) supports. */
  maxPositions: number;
  tieWordEmbeddings: boolean;
  bosTokenId: number | null;
  eosTokenId: number | null;
}

export interface ImageClassifierConfig extends ModelConfig {
  task: 'image-classification';
  imageSize: number;
  patchSize: number;
  numChannels: number;
  numLabels: number;
  /** Label names by index (config.json `id2label`). */
  labels: string[];
}

export type AnyModelConfig = CausalLMConfig | ImageClassifierConfig;

/** A parameter the family expects in the checkpoint. */
export interface ParameterSpec {
  /** Canonical name, exactly as transformers' save_pretrained writes it. */
  name: string;
  shape: number[];
  /**
   * May be absent from the file: it is then initialised (a new classification
   * head for a backbone-only ViT checkpoint) and reported to the caller.
   */
  optional?: 'initialise';
}

/** A linear layer that adapters can target. */
export interface LinearModule {
  /** Module path as in the checkpoint, e.g. `transformer.h.0.attn.c_attn`. */
  path: string;
  /** Parameter names of its weight and (optional) bias. */
  weight: string;
  bias: string | null;
  dIn: number;
  dOut: number;
  /**
   * `linear`: weight stored (d_out, d_in) as torch.nn.Linear;
   * `conv1d`: stored (d_in, d_out) as GPT-2's Conv1D (PEFT's fan_in_fan_out).
   */
  layout: 'linear' | 'conv1d';
  /** Transformer block index, or null outside the blocks (a classifier head). */
  layer: number | null;
}

export interface CausalLMInputs {
  /** int32 (B, T) token ids. */
  inputIds: tf.Tensor2D;
  /**
   * The keys and values of the tokens before these (generation): the ids are
   * then the next T tokens, at positions cache.length …, and the cache is
   * extended with them. Without it, the ids start at position 0.
   */
  cache?: KvCache;
}

export interface ImageInputs {
  /** float32 (B, C, H, W), already preprocessed (resized, rescaled, normalised). */
  pixelValues: tf.Tensor4D;
}

export type ModelInputs = CausalLMInputs | ImageInputs;

/** What a forward pass may touch: parameters, and linear layers through the adapter hook. */
export interface ModelGraph<C extends ModelConfig = ModelConfig> {
  readonly config: C;
  /** A parameter by canonical name (frozen tensor or trainable variable). */
  param(name: string): tf.Tensor;
  /** Whether the model holds this parameter (e.g. an untied lm_head). */
  hasParam(name: string): boolean;
  /**
   * y = x W^T + b for the linear module at `path`, with whatever adapter is
   * attached applied. x: (N, d_in) → (N, d_out).
   */
  linear(path: string, x: tf.Tensor2D): tf.Tensor2D;
  /**
   * One transformer block, h (N, D) → (N, D): `fn(h)`, or, with activation
   * checkpointing on while gradients are recorded, the same with only h kept
   * for the backward pass (which runs `fn` again).
   */
  block(h: tf.Tensor2D, fn: (x: tf.Tensor2D) => tf.Tensor2D): tf.Tensor2D;
}

export interface ModelFamily<C extends AnyModelConfig = AnyModelConfig> {
  /** config.json `model_type`. */
  modelType: string;
  /** Shown in the UI. */
  displayName: string;
  task: C['task'];
  /** Reads config.json into a normalised config; InputFileError naming `file` on bad fields. */
  normaliseConfig(raw: Record<string, unknown>, file: string): C;
  /** Every parameter the model needs, with its shape. */
  parameters(config: C): ParameterSpec[];
  /** Every linear layer an adapter may target, in forward order. */
  linearModules(config: C): LinearModule[];
  /**
   * The prefix `save_pretrained` puts before base-model keys (`transformer.`,
   * `model.`, `vit.`). Checkpoints saved from the bare base model omit it;
   * the loader accepts both.
   */
  basePrefix: string;
  /** Checkpoint keys to skip silently: buffers such as GPT-2's `attn.bias` causal mask. */
  ignoredKeys: RegExp[];
  /** Logits: (B, T, vocab) for causal LMs, (B, labels) for classifiers. */
  forward(model: ModelGraph<C>, inputs: ModelInputs): tf.Tensor;
  /** Module-name suffixes adapters target by default (the WeGeFT paper's choices). */
  defaultTargets: string[];
  /** Module paths of the task head (trained by head-only; saved as modules_to_save). */
  headModules(config: C): string[];
}
