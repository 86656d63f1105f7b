/**
 * A loaded model: a family, its normalised config, and its frozen parameters.
 *
 * The base parameters are never changed in place. An adapter changes what the
 * forward pass computes by attaching a ModelPatch: hooks around linear layers
 * (WeGeFT, LoRA) and parameter overrides (full fine-tuning, BitFit, a new
 * classification head, merged weights). Several runs can thus share one base
 * model in one worker, each attaching its own patch for its own steps.
 */
import * as tf from '@tensorflow/tfjs';
import { ModelError } from '../errors';
import { CheckpointScope, checkpointedBlock } from './checkpoint';
import type {
  AnyModelConfig,
  LinearModule,
  ModelFamily,
  ModelGraph,
  ModelInputs,
} from './types';

/** The frozen layer an adapter wraps: its weight, bias and plain forward. */
export interface BaseLinear {
  module: LinearModule;
  /** As stored: (d_out, d_in) for `linear`, (d_in, d_out) for `conv1d`. */
  weight: tf.Tensor2D;
  bias: tf.Tensor1D | null;
  /** x (N, d_in) → x W^T + b (N, d_out). */
  apply(x: tf.Tensor2D): tf.Tensor2D;
}

/** An adapter's change to a linear layer: y = hook(x, base). */
export type LinearHook = (x: tf.Tensor2D, base: BaseLinear) => tf.Tensor2D;

export interface ModelPatch {
  /** Hooks by module path. */
  linear?: ReadonlyMap<string, LinearHook>;
  /** Parameters that replace the base ones, by canonical name. */
  params?: ReadonlyMap<string, tf.Tensor>;
}

/**
 * x W^T + b with the weight in either storage layout. x: (N, d_in) → (N, d_out).
 *
 * Outside training, one fused matMul + bias kernel. While gradients are being
 * recorded, a plain matMul and an add instead: tfjs's fused matMul computes
 * the gradient of every input in its backward pass, so a frozen weight would
 * still cost an (N × d_in × d_out) product per layer per step, and its
 * gradient's memory, for nothing; the plain ops compute only the gradients
 * that are needed (of x; of W and b when they are trained).
 */
export function linearForward(
  x: tf.Tensor2D,
  weight: tf.Tensor2D,
  bias: tf.Tensor1D | null,
  layout: LinearModule['layout'],
): tf.Tensor2D {
  const transposeB = layout === 'linear';
  if (tf.engine().isTapeOn()) {
    return tf.tidy(() => {
      const product = tf.matMul(x, weight, false, transposeB); // (N, d_out)
      return (bias ? tf.add(product, bias) : product) as tf.Tensor2D;
    });
  }
  return tf.fused.matMul({ a: x, b: weight, transposeB, bias: bias ?? undefined }) as tf.Tensor2D;
}

export class Model<C extends AnyModelConfig = AnyModelConfig> implements ModelGraph<C> {
  private patch: ModelPatch | null = null;
  /** Set while a run with activation checkpointing computes its gradients. */
  private checkpointScope: CheckpointScope | null = null;
  private readonly modulesByPath: Map<string, LinearModule>;

  constructor(
    readonly family: ModelFamily<C>,
    readonly config: C,
    private readonly params: Map<string, tf.Tensor>,
    /** Parameters absent from the checkpoint that were initialised (a new head). */
    readonly initialisedParameters: string[] = [],
    /** Checkpoint keys that were not used, for a warning. */
    readonly unusedKeys: string[] = [],
  ) {
    this.modulesByPath = new Map(family.linearModules(config).map((m) => [m.path, m]));
  }

  get task(): C['task'] {
    return this.config.task;
  }

  /** Every linear layer an adapter may target, in forward order. */
  linearModules(): LinearModule[] {
    return [...this.modulesByPath.values()];
  }

  linearModule(path: string): LinearModule {
    const module = this.modulesByPath.get(path);
    if (!module) throw new ModelError(`no linear module "${path}" in this ${this.family.displayName} model`);
    return module;
  }

  /** Canonical names of the base parameters, in checkpoint order. */
  parameterNames(): string[] {
    return [...this.params.keys()];
  }

  /** The frozen base parameter, ignoring any patch. */
  baseParam(name: string): tf.Tensor {
    const tensor = this.params.get(name);
    if (!tensor) throw new ModelError(`no parameter "${name}" in this ${this.family.displayName} model`);
    return tensor;
  }

  param(name: string): tf.Tensor {
    return this.patch?.params?.get(name) ?? this.baseParam(name);
  }

  hasParam(name: string): boolean {
    return (this.patch?.params?.has(name) ?? false) || this.params.has(name);
  }

  /** Total number of base parameters (elements). */
  parameterCount(): number {
    let count = 0;
    for (const t of this.params.values()) count += t.size;
    return count;
  }

  /** Installs an adapter's patch; the previous one, if any, is replaced. */
  attach(patch: ModelPatch | null): void {
    this.patch = patch;
  }

  get attachedPatch(): ModelPatch | null {
    return this.patch;
  }

  /** Runs `fn` with `patch` attached, then restores what was attached before. */
  withPatch<T>(patch: ModelPatch | null, fn: () => T): T {
    const previous = this.patch;
    this.patch = patch;
    try {
      return fn();
    } finally {
      this.patch = previous;
    }
  }

  /**
   * Runs `fn` (a whole gradient computation: forward and backward) with
   * activation checkpointing per block on or off, then restores the previous
   * choice and frees what the recomputed blocks kept.
   */
  withCheckpointing<T>(on: boolean, fn: () => T): T {
    const previous = this.checkpointScope;
    const scope = on ? new CheckpointScope() : null;
    this.checkpointScope = scope;
    try {
      return fn();
    } finally {
      this.checkpointScope = previous;
      scope?.end();
    }
  }

  block(h: tf.Tensor2D, fn: (x: tf.Tensor2D) => tf.Tensor2D): tf.Tensor2D {
    return this.checkpointScope ? checkpointedBlock(h, fn, this.checkpointScope) : fn(h);
  }

  baseLinear(path: string): BaseLinear {
    const module = this.linearModule(path);
    const weight = this.param(module.weight) as tf.Tensor2D;
    const bias = module.bias ? (this.param(module.bias) as tf.Tensor1D) : null;
    return { module, weight, bias, apply: (x) => linearForward(x, weight, bias, module.layout) };
  }

  linear(path: string, x: tf.Tensor2D): tf.Tensor2D {
    const base = this.baseLinear(path);
    const hook = this.patch?.linear?.get(path);
    return hook ? hook(x, base) : base.apply(x);
  }

  /** Logits: (B, T, vocab) for causal LMs, (B, labels) for classifiers. */
  forward(inputs: ModelInputs): tf.Tensor {
    return this.family.forward(this, inputs);
  }

  dispose(): void {
    for (const t of this.params.values()) t.dispose();
    this.params.clear();
    this.patch = null;
  }
}
