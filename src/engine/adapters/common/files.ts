/**
 * Reading and writing adapter files (adapter_config.json +
 * adapter_model.safetensors), shared by every method. Reading is strict:
 * every tensor the config implies must be present with the shape this model
 * needs, and nothing else may be in the file; a mismatch is an
 * InputFileError that names the file and the tensor and says which base
 * model problem it points to.
 */
import * as tf from '@tensorflow/tfjs';
import { InputFileError } from '../../errors';
import { writeSafetensors, type SafetensorsFile, type TensorToWrite } from '../../io/safetensors';
import { readJson, type FileSource } from '../../io/source';
import type { AdapterFiles } from '../types';

export const ADAPTER_CONFIG_FILE = 'adapter_config.json';
export const ADAPTER_WEIGHTS_FILE = 'adapter_model.safetensors';

/** The adapter_config.json beside a named adapter_model.safetensors, for messages. */
export function configFileFor(weightsFile: string): string {
  return weightsFile.endsWith(ADAPTER_WEIGHTS_FILE)
    ? weightsFile.slice(0, -ADAPTER_WEIGHTS_FILE.length) + ADAPTER_CONFIG_FILE
    : `${ADAPTER_CONFIG_FILE} (beside ${weightsFile})`;
}

/** An adapter's two files from any source (a folder on disk, dropped files). */
export async function readAdapterFiles(source: FileSource): Promise<{ files: AdapterFiles; weightsFile: string }> {
  if (!(await source.has(ADAPTER_CONFIG_FILE))) {
    throw new InputFileError(source.describe(ADAPTER_CONFIG_FILE), 'not found: an adapter folder needs adapter_config.json');
  }
  if (!(await source.has(ADAPTER_WEIGHTS_FILE))) {
    const hint = (await source.has('adapter_model.bin'))
      ? ': only safetensors adapters are supported; save with `save_pretrained(..., safe_serialization=True)`'
      : '';
    throw new InputFileError(source.describe(ADAPTER_WEIGHTS_FILE), `not found${hint}`);
  }
  const config = await readJson(source, ADAPTER_CONFIG_FILE);
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new InputFileError(source.describe(ADAPTER_CONFIG_FILE), 'must be a JSON object');
  }
  return {
    files: { config: config as Record<string, unknown>, weights: await source.read(ADAPTER_WEIGHTS_FILE) },
    weightsFile: source.describe(ADAPTER_WEIGHTS_FILE),
  };
}

/** Serialises tensors by key, in order, as F32; `labels` are kept in the header's metadata. */
export async function writeAdapterWeights(tensors: Iterable<[string, tf.Tensor]>, labels: string[] | null): Promise<Uint8Array> {
  const entries: TensorToWrite[] = [];
  for (const [name, tensor] of tensors) {
    entries.push({ name, shape: tensor.shape.slice(), values: (await tensor.data()) as Float32Array });
  }
  const metadata: Record<string, string> = { format: 'pt' }; // what PEFT writes; PEFT ignores other keys
  if (labels) metadata.labels = JSON.stringify(labels);
  return writeSafetensors(entries, metadata);
}

/** Label names stored by writeAdapterWeights, or null. */
export function labelsFromMetadata(weights: SafetensorsFile): string[] | null {
  const raw = weights.metadata.labels;
  if (typeof raw !== 'string') return null;
  try {
    const labels: unknown = JSON.parse(raw);
    if (Array.isArray(labels) && labels.every((l) => typeof l === 'string')) return labels as string[];
  } catch {
    // fall through: unreadable metadata is not fatal, the labels get generic names
  }
  return null;
}

/**
 * One tensor of an adapter file, checked against the shape this model needs.
 * `purpose` says what the tensor is for ("LoRA A of transformer.h.0.attn.c_attn").
 */
export function readAdapterTensor(weights: SafetensorsFile, key: string, shape: readonly number[], purpose: string): tf.Tensor {
  const entry = weights.entries.get(key);
  if (!entry) {
    throw new InputFileError(weights.file, `missing the ${purpose}: the file is incomplete, or its config does not match it`, key);
  }
  if (entry.shape.join(',') !== shape.join(',')) {
    throw new InputFileError(
      weights.file,
      `has shape [${entry.shape}] but this model's ${purpose} needs [${shape}]: ` +
        'was the adapter trained on a different base model?',
      key,
    );
  }
  const decoded = weights.read(key);
  if (decoded.dtype !== 'float32') {
    throw new InputFileError(weights.file, `has integer dtype ${entry.dtype}; adapter weights must be floating point`, key);
  }
  const index = decoded.values.findIndex((v) => !Number.isFinite(v));
  if (index >= 0) {
    throw new InputFileError(weights.file, `holds a non-finite value (${decoded.values[index]}) at index ${index}`, key);
  }
  return tf.tensor(decoded.values, shape as number[], 'float32');
}

/** Fails on tensors the config does not explain (a different adapter, or a different base model). */
export function rejectUnexpectedTensors(weights: SafetensorsFile, expected: ReadonlySet<string>): void {
  const unexpected = [...weights.entries.keys()].filter((key) => !expected.has(key));
  if (unexpected.length === 0) return;
  const shown = unexpected.slice(0, 3).join(', ') + (unexpected.length > 3 ? `, … (${unexpected.length - 3} more)` : '');
  throw new InputFileError(
    weights.file,
    `holds ${unexpected.length} tensor(s) that no target module of this model explains: ${shown}. ` +
      'Was the adapter trained on a different base model, or is adapter_config.json from another adapter?',
  );
}

/** Config readers: each names adapter_config.json and the field on a bad value. */
export function positiveIntegerField(config: Record<string, unknown>, key: string, file: string): number {
  const value = config[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InputFileError(file, `"${key}" must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function positiveNumberField(config: Record<string, unknown>, key: string, file: string): number {
  const value = config[key];
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InputFileError(file, `"${key}" must be a positive number, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function booleanField(config: Record<string, unknown>, key: string, file: string, fallback: boolean): boolean {
  const value = config[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw new InputFileError(file, `"${key}" must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

/** `modules_to_save` as a list of module names (null and absent read as empty). */
export function stringListField(config: Record<string, unknown>, key: string, file: string): string[] {
  const value = config[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new InputFileError(file, `"${key}" must be a list of names, got ${JSON.stringify(value)}`);
  }
  return value as string[];
}
