/**
 * (IA)³ exactly as PEFT computes it (tuners/ia3/layer.py):
 *
 *   feedforward module:  y = base(x ⊙ l)     l = ia3_l (1, d_in)
 *   other targets:       y = base(x) ⊙ l     l = ia3_l (d_out, 1), the bias rescaled too
 *
 * l starts at ones, so a fresh adapter is the base model. Merging rescales
 * W's input columns (feedforward) or output rows and the bias (others);
 * GPT-2's Conv1D stores W as (d_in, d_out), so there the roles of its axes
 * swap.
 */
import * as tf from '@tensorflow/tfjs';
import type { SafetensorsFile } from '../../io/safetensors';
import type { LinearHook, Model } from '../../models/model';
import type { LinearModule } from '../../models/types';
import { BaseAdapter } from '../common/base-adapter';
import { configFileFor, readAdapterTensor } from '../common/files';
import { trainableVariable } from '../common/head';
import { PEFT_PREFIX } from '../common/keys';
import {
  loadLowRankTensors, lowRankAdapterParts, requireMatchedTargets, withFreshHead, type LowRankTensors,
} from '../common/low-rank-adapter';
import { resolveTargets } from '../common/targets';
import type { Ia3Config } from './method';
import { ia3ConfigJson, ia3SettingsFromConfig, isFeedforward } from './config';

/** PEFT's key: ia3_l is a bare parameter (no `.weight`). */
const keyL = (m: LinearModule) => `${PEFT_PREFIX}${m.path}.ia3_l`;

/** ia3_l's shape: (1, d_in) for a feedforward module, (d_out, 1) otherwise. */
const vectorShape = (m: LinearModule, feedforward: boolean): [number, number] => (feedforward ? [1, m.dIn] : [m.dOut, 1]);

function ia3Hook(m: LinearModule, l: tf.Variable, feedforward: boolean): LinearHook {
  return (x, base) =>
    tf.tidy(() => {
      if (feedforward) return base.apply(tf.mul(x, l) as tf.Tensor2D); // (N, d_in) ⊙ (1, d_in)
      return tf.mul(base.apply(x), tf.reshape(l, [1, m.dOut])) as tf.Tensor2D; // (N, d_out) ⊙ (1, d_out)
    });
}

export class Ia3Adapter extends BaseAdapter<Ia3Config> {
  private readonly feedforward: Set<string>;

  private constructor(model: Model, settings: Ia3Config, private readonly modules: LinearModule[], tensors: LowRankTensors) {
    const { own } = tensors;
    const feedforward = new Set(modules.filter((m) => isFeedforward(m, settings.feedforward)).map((m) => m.path));
    const hooks = new Map<string, LinearHook>();
    for (const m of modules) hooks.set(m.path, ia3Hook(m, own.get(keyL(m))!, feedforward.has(m.path)));
    super(lowRankAdapterParts(model, 'ia3', settings, tensors, hooks));
    this.feedforward = feedforward;
  }

  /** Fresh: every ia3_l is ones (PEFT's reset_ia3_parameters). */
  static create(model: Model, settings: Ia3Config, seed: number): Ia3Adapter {
    const modules = resolveTargets(model, settings.targets);
    const own = new Map<string, tf.Variable>();
    for (const m of modules) own.set(keyL(m), trainableVariable(() => tf.ones(vectorShape(m, isFeedforward(m, settings.feedforward)))));
    return new Ia3Adapter(model, settings, modules, withFreshHead(model, settings, seed, own));
  }

  static load(model: Model, config: Record<string, unknown>, weights: SafetensorsFile): Ia3Adapter {
    const configFile = configFileFor(weights.file);
    const recorded = ia3SettingsFromConfig(model, config, configFile);
    const modules = resolveTargets(model, recorded.targets);
    requireMatchedTargets(modules.length, model, configFile);
    const tensors = loadLowRankTensors(model, weights, (own) => {
      for (const m of modules) {
        const shape = vectorShape(m, isFeedforward(m, recorded.feedforward));
        own.set(keyL(m), trainableVariable(() => readAdapterTensor(weights, keyL(m), shape, `(IA)³ vector of ${m.path}`)));
      }
    });
    return new Ia3Adapter(model, { ...recorded, labels: tensors.head?.labels }, modules, tensors);
  }

  /** W ⊙ l along the axis l scales (and b ⊙ l for an output rescale), in the weight's storage layout. */
  protected mergedLinearWeights(): Map<string, tf.Tensor> {
    const merged = new Map<string, tf.Tensor>();
    for (const m of this.modules) {
      const l = this.trainable.get(keyL(m))!;
      const feedforward = this.feedforward.has(m.path);
      const weight = this.model.baseParam(m.weight);
      merged.set(m.weight, tf.tidy(() => {
        // linear (d_out, d_in): input scale (1, d_in) broadcasts over rows, output scale (d_out, 1) over columns;
        // conv1d (d_in, d_out): the same vectors transposed.
        return tf.mul(weight, m.layout === 'linear' ? l : tf.transpose(l));
      }));
      if (!feedforward && m.bias) {
        const bias = this.model.baseParam(m.bias);
        merged.set(m.bias, tf.tidy(() => tf.mul(bias, tf.reshape(l, [m.dOut]))));
      }
    }
    return merged;
  }

  protected adapterConfig(): Record<string, unknown> {
    return ia3ConfigJson(this.model, this.settings);
  }
}
