/**
 * LoRA exactly as PEFT computes it: y = base(x) + s · (x · Aᵀ) · Bᵀ,
 * s = alpha / r, A (r, d_in) Kaiming-uniform (a = √5), B (d_out, r) zero.
 * The same path serves GPT-2's Conv1D layers: fan_in_fan_out only changes
 * how the merged delta is laid out, never A and B.
 */
import * as tf from '@tensorflow/tfjs';
import type { SafetensorsFile } from '../../io/safetensors';
import type { BaseLinear, LinearHook, Model } from '../../models/model';
import type { LinearModule } from '../../models/types';
import { deriveSeed } from '../../random';
import { BaseAdapter } from '../common/base-adapter';
import { configFileFor, readAdapterTensor } from '../common/files';
import { FirstAdaptedInput } from '../common/first-input';
import { trainableVariable } from '../common/head';
import { kaimingUniform } from '../common/init';
import { adapterTensorKey } from '../common/keys';
import { scaling } from '../common/low-rank';
import {
  loadLowRankTensors, lowRankAdapterParts, requireMatchedTargets, withFreshHead, type LowRankTensors,
} from '../common/low-rank-adapter';
import { resolveTargets } from '../common/targets';
import type { LoraConfig } from './method';
import { loraConfigJson, loraSettingsFromConfig } from './config';

const keyA = (m: LinearModule) => adapterTensorKey(m.path, 'lora_A');
const keyB = (m: LinearModule) => adapterTensorKey(m.path, 'lora_B');

/** y = base(x) + s · (x · Aᵀ) · Bᵀ through autodiff. */
function plainLora(x: tf.Tensor2D, base: BaseLinear, a: tf.Variable, b: tf.Variable, scale: number): tf.Tensor2D {
  return tf.tidy(() => {
    const xA = tf.mul(tf.matMul(x, a as tf.Tensor2D, false, true), scale); // (N, r)
    return tf.add(base.apply(x), tf.matMul(xA, b as tf.Tensor2D, false, true)) as tf.Tensor2D; // (N, d_out)
  });
}

/**
 * The same as one op with its own gradient, for training:
 *
 *   g = dy · W (conv1d: dy · Wᵀ)   the input gradient of base       (N, d_in)
 *   dB = dyᵀ · su, du = s · dy · B   su = s · x · Aᵀ                 (N, r)
 *   dA = duᵀ · x,  dx = g + du · A
 *
 * It keeps x and su for the backward pass and frees its other temporaries
 * at once, where autodiff through the separate products keeps every
 * gradient until the step's backward pass ends (tfjs frees them together).
 */
function fusedLora(x: tf.Tensor2D, base: BaseLinear, a: tf.Variable, b: tf.Variable, scale: number): tf.Tensor2D {
  const op = tf.customGrad((input, aIn, bIn, save) => {
    const [xs, aT, bT] = [input, aIn, bIn] as tf.Tensor2D[];
    const su = tf.mul(tf.matMul(xs, aT, false, true), scale) as tf.Tensor2D; // (N, r)
    const value = tf.add(base.apply(xs), tf.matMul(su, bT, false, true)) as tf.Tensor2D; // (N, d_out)
    (save as tf.GradSaveFunc)([xs, su]); // last: saved tensors outlive the op's tidy, should anything throw
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.tidy(() => {
        const [savedX, savedSu] = saved as tf.Tensor2D[];
        const dyT = dy as tf.Tensor2D;
        const g = tf.matMul(dyT, base.weight, false, base.module.layout === 'conv1d'); // (N, d_in)
        const dB = tf.matMul(dyT, savedSu, true, false); // (d_out, r)
        const du = tf.mul(tf.matMul(dyT, bT), scale) as tf.Tensor2D; // (N, r)
        const dA = tf.matMul(du, savedX, true, false); // (r, d_in)
        const dx = tf.add(g, tf.matMul(du, aT)); // (N, d_in)
        return [dx, dA, dB];
      });
    return { value, gradFunc };
  });
  return op(x, a, b) as tf.Tensor2D;
}

