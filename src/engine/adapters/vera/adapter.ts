/**
 * VeRA exactly as PEFT computes it (tuners/vera):
 *
 *   y = base(x) + λ_b ⊙ ((λ_d ⊙ (x·A_slᵀ))·B_slᵀ)
 *
 * A (r, max d_in) and B (max d_out, r) are frozen, random and shared by
 * every targeted layer; a layer uses their leading slices A_sl = A[:, :d_in]
 * and B_sl = B[:d_out, :] (PEFT sizes them for the largest layer). Each
 * layer trains λ_d (r), started at d_initial, and λ_b (d_out), started at
 * zero, so a fresh adapter is the base model. ΔW = (λ_b ⊙ B_sl)·(λ_d ⊙ A_sl),
 * transposed for GPT-2's Conv1D.
 */
import * as tf from '@tensorflow/tfjs';
import { InputFileError } from '../../errors';
import type { SafetensorsFile } from '../../io/safetensors';
import type { LinearHook, Model } from '../../models/model';
import type { LinearModule } from '../../models/types';
import { createRng, deriveSeed } from '../../random';
import { BaseAdapter } from '../common/base-adapter';
import { configFileFor, readAdapterTensor, writeAdapterWeights } from '../common/files';
import { trainableVariable } from '../common/head';
import { PEFT_PREFIX } from '../common/keys';
import {
  loadLowRankTensors, lowRankAdapterParts, requireMatchedTargets, withFreshHead, type LowRankTensors,
} from '../common/low-rank-adapter';
import { resolveTargets } from '../common/targets';
import type { AdapterFiles } from '../types';
import type { VeraConfig } from './method';
import { veraConfigJson, veraSettingsFromConfig } from './config';

/** PEFT's keys: λ vectors are bare parameters (no `.weight`); the projections live on the model, not a layer. */
const keyD = (m: LinearModule) => `${PEFT_PREFIX}${m.path}.vera_lambda_d`;
const keyB = (m: LinearModule) => `${PEFT_PREFIX}${m.path}.vera_lambda_b`;
export const PROJECTION_A_KEY = 'base_model.vera_A';
export const PROJECTION_B_KEY = 'base_model.vera_B';

/** The shared projections' shapes: A (r, max d_in), B (max d_out, r), as PEFT's _find_dim sizes them. */
function projectionShapes(modules: LinearModule[], r: number): { a: [number, number]; b: [number, number] } {
  const maxIn = Math.max(...modules.map((m) => m.dIn));
  const maxOut = Math.max(...modules.map((m) => m.dOut));
  return { a: [r, maxIn], b: [maxOut, r] };
}

/**
 * PEFT's _kaiming_init: U(−√(6 / fan_in), √(6 / fan_in)) (gain √2, not
 * LoRA's a = √5), fan_in = the tensor's second dimension; A then B from one
 * generator seeded with projection_prng_key (ours, not torch's).
 */
function randomProjections(shapes: { a: [number, number]; b: [number, number] }, seed: number): { a: Float32Array; b: Float32Array } {
  const random = createRng(deriveSeed(seed, 'vera_projections'));
  const draw = ([rows, fanIn]: [number, number]) => {
    const bound = Math.sqrt(6 / fanIn);
    return Float32Array.from({ length: rows * fanIn }, () => (2 * random() - 1) * bound);
  };
  return { a: draw(shapes.a), b: draw(shapes.b) };
}

/** The frozen projections, and their slices cached by layer size (slices of one size are shared by layers). */
class Projections {
  private readonly slicesA = new Map<number, tf.Tensor2D>();
  private readonly slicesB = new Map<number, tf.Tensor2D>();
  constructor(readonly a: tf.Tensor2D, readonly b: tf.Tensor2D) {}

  /** A[:, :dIn] (r, dIn) */
  sliceA(dIn: number): tf.Tensor2D {
    return cached(this.slicesA, dIn, () => tf.slice(this.a, [0, 0], [this.a.shape[0], dIn]));
  }

  /** B[:dOut, :] (dOut, r) */
  sliceB(dOut: number): tf.Tensor2D {
    return cached(this.slicesB, dOut, () => tf.slice(this.b, [0, 0], [dOut, this.b.shape[1]]));
  }

  dispose(): void {
    for (const t of [this.a, this.b, ...this.slicesA.values(), ...this.slicesB.values()]) t.dispose();
    this.slicesA.clear();
    this.slicesB.clear();
  }
}

function cached(cache: Map<number, tf.Tensor2D>, size: number, make: () => tf.Tensor2D): tf.Tensor2D {
  let t = cache.get(size);
  if (!t) {
    t = tf.tidy(make);
    tf.keep(t);
    cache.set(size, t);
  }
  return t;
}

function veraHook(m: LinearModule, projections: Projections, lambdaD: tf.Variable, lambdaB: tf.Variable): LinearHook {
  return (x, base) => {
    // Slices are made (once) outside the tidy below, which would otherwise free them.
    const a = projections.sliceA(m.dIn);
    const b = projections.sliceB(m.dOut);
    return tf.tidy(() => {
      const hidden = tf.mul(tf.matMul(x, a, false, true), lambdaD); // (N, r)
      return tf.add(base.apply(x), tf.mul(tf.matMul(hidden, b, false, true), lambdaB)) as tf.Tensor2D; // (N, d_out)
    });
  };
}

