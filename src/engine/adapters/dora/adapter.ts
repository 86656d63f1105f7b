/**
 * DoRA exactly as PEFT computes it (tuners/lora/dora.py, DoraLinearLayer):
 *
 *   n = ‖W + s·B·A‖ per output row (W as (d_out, d_in)), detached from the gradient
 *   y = (m / n) ⊙ (x·Wᵀ + s·(x·Aᵀ)·Bᵀ) + b
 *
 * m (d_out) is initialised to ‖W‖ per row, so a fresh adapter (B = 0) is
 * the base layer. GPT-2's Conv1D stores W transposed (d_in, d_out), so its
 * norm runs over the stored weight's first axis (PEFT's fan_in_fan_out).
 * The bias is never scaled: PEFT subtracts it before the rescale and adds
 * it back after.
 */
import * as tf from '@tensorflow/tfjs';
import type { SafetensorsFile } from '../../io/safetensors';
import { linearForward, type BaseLinear, type LinearHook, type Model } from '../../models/model';
import type { LinearModule } from '../../models/types';
import { deriveSeed } from '../../random';
import { BaseAdapter } from '../common/base-adapter';
import { configFileFor, readAdapterTensor } from '../common/files';
import { trainableVariable } from '../common/head';
import { kaimingUniform } from '../common/init';
import { adapterTensorKey, PEFT_PREFIX } from '../common/keys';
import { scaling } from '../common/low-rank';
import {
  loadLowRankTensors, lowRankAdapterParts, requireMatchedTargets, withFreshHead, type LowRankTensors,
} from '../common/low-rank-adapter';
import { resolveTargets } from '../common/targets';
import type { DoraConfig } from './method';
import { doraConfigJson, doraSettingsFromConfig } from './config';

const keyA = (m: LinearModule) => adapterTensorKey(m.path, 'lora_A');
const keyB = (m: LinearModule) => adapterTensorKey(m.path, 'lora_B');
/** PEFT saves the magnitude without a `.weight` suffix (its save code strips it, for files made before a refactor). */
export const magnitudeKey = (m: LinearModule) => `${PEFT_PREFIX}${m.path}.lora_magnitude_vector`;

/** The stored weight as (d_out, d_in), whatever its layout. */
function asLinear(weight: tf.Tensor2D, layout: LinearModule['layout']): tf.Tensor2D {
  return layout === 'linear' ? weight : tf.transpose(weight);
}

/** ‖W + s·B·A‖ per output row, (d_out): PEFT's get_weight_norm. */
export function doraWeightNorm(base: BaseLinear, a: tf.Tensor2D, b: tf.Tensor2D, scale: number): tf.Tensor1D {
  return tf.tidy(() => {
    const combined = tf.add(asLinear(base.weight, base.module.layout), tf.mul(tf.matMul(b, a), scale)); // (d_out, d_in)
    return tf.norm(combined, 'euclidean', 1) as tf.Tensor1D;
  });
}

/** Outside training: the definition, with plain ops. */
function plainDora(x: tf.Tensor2D, base: BaseLinear, a: tf.Variable, b: tf.Variable, m: tf.Variable, scale: number): tf.Tensor2D {
  return tf.tidy(() => {
    const rescale = tf.div(m, doraWeightNorm(base, a as tf.Tensor2D, b as tf.Tensor2D, scale)); // (d_out)
    const low = tf.matMul(tf.matMul(x, a as tf.Tensor2D, false, true), b as tf.Tensor2D, false, true); // (N, d_out)
    const pre = tf.add(linearForward(x, base.weight, null, base.module.layout), tf.mul(low, scale)); // (N, d_out)
    const y = tf.mul(pre, rescale);
    return (base.bias ? tf.add(y, base.bias) : y) as tf.Tensor2D;
  });
}

/**
 * The same as one op with its own gradient, for training. With c = m / n
 * (n constant: PEFT detaches it), pre = x·Wᵀ + s·u·Bᵀ, u = x·Aᵀ, and
 * dyc = dy ⊙ c:
 *
 *   dm = Σ_N (dy ⊙ pre) / n     dB = s · dycᵀ · u     dA = s · (dyc · B)ᵀ · x
 *   dx = dyc · W (conv1d: dyc · Wᵀ) + s · (dyc · B) · A
 *
 * Autodiff could not leave n out of the backward pass: tfjs has no
 * stop_gradient, and a zero-gradient wrapper would still run the backward
 * of the (d_out, d_in) product behind n every step.
 */
