/**
 * WeGeFT (Savadikar et al., ICML 2025): ΔW = s · W · phiᵀ · psi, s = alpha / r,
 * with phi, psi of shape (r, d_in) shared by every layer of one module type
 * (or one pair per layer).
 *
 * The forward pass takes a low-rank path and never builds the (d_out, d_in)
 * delta (paths.ts): most modules feed the base layer x + s · (x · psiᵀ) · phi,
 * which costs what LoRA costs; while training, those whose input no
 * trainable tensor has touched add s · (x · psiᵀ) · (W · phiᵀ)ᵀ to its output.
 */
import * as tf from '@tensorflow/tfjs';
import type { SafetensorsFile } from '../../io/safetensors';
import type { LinearHook, Model } from '../../models/model';
import type { LinearModule } from '../../models/types';
import { deriveSeed } from '../../random';
import { BaseAdapter } from '../common/base-adapter';
import { configFileFor, readAdapterTensor } from '../common/files';
import { trainableVariable } from '../common/head';
import { kaimingUniform } from '../common/init';
import { scaling } from '../common/low-rank';
import {
  loadLowRankTensors, lowRankAdapterParts, requireMatchedTargets, withFreshHead, type LowRankTensors,
} from '../common/low-rank-adapter';
import type { WegeftConfig } from './method';
import { FirstAdaptedInput } from '../common/first-input';
import { wegeftHook } from './paths';
import { checkRecordedGroups, wegeftConfigJson, wegeftGroups, wegeftSettingsFromConfig, type WegeftGroup } from './config';

/** W · phiᵀ (d_out, r) for a weight in either storage layout. */
function weightTimesPhiT(weight: tf.Tensor2D, phi: tf.Tensor2D, layout: LinearModule['layout']): tf.Tensor2D {
  // linear: W (d_out, d_in) · phiᵀ; conv1d stores Wᵀ (d_in, d_out), so (Wᵀ)ᵀ · phiᵀ.
  return tf.matMul(weight, phi, layout === 'conv1d', true);
}

export class WegeftAdapter extends BaseAdapter<WegeftConfig> {
  private constructor(model: Model, settings: WegeftConfig, private readonly groups: WegeftGroup[], tensors: LowRankTensors) {
    const { own } = tensors;
    const hooks = new Map<string, LinearHook>();
    const first = new FirstAdaptedInput(model, groups.flatMap((g) => g.members.map((m) => m.path)));
    for (const g of groups) {
      const hook = wegeftHook(own.get(g.phiKey)!, own.get(g.psiKey)!, scaling(settings), first);
      for (const m of g.members) hooks.set(m.path, hook);
    }
    super(lowRankAdapterParts(model, 'wegeft', settings, tensors, hooks));
  }

  /** A fresh adapter: phi = 0 (so ΔW = 0), psi Kaiming-uniform (a = √5), as the authors initialise. */
  static create(model: Model, settings: WegeftConfig, seed: number): WegeftAdapter {
    const groups = wegeftGroups(model, settings);
    const r = settings.rank;
    const pairs = new Map<string, tf.Variable>();
    for (const g of groups) {
      pairs.set(g.phiKey, trainableVariable(() => tf.zeros([r, g.dIn])));
      const psi = kaimingUniform(r, g.dIn, deriveSeed(seed, `wegeft_psi:${g.name}`));
      pairs.set(g.psiKey, trainableVariable(() => tf.tensor2d(psi, [r, g.dIn])));
    }
    return new WegeftAdapter(model, settings, groups, withFreshHead(model, settings, seed, pairs));
  }

  /** An adapter from adapter_config.json (as an object) and adapter_model.safetensors. */
  static load(model: Model, config: Record<string, unknown>, weights: SafetensorsFile): WegeftAdapter {
    const configFile = configFileFor(weights.file);
    const recorded = wegeftSettingsFromConfig(config, configFile);
    const groups = wegeftGroups(model, recorded);
    requireMatchedTargets(groups.length, model, configFile);
    checkRecordedGroups(model, config.groups, groups, configFile);
    const tensors = loadLowRankTensors(model, weights, (pairs) => {
      for (const g of groups) {
        for (const key of [g.phiKey, g.psiKey]) {
          const what = `WeGeFT ${key.includes('wegeft_phi') ? 'phi' : 'psi'} of ${g.name}`;
          pairs.set(key, trainableVariable(() => readAdapterTensor(weights, key, [recorded.rank, g.dIn], what)));
        }
      }
    });
    const settings: WegeftConfig = { ...recorded, labels: tensors.head?.labels };
    return new WegeftAdapter(model, settings, groups, tensors);
  }

  protected mergedLinearWeights(): Map<string, tf.Tensor> {
    const s = scaling(this.settings);
    const merged = new Map<string, tf.Tensor>();
    for (const g of this.groups) {
      const phi = this.trainable.get(g.phiKey)! as tf.Tensor2D;
      const psi = this.trainable.get(g.psiKey)! as tf.Tensor2D;
      for (const m of g.members) {
        const weight = this.model.baseParam(m.weight) as tf.Tensor2D;
        merged.set(m.weight, tf.tidy(() => {
          const wPhi = weightTimesPhiT(weight, phi, m.layout); // (d_out, r)
          // ΔW = s · (W phiᵀ) · psi (d_out, d_in); conv1d stores its transpose psiᵀ · (W phiᵀ)ᵀ (d_in, d_out).
          const delta = m.layout === 'linear' ? tf.matMul(wPhi, psi) : tf.matMul(psi, wPhi, true, true);
          return tf.add(weight, tf.mul(delta, s));
        }));
      }
    }
    return merged;
  }

  /** ΔW = (s · W·φᵀ) · ψ: (d_out, r) · (r, d_in); W·φᵀ's columns are the paper's "clusters". */
  protected override lowRankDelta(m: LinearModule): { left: tf.Tensor2D; right: tf.Tensor2D } | null {
    const g = this.groups.find((group) => group.members.some((member) => member.path === m.path));
    if (!g) return null;
    const phi = this.trainable.get(g.phiKey)! as tf.Tensor2D;
    const psi = this.trainable.get(g.psiKey)! as tf.Tensor2D;
    const weight = this.model.baseParam(m.weight) as tf.Tensor2D;
    return tf.tidy(() => ({
      left: tf.mul(weightTimesPhiT(weight, phi, m.layout), scaling(this.settings)) as tf.Tensor2D,
      right: tf.clone(psi),
    }));
  }

  protected adapterConfig(): Record<string, unknown> {
    return wegeftConfigJson(this.model, this.settings, this.groups);
  }
}
