/**
 * What every adapter shares: its trainable variables, the live patch it
 * attaches to the model, merge/unmerge, the merged weights for export,
 * saving and disposal. A method supplies its hooks or parameter overrides,
 * its merged linear weights and its adapter_config.json.
 *
 * The patch is live: an attached patch follows merge() and unmerge() without
 * being attached again. While merged, the forward pass uses snapshots of
 * W + ΔW and no hooks, so gradients no longer reach the low-rank tensors:
 * unmerge before training again.
 */
import * as tf from '@tensorflow/tfjs';
import type { LinearHook, Model, ModelPatch } from '../../models/model';
import type { LinearModule } from '../../models/types';
import type { Adapter, AdapterFiles, AdapterMethodName, AdapterSettings, DeltaWeight } from '../types';
import { writeAdapterWeights } from './files';

/** `C`: the method's typed config (MethodConfig), which is a valid AdapterSettings. */
export interface AdapterParts<C extends AdapterSettings = AdapterSettings> {
  model: Model;
  method: AdapterMethodName;
  settings: C;
  /** Trainable variables by saved key, in save order. */
  trainable: Map<string, tf.Variable>;
  /** Keys of `trainable` that belong to the task head (modules_to_save). */
  headKeys: string[];
  /** Canonical parameter name → the variable that replaces it in the forward pass. */
  paramOverrides: Map<string, tf.Variable>;
  /** Hooks around linear modules, by module path (the low-rank methods). */
  hooks: Map<string, LinearHook>;
  /** Label names of a classifier (saved in the weights' metadata), else null. */
  labels: string[] | null;
}

export abstract class BaseAdapter<C extends AdapterSettings = AdapterSettings> implements Adapter {
  readonly method: AdapterMethodName;
  readonly settings: C;
  readonly trainable: ReadonlyMap<string, tf.Variable>;
  readonly headKeys: readonly string[];
  protected readonly model: Model;
  protected readonly labels: string[] | null;
  private readonly paramOverrides: Map<string, tf.Variable>;
  private readonly hooks: Map<string, LinearHook>;
  /** W + ΔW per adapted weight while merged (owned), else null. */
  private mergedLinear: Map<string, tf.Tensor> | null = null;
  /** paramOverrides and mergedLinear together, while merged. */
  private mergedParams: Map<string, tf.Tensor> | null = null;
  private readonly livePatch: ModelPatch;

  constructor(parts: AdapterParts<C>) {
    this.model = parts.model;
    this.method = parts.method;
    this.settings = parts.settings;
    this.trainable = parts.trainable;
    this.headKeys = parts.headKeys;
    this.paramOverrides = parts.paramOverrides;
    this.hooks = parts.hooks;
    this.labels = parts.labels;
    const adapter = this;
    this.livePatch = {
      get linear() {
        return adapter.mergedLinear ? undefined : adapter.hooks;
      },
      get params() {
        return adapter.mergedParams ?? adapter.paramOverrides;
      },
    };
  }

  /** W + ΔW for every weight the method adapts through hooks, by parameter name: new tensors the caller owns. */
  protected abstract mergedLinearWeights(): Map<string, tf.Tensor>;

  /** adapter_config.json for save(). */
  protected abstract adapterConfig(): Record<string, unknown>;

  /**
   * ΔW = left · right (left (d_out, k), right (k, d_in), scaling in left) of
   * one module, for methods whose update is a thin product; null (the
   * default) makes deltaWeights() take the dense difference of the merged
   * and the base weight.
   */
  protected lowRankDelta(_module: LinearModule): { left: tf.Tensor2D; right: tf.Tensor2D } | null {
    return null;
  }

  deltaWeights(): DeltaWeight[] {
    const merged = this.mergedLinear ?? this.mergedLinearWeights();
    try {
      const deltas: DeltaWeight[] = [];
      for (const module of this.model.linearModules()) {
        if (module.layer === null) continue;
        const changed = merged.get(module.weight) ?? this.paramOverrides.get(module.weight);
        if (!changed) continue;
        const lowRank = this.lowRankDelta(module);
        if (lowRank) {
          deltas.push({ module, lowRank, dense: null });
          continue;
        }
        const dense = tf.tidy(() => {
          const difference = tf.sub(changed, this.model.baseParam(module.weight)) as tf.Tensor2D;
          // conv1d stores (d_in, d_out): the logical ΔW is its transpose.
          return module.layout === 'conv1d' ? tf.transpose(difference) : difference;
        });
        deltas.push({ module, lowRank: null, dense });
      }
      return deltas;
    } finally {
      if (merged !== this.mergedLinear) for (const t of merged.values()) t.dispose();
    }
  }

  trainableParameterCount(): number {
    let count = 0;
    for (const v of this.trainable.values()) count += v.size;
    return count;
  }

  patch(): ModelPatch {
    return this.livePatch;
  }

  get merged(): boolean {
    return this.mergedLinear !== null;
  }

  merge(): void {
    if (this.mergedLinear) return;
    const linear = this.mergedLinearWeights();
    this.mergedLinear = linear;
    this.mergedParams = new Map<string, tf.Tensor>([...this.paramOverrides, ...linear]);
  }

  unmerge(): void {
    if (!this.mergedLinear) return;
    for (const t of this.mergedLinear.values()) t.dispose();
    this.mergedLinear = null;
    this.mergedParams = null;
  }

  /**
   * Every parameter of the adapted model by canonical name, ΔW merged in: the
   * base model's names plus any the adapter adds (an untied lm_head). Each
   * tensor is a new handle the caller must dispose.
   */
  mergedWeights(): Map<string, tf.Tensor> {
    const linear = this.mergedLinear ?? this.mergedLinearWeights();
    const out = new Map<string, tf.Tensor>();
    for (const name of this.model.parameterNames()) {
      out.set(name, tf.clone(this.paramOverrides.get(name) ?? linear.get(name) ?? this.model.baseParam(name)));
    }
    for (const [name, variable] of this.paramOverrides) if (!out.has(name)) out.set(name, tf.clone(variable));
    if (linear !== this.mergedLinear) for (const t of linear.values()) t.dispose();
    return out;
  }

  async save(): Promise<AdapterFiles> {
    return { config: this.adapterConfig(), weights: await writeAdapterWeights(this.trainable, this.labels) };
  }

  /** Frees the adapter's tensors, and detaches its patch if it is still attached to the model. */
  dispose(): void {
    if (this.model.attachedPatch === this.livePatch) this.model.attach(null);
    this.unmerge();
    for (const v of this.trainable.values()) v.dispose();
    (this.trainable as Map<string, tf.Variable>).clear();
    this.paramOverrides.clear();
    this.hooks.clear();
  }
}