function fusedDora(x: tf.Tensor2D, base: BaseLinear, a: tf.Variable, b: tf.Variable, m: tf.Variable, scale: number): tf.Tensor2D {
  const op = tf.customGrad((input, aIn, bIn, mIn, save) => {
    const [xs, aT, bT] = [input, aIn, bIn] as tf.Tensor2D[];
    const norm = doraWeightNorm(base, aT, bT, scale); // (d_out)
    const rescale = tf.div(mIn as tf.Tensor1D, norm) as tf.Tensor1D; // (d_out)
    const u = tf.matMul(xs, aT, false, true) as tf.Tensor2D; // (N, r)
    const pre = tf.add(linearForward(xs, base.weight, null, base.module.layout), tf.mul(tf.matMul(u, bT, false, true), scale)) as tf.Tensor2D; // (N, d_out)
    const scaled = tf.mul(pre, rescale);
    const value = (base.bias ? tf.add(scaled, base.bias) : scaled) as tf.Tensor2D;
    (save as tf.GradSaveFunc)([xs, u, pre, norm, rescale]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.tidy(() => {
        const [savedX, savedU, savedPre, savedNorm, savedRescale] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
        const dyT = dy as tf.Tensor2D;
        const dm = tf.div(tf.sum(tf.mul(dyT, savedPre), 0), savedNorm); // (d_out)
        const dyc = tf.mul(dyT, savedRescale) as tf.Tensor2D; // (N, d_out)
        const dycB = tf.mul(tf.matMul(dyc, bT), scale) as tf.Tensor2D; // (N, r)
        const dB = tf.mul(tf.matMul(dyc, savedU, true, false), scale); // (d_out, r)
        const dA = tf.matMul(dycB, savedX, true, false); // (r, d_in)
        const dx = tf.add(tf.matMul(dyc, base.weight, false, base.module.layout === 'conv1d'), tf.matMul(dycB, aT)); // (N, d_in)
        return [dx, dA, dB, dm];
      });
    return { value, gradFunc };
  });
  return op(x, a, b, m) as tf.Tensor2D;
}

function doraHook(a: tf.Variable, b: tf.Variable, m: tf.Variable, scale: number): LinearHook {
  return (x, base) => (tf.engine().isTapeOn() ? fusedDora(x, base, a, b, m, scale) : plainDora(x, base, a, b, m, scale));
}

export class DoraAdapter extends BaseAdapter<DoraConfig> {
  private constructor(model: Model, settings: DoraConfig, private readonly modules: LinearModule[], tensors: LowRankTensors) {
    const { own } = tensors;
    const hooks = new Map<string, LinearHook>();
    for (const m of modules) {
      hooks.set(m.path, doraHook(own.get(keyA(m))!, own.get(keyB(m))!, own.get(magnitudeKey(m))!, scaling(settings)));
    }
    super(lowRankAdapterParts(model, 'dora', settings, tensors, hooks));
  }

  /** A fresh adapter: LoRA's A and B = 0, and m = ‖W‖ per row, so the layer is the base layer (PEFT's init). */
  static create(model: Model, settings: DoraConfig, seed: number): DoraAdapter {
    const modules = resolveTargets(model, settings.targets);
    const r = settings.rank;
    const own = new Map<string, tf.Variable>();
    for (const m of modules) {
      const a = kaimingUniform(r, m.dIn, deriveSeed(seed, `lora_A:${m.path}`));
      own.set(keyA(m), trainableVariable(() => tf.tensor2d(a, [r, m.dIn])));
      own.set(keyB(m), trainableVariable(() => tf.zeros([m.dOut, r])));
      const weight = model.baseParam(m.weight) as tf.Tensor2D;
      own.set(magnitudeKey(m), trainableVariable(() => tf.norm(asLinear(weight, m.layout), 'euclidean', 1)));
    }
    return new DoraAdapter(model, settings, modules, withFreshHead(model, settings, seed, own));
  }

  static load(model: Model, config: Record<string, unknown>, weights: SafetensorsFile): DoraAdapter {
    const configFile = configFileFor(weights.file);
    const recorded = doraSettingsFromConfig(config, configFile);
    const modules = resolveTargets(model, recorded.targets);
    requireMatchedTargets(modules.length, model, configFile);
    const r = recorded.rank;
    const tensors = loadLowRankTensors(model, weights, (own) => {
      for (const m of modules) {
        own.set(keyA(m), trainableVariable(() => readAdapterTensor(weights, keyA(m), [r, m.dIn], `LoRA A of ${m.path}`)));
        own.set(keyB(m), trainableVariable(() => readAdapterTensor(weights, keyB(m), [m.dOut, r], `LoRA B of ${m.path}`)));
        own.set(magnitudeKey(m), trainableVariable(() => readAdapterTensor(weights, magnitudeKey(m), [m.dOut], `DoRA magnitude of ${m.path}`)));
      }
    });
    return new DoraAdapter(model, { ...recorded, labels: tensors.head?.labels }, modules, tensors);
  }

  /** W' = (m / ‖W + s·B·A‖) ⊙ (W + s·B·A) per output row, in the weight's storage layout (PEFT's merge). */
  protected mergedLinearWeights(): Map<string, tf.Tensor> {
    const s = scaling(this.settings);
    const merged = new Map<string, tf.Tensor>();
    for (const m of this.modules) {
      const a = this.trainable.get(keyA(m))! as tf.Tensor2D;
      const b = this.trainable.get(keyB(m))! as tf.Tensor2D;
      const magnitude = this.trainable.get(magnitudeKey(m))!;
      merged.set(m.weight, tf.tidy(() => {
        const combined = tf.add(asLinear(this.model.baseParam(m.weight) as tf.Tensor2D, m.layout), tf.mul(tf.matMul(b, a), s)); // (d_out, d_in)
        const rescale = tf.div(magnitude, tf.norm(combined, 'euclidean', 1)).reshape([m.dOut, 1]); // (d_out, 1)
        const weight = tf.mul(combined, rescale) as tf.Tensor2D;
        return m.layout === 'linear' ? weight : tf.transpose(weight); // conv1d: back to (d_in, d_out)
      }));
    }
    return merged;
  }

  protected adapterConfig(): Record<string, unknown> {
    return doraConfigJson(this.model, this.settings);
  }
}
