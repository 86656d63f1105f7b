/**
 * Random initialisation of a model from its config alone, the way
 * transformers' `_init_weights` initialises these families, so a model
 * pretrained here starts where a PyTorch run would:
 *
 * - linear and embedding weights (and ViT's patch projection, CLS token and
 *   position embeddings) ~ N(0, initializer_range); ViT uses trunc_normal_
 *   with PyTorch's default absolute bounds ±2, which at std 0.02 never
 *   truncates, so a plain normal is the same distribution;
 * - biases 0; LayerNorm / RMSNorm weights 1 (every other rank-1 weight);
 * - GPT-2 only: `c_proj` weights (attention output and MLP down projection)
 *   ~ N(0, initializer_range / sqrt(2 · n_layer)), GPT-2's scaled residual
 *   init, which transformers applies too.
 *
 * Deterministic per seed: each parameter draws from its own stream, seeded
 * from the model seed and the parameter's name, with the project's seeded
 * generator (src/engine/random.ts), so the result is the same on every
 * backend and does not depend on the order parameters are listed in.
 *
 * Used by the pretraining CLI (scripts/pretrain.ts) and by benchmarks that
 * need a random-init model of a given size.
 */
import * as tf from '@tensorflow/tfjs';
import { CONFIG_FILE } from '../io/checkpoint';
import { createRng, deriveSeed } from '../random';
import { Model } from './model';
import { familyFor } from './registry';
import type { AnyModelConfig, ModelFamily, ParameterSpec } from './types';

/** transformers' default `initializer_range` for every family here. */
export const DEFAULT_INITIALIZER_RANGE = 0.02;

/** How one parameter is initialised. */
export type ParameterInit = { kind: 'zeros' } | { kind: 'ones' } | { kind: 'normal'; std: number };

/** A random-init model from a normalised config. */
export function initialiseModel<C extends AnyModelConfig>(family: ModelFamily<C>, config: C, seed: number): Model<C> {
  const params = new Map<string, tf.Tensor>();
  for (const spec of family.parameters(config)) {
    const init = parameterInit(spec, config);
    params.set(spec.name, tf.tensor(initialValues(spec, init, seed), spec.shape, 'float32'));
  }
  return new Model(family, config, params);
}

/**
 * A random-init model from a raw config.json object (as it would be saved):
 * picks the family from `model_type` and normalises the config. Bad fields
 * are InputFileErrors naming `file`.
 */
export function initialiseModelFromConfig(raw: Record<string, unknown>, seed: number, file = CONFIG_FILE): Model {
  const family = familyFor(raw, file);
  return initialiseModel(family, family.normaliseConfig(raw, file), seed);
}

/** The rule applied to one parameter (exported so tests can state the rules). */
export function parameterInit(spec: ParameterSpec, config: AnyModelConfig): ParameterInit {
  if (spec.name.endsWith('.bias')) return { kind: 'zeros' };
  if (spec.shape.length === 1) return { kind: 'ones' }; // LayerNorm / RMSNorm scale
  const std = initializerRange(config);
  if (config.modelType === 'gpt2' && /\.c_proj\.weight$/.test(spec.name)) {
    return { kind: 'normal', std: std / Math.sqrt(2 * config.numLayers) };
  }
  return { kind: 'normal', std };
}

function initializerRange(config: AnyModelConfig): number {
  const value = config.raw.initializer_range;
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : DEFAULT_INITIALIZER_RANGE;
}

function initialValues(spec: ParameterSpec, init: ParameterInit, seed: number): Float32Array {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  if (init.kind === 'ones') values.fill(1);
  if (init.kind !== 'normal') return values;
  const random = createRng(deriveSeed(seed, spec.name));
  fillNormal(values, init.std, random);
  return values;
}

/** Box–Muller: pairs of uniforms in (0, 1] to pairs of standard normals, scaled by `std`. */
function fillNormal(out: Float32Array, std: number, random: () => number): void {
  for (let i = 0; i < out.length; i += 2) {
    const u1 = 1 - random(); // (0, 1]: log(0) would be -Infinity
    const u2 = random();
    const radius = std * Math.sqrt(-2 * Math.log(u1));
    out[i] = radius * Math.cos(2 * Math.PI * u2);
    if (i + 1 < out.length) out[i + 1] = radius * Math.sin(2 * Math.PI * u2);
  }
}
