/**
 * Turns a checkpoint (config.json + safetensors, from any FileSource) into a
 * Model. Strict where it matters: every expected tensor present with its
 * expected shape and finite values, no tensors left unexplained. Forgiving
 * of real-world variants: keys with or without the base-model prefix, a tied
 * `lm_head.weight` present or omitted, mask and frequency buffers.
 */
import * as tf from '@tensorflow/tfjs';
import { InputFileError } from '../errors';
import { CONFIG_FILE, readConfig, readWeights, type WeightIndex } from '../io/checkpoint';
import type { FileSource, ProgressCallback } from '../io/source';
import { Model } from './model';
import { familyFor } from './registry';
import type { AnyModelConfig, ModelFamily, ParameterSpec } from './types';

export interface LoadModelOptions {
  onProgress?: ProgressCallback;
  /** Seed for parameters the checkpoint lacks (a new classification head). */
  seed?: number;
}

/** Reads and normalises config.json only: for showing a model before loading its weights. */
export async function readModelConfig(source: FileSource): Promise<{ family: ModelFamily; config: AnyModelConfig }> {
  const raw = await readConfig(source);
  const file = source.describe(CONFIG_FILE);
  const family = familyFor(raw, file);
  return { family, config: family.normaliseConfig(raw, file) };
}

export async function loadModel(source: FileSource, options: LoadModelOptions = {}): Promise<Model> {
  const { family, config } = await readModelConfig(source);
  const weights = await readWeights(source, options.onProgress);
  const specs = family.parameters(config);
  const params = new Map<string, tf.Tensor>();
  const initialised: string[] = [];
  const used = new Set<string>();
  try {
    const missing: string[] = [];
    for (const spec of specs) {
      const key = findKey(weights, spec.name, family.basePrefix);
      if (key === undefined) {
        if (spec.optional === 'initialise') {
          params.set(spec.name, initialiseParameter(spec, config, options.seed ?? 0));
          initialised.push(spec.name);
        } else {
          missing.push(spec.name);
        }
        continue;
      }
      used.add(key);
      params.set(spec.name, readParameter(weights, key, spec));
    }
    if (missing.length > 0) {
      const firstFile = weights.values().next().value?.file ?? source.describe('model.safetensors');
      throw new InputFileError(
        firstFile,
        `missing ${missing.length} tensor(s) this ${family.displayName} config needs: ${listSome(missing)}`,
      );
    }
    const unexpected = [...weights.keys()].filter(
      (key) => !used.has(key) && !family.ignoredKeys.some((re) => re.test(key)) && !isTiedHead(key, config),
    );
    if (unexpected.length > 0) {
      throw new InputFileError(
        weights.get(unexpected[0])!.file,
        `has ${unexpected.length} tensor(s) this ${family.displayName} config does not explain: ${listSome(unexpected)}. ` +
          'Is config.json from the same checkpoint?',
      );
    }
  } catch (error) {
    for (const t of params.values()) t.dispose();
    throw error;
  }
  return new Model(family, config, params, initialised);
}

function listSome(names: string[]): string {
  const shown = names.slice(0, 5).join(', ');
  return names.length > 5 ? `${shown}, … (${names.length - 5} more)` : shown;
}

function isTiedHead(key: string, config: AnyModelConfig): boolean {
  return key === 'lm_head.weight' && config.task === 'causal-lm' && config.tieWordEmbeddings;
}

/** The checkpoint key for a canonical name: as is, or without the base-model prefix. */
function findKey(weights: WeightIndex, name: string, prefix: string): string | undefined {
  if (weights.has(name)) return name;
  if (name.startsWith(prefix) && weights.has(name.slice(prefix.length))) return name.slice(prefix.length);
  return undefined;
}

function readParameter(weights: WeightIndex, key: string, spec: ParameterSpec): tf.Tensor {
  const file = weights.get(key)!;
  const entry = file.entries.get(key)!;
  if (entry.shape.join(',') !== spec.shape.join(',')) {
    throw new InputFileError(file.file, `has shape [${entry.shape}] but the config implies [${spec.shape}]`, key);
  }
  const decoded = file.read(key);
  if (decoded.dtype !== 'float32') {
    throw new InputFileError(file.file, `has integer dtype ${entry.dtype}; model weights must be floating point`, key);
  }
  const values = decoded.values;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new InputFileError(file.file, `holds a non-finite value (${values[i]}) at index ${i}: the file is corrupt`, key);
    }
  }
  return tf.tensor(values, spec.shape, 'float32');
}

/** A new head as transformers initialises one: weights ~ N(0, initializer_range), bias 0. */
function initialiseParameter(spec: ParameterSpec, config: AnyModelConfig, seed: number): tf.Tensor {
  if (spec.name.endsWith('.bias')) return tf.zeros(spec.shape);
  const std = typeof config.raw.initializer_range === 'number' ? config.raw.initializer_range : 0.02;
  return tf.randomNormal(spec.shape, 0, std, 'float32', seed);
}

