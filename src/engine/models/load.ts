/**
 * Turns a checkpoint (config.json + safetensors, from any FileSource) into a
 * Model. Strict where it matters: every expected tensor present with its
 * expected shape and finite values, no tensors left unexplained. Forgiving
 * of real-world variants: keys with or without the base-model prefix, a tied
 * `lm_head.weight` present or omitted, mask and frequency buffers.
 */
import * as tf from '@tensorflow/tfjs';
import { InputFileError, quoted } from '../errors';
import { CONFIG_FILE, openWeights, readConfig, readWeightHeaders, WEIGHTS_FILE, type HeaderIndex, type TensorIndex } from '../io/checkpoint';
import { canStream } from '../io/safetensors-stream';
import { isFloatDtype } from '../io/safetensors';
import { LAYER_COUNT_FIELDS } from './config-fields';
import type { FileSource, ProgressCallback } from '../io/source';
import { Model } from './model';
import { familyFor } from './registry';
import type { AnyModelConfig, ModelFamily, ParameterSpec } from './types';

/** One checkpoint tensor read into a parameter, reported as it completes. */
export interface TensorProgress {
  /** The file's path in the source (`model.safetensors`, a shard). */
  path: string;
  /** The tensor's key in the checkpoint. */
  name: string;
  /** 1-based position among the `count` tensors this load reads, in the order read. */
  index: number;
  count: number;
  /** This tensor's bytes in the file, and the running and final totals over the tensors read. */
  bytes: number;
  loadedBytes: number;
  totalBytes: number;
}

export interface LoadModelOptions {
  /** Bytes of a weight file read whole (sources without range reads: HTTP). */
  onProgress?: ProgressCallback;
  /** After each tensor is read, checked and made a parameter. */
  onTensor?: (progress: TensorProgress) => void;
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
  const configFile = source.describe(CONFIG_FILE);
  const initStd = initializerRange(config, configFile);
  const files = { configFile, weightsFile: source.describe(WEIGHTS_FILE) };
  // Every name, shape and dtype is checked against the safetensors headers
  // before a single tensor is decoded or allocated. A source that reads byte
  // ranges (dropped files, a folder on disk) is opened headers only, and each
  // tensor is then read from the file on its own: the load holds the weights
  // plus one tensor's bytes, never the whole file beside them. Elsewhere the
  // headers are checked first where the source can read a prefix, so a
  // mismatched config costs kilobytes, not the whole checkpoint.
  if (!canStream(source)) {
    const headers = await readWeightHeaders(source);
    if (headers) planParameters(family, config, headers, files);
  }
  const weights = await openWeights(source, options.onProgress);
  const plan = planParameters(family, config, weights, files);
  const sizes = plan.read.map(([, key]) => entryBytes(weights, key));
  const totalBytes = sizes.reduce((a, b) => a + b, 0);
  const params = new Map<string, tf.Tensor>();
  try {
    let loadedBytes = 0;
    for (const [i, [spec, key]] of plan.read.entries()) {
      params.set(spec.name, await readParameter(weights, key, spec));
      loadedBytes += sizes[i];
      const path = weights.get(key)!.path;
      options.onTensor?.({ path, name: key, index: i + 1, count: plan.read.length, bytes: sizes[i], loadedBytes, totalBytes });
    }
    for (const spec of plan.initialise) params.set(spec.name, initialiseParameter(spec, initStd, options.seed ?? 0));
  } catch (error) {
    for (const t of params.values()) t.dispose();
    throw error;
  }
  return new Model(family, config, params, plan.initialise.map((spec) => spec.name));
}

/** Which checkpoint key fills each parameter, and which parameters are initialised instead. */
interface ParameterPlan {
  read: Array<[ParameterSpec, string]>;
  initialise: ParameterSpec[];
}

/**
 * Matches the config's parameters to the checkpoint's tensors using the
 * headers alone: the layer count first (a config with more or fewer
 * layers than the checkpoint is told so, naming config.json and the
 * field, rather than listing hundreds of missing tensors), then every tensor's
 * presence, shape and dtype, then tensors nothing explains.
 */