export class VeraAdapter extends BaseAdapter<VeraConfig> {
  private constructor(
    model: Model,
    settings: VeraConfig,
    private readonly modules: LinearModule[],
    tensors: LowRankTensors,
    private readonly projections: Projections,
  ) {
    const { own } = tensors;
    const hooks = new Map<string, LinearHook>();
    for (const m of modules) hooks.set(m.path, veraHook(m, projections, own.get(keyD(m))!, own.get(keyB(m))!));
    super(lowRankAdapterParts(model, 'vera', settings, tensors, hooks));
  }

  /** Fresh: projections from the settings' seed, λ_d = d_initial, λ_b = 0 (PEFT's reset_vera_parameters). */
  static create(model: Model, settings: VeraConfig, seed: number): VeraAdapter {
    const modules = resolveTargets(model, settings.targets);
    const r = settings.rank;
    const shapes = projectionShapes(modules, r);
    const values = randomProjections(shapes, settings.projectionSeed);
    const projections = new Projections(tf.tensor2d(values.a, shapes.a), tf.tensor2d(values.b, shapes.b));
    const own = new Map<string, tf.Variable>();
    for (const m of modules) {
      own.set(keyD(m), trainableVariable(() => tf.fill([r], settings.dInitial)));
      own.set(keyB(m), trainableVariable(() => tf.zeros([m.dOut])));
    }
    return new VeraAdapter(model, settings, modules, withFreshHead(model, settings, seed, own), projections);
  }

  /** λ vectors and the projections from the file (save_projection: true). */
  static load(model: Model, config: Record<string, unknown>, weights: SafetensorsFile): VeraAdapter {
    const configFile = configFileFor(weights.file);
    const recorded = veraSettingsFromConfig(config, configFile);
    const modules = resolveTargets(model, recorded.targets);
    requireMatchedTargets(modules.length, model, configFile);
    const r = recorded.rank;
    const shapes = projectionShapes(modules, r);
    const tensors = loadLowRankTensors(
      model,
      weights,
      (own) => {
        for (const m of modules) {
          own.set(keyD(m), trainableVariable(() => readAdapterTensor(weights, keyD(m), [r], `VeRA lambda_d of ${m.path}`)));
          own.set(keyB(m), trainableVariable(() => readAdapterTensor(weights, keyB(m), [m.dOut], `VeRA lambda_b of ${m.path}`)));
        }
      },
      [PROJECTION_A_KEY, PROJECTION_B_KEY],
    );
    let projections: Projections;
    try {
      if (!weights.entries.has(PROJECTION_A_KEY) || !weights.entries.has(PROJECTION_B_KEY)) {
        throw new InputFileError(weights.file, 'lacks the shared projections base_model.vera_A / base_model.vera_B that its config says it saved');
      }
      const a = readAdapterTensor(weights, PROJECTION_A_KEY, shapes.a, 'VeRA projection A') as tf.Tensor2D;
      projections = new Projections(a, tf.tidy(() => readAdapterTensor(weights, PROJECTION_B_KEY, shapes.b, 'VeRA projection B') as tf.Tensor2D));
    } catch (error) {
      for (const v of [...tensors.own.values(), ...tensors.headVariables.values()]) v.dispose();
      throw error;
    }
    return new VeraAdapter(model, { ...recorded, labels: tensors.head?.labels }, modules, tensors, projections);
  }

  protected mergedLinearWeights(): Map<string, tf.Tensor> {
    const merged = new Map<string, tf.Tensor>();
    for (const m of this.modules) {
      const lambdaD = this.trainable.get(keyD(m))!;
      const lambdaB = this.trainable.get(keyB(m))!;
      const a = this.projections.sliceA(m.dIn);
      const b = this.projections.sliceB(m.dOut);
      merged.set(m.weight, tf.tidy(() => {
        const left = tf.mul(b, lambdaB.reshape([m.dOut, 1])); // λ_b ⊙ B_sl (d_out, r)
        const right = tf.mul(a, lambdaD.reshape([a.shape[0], 1])); // λ_d ⊙ A_sl (r, d_in)
        const delta = m.layout === 'linear' ? tf.matMul(left, right) : tf.matMul(right, left, true, true); // (d_out, d_in) or (d_in, d_out)
        return tf.add(this.model.baseParam(m.weight), delta);
      }));
    }
    return merged;
  }

  /** ΔW = (λ_b ⊙ B_sl) · (λ_d ⊙ A_sl): (d_out, r) · (r, d_in) in both storage layouts. */
  protected override lowRankDelta(m: LinearModule): { left: tf.Tensor2D; right: tf.Tensor2D } | null {
    const lambdaD = this.trainable.get(keyD(m));
    const lambdaB = this.trainable.get(keyB(m));
    if (!lambdaD || !lambdaB) return null;
    const a = this.projections.sliceA(m.dIn);
    const b = this.projections.sliceB(m.dOut);
    return tf.tidy(() => ({
      left: tf.mul(b, lambdaB.reshape([m.dOut, 1])) as tf.Tensor2D,
      right: tf.mul(a, lambdaD.reshape([a.shape[0], 1])) as tf.Tensor2D,
    }));
  }

  protected adapterConfig(): Record<string, unknown> {
    return veraConfigJson(this.model, this.settings);
  }

  /** The λ vectors (and head), then the shared projections, as PEFT saves with save_projection: true. */
  override async save(): Promise<AdapterFiles> {
    const tensors: [string, tf.Tensor][] = [...this.trainable, [PROJECTION_A_KEY, this.projections.a], [PROJECTION_B_KEY, this.projections.b]];
    return { config: this.adapterConfig(), weights: await writeAdapterWeights(tensors, this.labels) };
  }

  override dispose(): void {
    super.dispose();
    this.projections.dispose();
  }
}
