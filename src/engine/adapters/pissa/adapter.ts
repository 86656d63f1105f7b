/**
 * PiSSA as PEFT computes it: LoRA's forward, y = W_res·x + b + s·B·(A·x),
 * with A and B started from W's principal singular vectors and the frozen
 * residual W_res in place of W (init.ts).
 *
 * Saved as PEFT's save_pretrained writes it by default: the trained lora_A
 * and lora_B, and adapter_config.json with init_lora_weights "pissa". The
 * residual is not in the file: loading onto the original base model
 * recomputes it from W's SVD, as PEFT does when it builds the adapter
 * before loading the tensors. (PEFT can also convert to a plain LoRA on
 * save; the merged export gives the same model in one checkpoint.)
 */
import * as tf from '@tensorflow/tfjs';
import type { SafetensorsFile } from '../../io/safetensors';
import { linearForward, type LinearHook, type Model } from '../../models/model';
import type { LinearModule } from '../../models/types';
import { BaseAdapter } from '../common/base-adapter';
import { configFileFor, readAdapterTensor } from '../common/files';
import { trainableVariable } from '../common/head';
import { adapterTensorKey } from '../common/keys';
import { scaling } from '../common/low-rank';
import {
  loadLowRankTensors, lowRankAdapterParts, requireMatchedTargets, withFreshHead, type LowRankTensors,
} from '../common/low-rank-adapter';
import { resolveTargets } from '../common/targets';
import type { PissaConfig } from './method';
import { pissaConfigJson, pissaSettingsFromConfig } from './config';
import { pissaStart } from './init';

const keyA = (m: LinearModule) => adapterTensorKey(m.path, 'lora_A');
const keyB = (m: LinearModule) => adapterTensorKey(m.path, 'lora_B');

/** y = x·W_resᵀ + b + s·(x·Aᵀ)·Bᵀ; autodiff computes only the gradients of x, A and B. */
function pissaHook(residual: tf.Tensor2D, a: tf.Variable, b: tf.Variable, scale: number): LinearHook {
  return (x, base) =>
    tf.tidy(() => {
      const xA = tf.mul(tf.matMul(x, a as tf.Tensor2D, false, true), scale); // (N, r)
      const frozen = linearForward(x, residual, base.bias, base.module.layout); // (N, d_out)
      return tf.add(frozen, tf.matMul(xA, b as tf.Tensor2D, false, true)) as tf.Tensor2D;
    });
}

/** The PiSSA start (A, B and W_res) of every target module, from the base weights. */
function startsFor(model: Model, modules: LinearModule[], settings: PissaConfig) {
  const scale = scaling(settings);
  return modules.map((m) => {
    const weight = model.baseParam(m.weight).dataSync() as Float32Array;
    return { module: m, start: pissaStart(weight, m, settings.rank, scale, settings.pissaNiter) };
  });
}

export class PissaAdapter extends BaseAdapter<PissaConfig> {
  private constructor(
    model: Model,
    settings: PissaConfig,
    private readonly modules: LinearModule[],
    tensors: LowRankTensors,
    /** W_res by weight parameter name, frozen, owned by this adapter. */
    private readonly residuals: Map<string, tf.Tensor2D>,
  ) {
    const { own } = tensors;
    const hooks = new Map<string, LinearHook>();
    for (const m of modules) hooks.set(m.path, pissaHook(residuals.get(m.weight)!, own.get(keyA(m))!, own.get(keyB(m))!, scaling(settings)));
    super(lowRankAdapterParts(model, 'pissa', settings, tensors, hooks));
  }

  /** A fresh adapter: A, B from W's top-r SVD, W_res = W − s·B·A (deterministic: the seed only draws a new head). */
  static create(model: Model, settings: PissaConfig, seed: number): PissaAdapter {
    const modules = resolveTargets(model, settings.targets);
    const r = settings.rank;
    const own = new Map<string, tf.Variable>();
    const residuals = new Map<string, tf.Tensor2D>();
    for (const { module: m, start } of startsFor(model, modules, settings)) {
      own.set(keyA(m), trainableVariable(() => tf.tensor2d(start.a, [r, m.dIn])));
      own.set(keyB(m), trainableVariable(() => tf.tensor2d(start.b, [m.dOut, r])));
      residuals.set(m.weight, tf.tensor2d(start.residual, shapeOf(m)));
    }
    return new PissaAdapter(model, settings, modules, withFreshHead(model, settings, seed, own), residuals);
  }

  /** The trained A and B from the file; W_res rebuilt from this base model's SVD. */
  static load(model: Model, config: Record<string, unknown>, weights: SafetensorsFile): PissaAdapter {
    const configFile = configFileFor(weights.file);
    const recorded = pissaSettingsFromConfig(config, configFile);
    const modules = resolveTargets(model, recorded.targets);
    requireMatchedTargets(modules.length, model, configFile);
    const r = recorded.rank;
    const tensors = loadLowRankTensors(model, weights, (own) => {
      for (const m of modules) {
        own.set(keyA(m), trainableVariable(() => readAdapterTensor(weights, keyA(m), [r, m.dIn], `LoRA A of ${m.path}`)));
        own.set(keyB(m), trainableVariable(() => readAdapterTensor(weights, keyB(m), [m.dOut, r], `LoRA B of ${m.path}`)));
      }
    });
    const residuals = new Map<string, tf.Tensor2D>();
    for (const { module: m, start } of startsFor(model, modules, recorded)) residuals.set(m.weight, tf.tensor2d(start.residual, shapeOf(m)));
    return new PissaAdapter(model, { ...recorded, labels: tensors.head?.labels }, modules, tensors, residuals);
  }

  /** W_res + s·B·A in the weight's storage layout. */
  protected mergedLinearWeights(): Map<string, tf.Tensor> {
    const s = scaling(this.settings);
    const merged = new Map<string, tf.Tensor>();
    for (const m of this.modules) {
      const a = this.trainable.get(keyA(m))! as tf.Tensor2D;
      const b = this.trainable.get(keyB(m))! as tf.Tensor2D;
      merged.set(m.weight, tf.tidy(() => {
        const delta = m.layout === 'linear' ? tf.matMul(b, a) : tf.matMul(a, b, true, true); // (d_out, d_in) or conv1d's (d_in, d_out)
        return tf.add(this.residuals.get(m.weight)!, tf.mul(delta, s));
      }));
    }
    return merged;
  }

  protected adapterConfig(): Record<string, unknown> {
    return pissaConfigJson(this.model, this.settings);
  }

  override dispose(): void {
    super.dispose();
    for (const t of this.residuals.values()) t.dispose();
    this.residuals.clear();
  }
}

/** The stored weight's shape: (d_out, d_in), or conv1d's (d_in, d_out). */
function shapeOf(m: LinearModule): [number, number] {
  return m.layout === 'linear' ? [m.dOut, m.dIn] : [m.dIn, m.dOut];
}