function planParameters(
  family: ModelFamily,
  config: AnyModelConfig,
  weights: HeaderIndex,
  files: { configFile: string; weightsFile: string },
): ParameterPlan {
  const firstWeightsFile = weights.values().next().value?.file ?? files.weightsFile;
  checkLayerCount(family, config, weights, files.configFile, firstWeightsFile);
  const plan: ParameterPlan = { read: [], initialise: [] };
  const missing: string[] = [];
  const used = new Set<string>();
  for (const spec of family.parameters(config)) {
    const key = findKey(weights, spec.name, family.basePrefix);
    if (key === undefined) {
      if (spec.optional === 'initialise') plan.initialise.push(spec);
      else missing.push(spec.name);
      continue;
    }
    const file = weights.get(key)!;
    const entry = file.entries.get(key)!;
    if (entry.shape.join(',') !== spec.shape.join(',')) {
      throw new InputFileError(
        file.file,
        `has shape [${entry.shape}] but ${files.configFile} implies [${spec.shape}]: is config.json from the same checkpoint?`,
        key,
      );
    }
    if (!isFloatDtype(entry.dtype)) {
      throw new InputFileError(file.file, `has integer dtype ${entry.dtype}; model weights must be floating point`, key);
    }
    used.add(key);
    plan.read.push([spec, key]);
  }
  if (missing.length > 0) {
    throw new InputFileError(
      firstWeightsFile,
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
  return plan;
}

/**
 * The blocks the checkpoint holds against the config's layer count. The
 * family's block path comes from its layer-0 modules (`transformer.h.0.…`
 * → `transformer.h.`); the checkpoint's count is one more than the largest
 * index under that path, with or without the base-model prefix.
 */
function checkLayerCount(family: ModelFamily, config: AnyModelConfig, weights: HeaderIndex, configFile: string, weightsFile: string): void {
  const layer0 = family.linearModules({ ...config, numLayers: 1 }).find((m) => m.layer === 0);
  if (!layer0) return;
  const parts = layer0.path.split('.');
  const blockPrefix = `${parts.slice(0, parts.indexOf('0')).join('.')}.`;
  const prefixes = [blockPrefix];
  if (blockPrefix.startsWith(family.basePrefix)) prefixes.push(blockPrefix.slice(family.basePrefix.length));
  let held = 0;
  for (const key of weights.keys()) {
    const prefix = prefixes.find((p) => key.startsWith(p));
    if (!prefix) continue;
    const index = key.slice(prefix.length).split('.', 1)[0];
    if (/^\d{1,7}$/.test(index)) held = Math.max(held, Number(index) + 1);
  }
  if (held === 0 || held === config.numLayers) return;
  const field = LAYER_COUNT_FIELDS.find((name) => config.raw[name] === config.numLayers) ?? 'num_hidden_layers';
  throw new InputFileError(
    configFile,
    `"${field}" is ${config.numLayers} but ${weightsFile} holds ${held} layer(s) (${blockPrefix}0 to ${blockPrefix}${held - 1}): ` +
      'is config.json from the same checkpoint?',
  );
}

/** config.json `initializer_range`, the spread of a new head's weights: a finite number ≥ 0 (default 0.02). */
function initializerRange(config: AnyModelConfig, configFile: string): number {
  const value = Object.hasOwn(config.raw, 'initializer_range') ? config.raw.initializer_range : undefined;
  if (value === undefined || value === null) return 0.02;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InputFileError(configFile, `"initializer_range" must be a number of at least 0, got ${quoted(value)}`);
  }
  return value;
}

function listSome(names: string[]): string {
  const shown = names.slice(0, 5).join(', ');
  return names.length > 5 ? `${shown}, … (${names.length - 5} more)` : shown;
}

function isTiedHead(key: string, config: AnyModelConfig): boolean {
  return key === 'lm_head.weight' && config.task === 'causal-lm' && config.tieWordEmbeddings;
}

/** The checkpoint key for a canonical name: as is, or without the base-model prefix. */
function findKey(weights: HeaderIndex, name: string, prefix: string): string | undefined {
  if (weights.has(name)) return name;
  if (name.startsWith(prefix) && weights.has(name.slice(prefix.length))) return name.slice(prefix.length);
  return undefined;
}

function entryBytes(weights: TensorIndex, key: string): number {
  const entry = weights.get(key)!.entries.get(key)!;
  return entry.end - entry.begin;
}

async function readParameter(weights: TensorIndex, key: string, spec: ParameterSpec): Promise<tf.Tensor> {
  const file = weights.get(key)!;
  const decoded = await file.read(key);
  const values = decoded.values;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new InputFileError(file.file, `holds a non-finite value (${values[i]}) at index ${i}: the file is corrupt`, key);
    }
  }
  return tf.tensor(values, spec.shape, 'float32');
}

/** A new head as transformers initialises one: weights ~ N(0, initializer_range), bias 0. */
function initialiseParameter(spec: ParameterSpec, std: number, seed: number): tf.Tensor {
  if (spec.name.endsWith('.bias')) return tf.zeros(spec.shape);
  return tf.randomNormal(spec.shape, 0, std, 'float32', seed);
}
