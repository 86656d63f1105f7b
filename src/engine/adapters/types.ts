/**
 * The one shape every fine-tuning method has (PEFT's "a method is a folder").
 *
 * A method (src/engine/adapters/<method>/) turns plain settings into an
 * Adapter for a loaded Model. The adapter owns its trainable variables and
 * changes what the model computes only through a ModelPatch, so the frozen
 * base model can be shared by several runs.
 */
import type * as tf from '@tensorflow/tfjs';
import type { SafetensorsFile } from '../io/safetensors';
import type { Model, ModelPatch } from '../models/model';
import type { LinearModule } from '../models/types';
import type { MethodSpec } from './common/method-spec';
import type { AdapterMethodName, FlatMethodOptions } from './methods';

export type { AdapterMethodName } from './methods';

/**
 * Which linear modules an adapter wraps: module-name suffixes (PEFT's
 * `target_modules` list: `c_attn` or `attn.c_attn` match
 * `transformer.h.0.attn.c_attn`), a regular expression matched against the
 * full module path, or every linear layer of the blocks. Head modules (a
 * classifier, lm_head) are never targets: they are trained whole when the
 * method trains the head.
 */
export type TargetSpec = { kind: 'suffixes'; suffixes: string[] } | { kind: 'regex'; pattern: string } | { kind: 'all-linear' };

/**
 * Plain, serialisable settings of one run's method as a user gives them
 * (forms, saved runs, URLs, command lines): the method, any of its options,
 * and a classifier's labels. One flat record, so a form keeps its values
 * when the user switches method: an option key means the same in every
 * method that declares it (a test checks that). Its fields derive from the
 * methods' declarations (<method>/method.ts), never written out here; a
 * method's code reads its own typed config instead (MethodConfig: every
 * option present), which resolveAdapterSettings makes from these.
 */
export type AdapterSettings = {
  method: AdapterMethodName;
  /**
   * Classifiers: the dataset's label names. When their count differs from the
   * checkpoint's, a new head of that size replaces the old one.
   */
  labels?: string[];
} & FlatMethodOptions;

/** The files of an adapter in PEFT's layout. */
export interface AdapterFiles {
  /** adapter_config.json, as an object. */
  config: Record<string, unknown>;
  /** adapter_model.safetensors bytes. */
  weights: Uint8Array;
}

/**
 * What a method changed in one linear module: ΔW in the logical
 * (d_out, d_in) layout of torch.nn.Linear, whatever the weight's storage
 * layout. A method whose update is a thin product gives its factors, so the
 * analysis views never build the (d_out, d_in) matrix; the others give it
 * dense. Exactly one of `lowRank` and `dense` is set; the tensors are new
 * and the caller disposes them.
 */
export interface DeltaWeight {
  module: LinearModule;
  /**
   * ΔW = left · right with left (d_out, k) and right (k, d_in), the scaling
   * folded into left. left's columns are the directions over the module's
   * outputs that the method writes its update along (WeGeFT: W·φᵀ; LoRA: B).
   */
  lowRank: { left: tf.Tensor2D; right: tf.Tensor2D } | null;
  /** ΔW (d_out, d_in) when it is not a thin product (a rescaled or residual-split weight, full fine-tuning). */
  dense: tf.Tensor2D | null;
}

export interface Adapter {
  readonly method: AdapterMethodName;
  readonly settings: AdapterSettings;
  /**
   * Trainable tensors keyed as they are saved and as the fixtures name their
   * gradients (`base_model.model.<module>.lora_A.weight`), in a stable order.
   */
  readonly trainable: ReadonlyMap<string, tf.Variable>;
  /**
   * The keys of `trainable` that belong to the task head (a classifier saved
   * whole, PEFT's `modules_to_save`); empty when the method trains no head.
   */
  readonly headKeys: readonly string[];
  /** Elements in `trainable`: the exact trainable-parameter count. */
  trainableParameterCount(): number;
  /** What to attach to the model for forward passes with this adapter. */
  patch(): ModelPatch;
  /** W ← W + ΔW into merged copies of the weights; outputs stay the same. */
  merge(): void;
  /** Back to the low-rank path. */
  unmerge(): void;
  readonly merged: boolean;
  /**
   * ΔW of every block linear module this adapter changes, in forward order
   * (head modules excluded: a new classifier has no base weight to compare).
   * Empty when the method changes no linear weight (it trains biases or the head only).
   */
  deltaWeights(): DeltaWeight[];
  /** The base model's weights with this adapter merged in, by canonical name (for export). */
  mergedWeights(): Map<string, tf.Tensor>;
  /** adapter_config.json + adapter_model.safetensors. */
  save(): Promise<AdapterFiles>;
  dispose(): void;
}

export interface AdapterMethod {
  readonly name: AdapterMethodName;
  readonly displayName: string;
  /** One sentence for the UI. */
  readonly description: string;
  /** What the method declares about itself (<method>/method.ts). */
  readonly spec: MethodSpec;
  /** Settings filled in with this method's defaults for this model. */
  withDefaults(model: Model, settings: Partial<AdapterSettings>): AdapterSettings;
  /** Problems with these settings for this model, in words; empty when valid. */
  validate(model: Model, settings: AdapterSettings): string[];
  /** The exact trainable-parameter count, before anything is allocated. */
  countTrainable(model: Model, settings: AdapterSettings): number;
  /** A fresh adapter (WeGeFT: phi = 0; LoRA: B = 0), deterministic for a seed. */
  create(model: Model, settings: AdapterSettings, seed: number): Adapter;
  /**
   * An adapter from its files. `file` names adapter_model.safetensors in errors;
   * loading onto the wrong base model is an InputFileError saying so.
   */
  load(model: Model, config: Record<string, unknown>, weights: SafetensorsFile, file: string): Adapter;
}