function loraHook(a: tf.Variable, b: tf.Variable, scale: number, first: FirstAdaptedInput): LinearHook {
  return (x: tf.Tensor2D, base: BaseLinear) => {
    const untouched = first.isUntouched(base.module.path, x);
    // The fused op returns no gradient for W and b, nor computes dy · W cheaply for an untouched input.
    const trainedBase = base.weight instanceof tf.Variable || base.bias instanceof tf.Variable;
    if (tf.engine().isTapeOn() && !untouched && !trainedBase) return fusedLora(x, base, a, b, scale);
    return plainLora(x, base, a, b, scale);
  };
}

export class LoraAdapter extends BaseAdapter<LoraConfig> {
  private constructor(model: Model, settings: LoraConfig, private readonly modules: LinearModule[], tensors: LowRankTensors) {
    const { own } = tensors;
    const hooks = new Map<string, LinearHook>();
    const first = new FirstAdaptedInput(model, modules.map((m) => m.path));
    for (const m of modules) hooks.set(m.path, loraHook(own.get(keyA(m))!, own.get(keyB(m))!, scaling(settings), first));
    super(lowRankAdapterParts(model, 'lora', settings, tensors, hooks));
  }

  /** A fresh adapter: B = 0 so ΔW = 0, A Kaiming-uniform, as PEFT initialises. */
  static create(model: Model, settings: LoraConfig, seed: number): LoraAdapter {
    const modules = resolveTargets(model, settings.targets);
    const r = settings.rank;
    const pairs = new Map<string, tf.Variable>();
    for (const m of modules) {
      const a = kaimingUniform(r, m.dIn, deriveSeed(seed, `lora_A:${m.path}`));
      pairs.set(keyA(m), trainableVariable(() => tf.tensor2d(a, [r, m.dIn])));
      pairs.set(keyB(m), trainableVariable(() => tf.zeros([m.dOut, r])));
    }
    return new LoraAdapter(model, settings, modules, withFreshHead(model, settings, seed, pairs));
  }

  /** An adapter from PEFT's adapter_config.json (as an object) and adapter_model.safetensors. */
  static load(model: Model, config: Record<string, unknown>, weights: SafetensorsFile): LoraAdapter {
    const configFile = configFileFor(weights.file);
    const recorded = loraSettingsFromConfig(config, configFile);
    const modules = resolveTargets(model, recorded.targets);
    requireMatchedTargets(modules.length, model, configFile);
    const r = recorded.rank;
    const tensors = loadLowRankTensors(model, weights, (pairs) => {
      for (const m of modules) {
        pairs.set(keyA(m), trainableVariable(() => readAdapterTensor(weights, keyA(m), [r, m.dIn], `LoRA A of ${m.path}`)));
        pairs.set(keyB(m), trainableVariable(() => readAdapterTensor(weights, keyB(m), [m.dOut, r], `LoRA B of ${m.path}`)));
      }
    });
    const settings: LoraConfig = { ...recorded, labels: tensors.head?.labels };
    return new LoraAdapter(model, settings, modules, tensors);
  }

  protected mergedLinearWeights(): Map<string, tf.Tensor> {
    const s = scaling(this.settings);
    const merged = new Map<string, tf.Tensor>();
    for (const m of this.modules) {
      const a = this.trainable.get(keyA(m))! as tf.Tensor2D;
      const b = this.trainable.get(keyB(m))! as tf.Tensor2D;
      const weight = this.model.baseParam(m.weight);
      merged.set(m.weight, tf.tidy(() => {
        // ΔW = s · B · A (d_out, d_in); Conv1D (fan_in_fan_out) stores its transpose Aᵀ · Bᵀ (d_in, d_out).
        const delta = m.layout === 'linear' ? tf.matMul(b, a) : tf.matMul(a, b, true, true);
        return tf.add(weight, tf.mul(delta, s));
      }));
    }
    return merged;
  }

  /** ΔW = (s · B) · A: B (d_out, r), A (r, d_in) in both storage layouts. */
  protected override lowRankDelta(m: LinearModule): { left: tf.Tensor2D; right: tf.Tensor2D } | null {
    const a = this.trainable.get(keyA(m)) as tf.Tensor2D | undefined;
    const b = this.trainable.get(keyB(m)) as tf.Tensor2D | undefined;
    if (!a || !b) return null;
    return { left: tf.mul(b, scaling(this.settings)), right: tf.clone(a) };
  }

  protected adapterConfig(): Record<string, unknown> {
    return loraConfigJson(this.model, this.settings);
  }
}
