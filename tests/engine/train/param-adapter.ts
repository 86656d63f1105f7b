/**
 * A test double of an Adapter: trains whole base parameters (given by name)
 * through ModelPatch.params overrides, the way BitFit or head-only training
 * does. Enough for the trainer's tests without depending on a real method.
 */
import * as tf from '@tensorflow/tfjs';
import type { Adapter, AdapterFiles, AdapterSettings } from '../../../src/engine/adapters/types';
import type { Model, ModelPatch } from '../../../src/engine/models/model';

export class ParamAdapter implements Adapter {
  readonly method = 'bitfit' as const;
  readonly settings: AdapterSettings = { method: 'bitfit' };
  readonly trainable: Map<string, tf.Variable>;
  readonly merged = false;
  readonly headKeys: readonly string[] = [];

  constructor(model: Model, names: string[]) {
    this.trainable = new Map(names.map((name) => [name, tf.variable(model.baseParam(name).clone(), true)]));
  }

  trainableParameterCount(): number {
    let count = 0;
    for (const v of this.trainable.values()) count += v.size;
    return count;
  }

  patch(): ModelPatch {
    return { params: this.trainable };
  }

  /** The trained values, for comparing runs. */
  async values(): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    for (const [name, v] of this.trainable) out.set(name, (await v.data()) as Float32Array);
    return out;
  }

  merge(): void {
    throw new Error('not part of the test double');
  }

  unmerge(): void {
    throw new Error('not part of the test double');
  }

  deltaWeights(): never[] {
    return [];
  }
  mergedWeights(): Map<string, tf.Tensor> {
    throw new Error('not part of the test double');
  }

  async save(): Promise<AdapterFiles> {
    throw new Error('not part of the test double');
  }

  dispose(): void {
    for (const v of this.trainable.values()) v.dispose();
  }
}
