/**
 * A checkpoint's config.json and weights, read from any FileSource: one
 * `model.safetensors`, or shards listed in `model.safetensors.index.json`.
 */
import { InputFileError } from '../errors';
import { parseSafetensors, type SafetensorsFile } from './safetensors';
import { readJson, type FileSource, type ProgressCallback } from './source';

export const CONFIG_FILE = 'config.json';
export const WEIGHTS_FILE = 'model.safetensors';
export const WEIGHTS_INDEX_FILE = 'model.safetensors.index.json';

/** config.json as a plain object; a clear error when the folder has none. */
export async function readConfig(source: FileSource): Promise<Record<string, unknown>> {
  if (!(await source.has(CONFIG_FILE))) {
    throw new InputFileError(
      source.describe(CONFIG_FILE),
      'not found: a Hugging Face checkpoint folder needs config.json beside its model.safetensors',
    );
  }
  const config = await readJson(source, CONFIG_FILE);
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new InputFileError(source.describe(CONFIG_FILE), 'must be a JSON object');
  }
  return config as Record<string, unknown>;
}

/** Every tensor of a checkpoint, with the file that holds it. */
export type WeightIndex = Map<string, SafetensorsFile>;

/** Reads the weight file(s); keys map to the parsed file holding them. */
export async function readWeights(source: FileSource, onProgress?: ProgressCallback): Promise<WeightIndex> {
  const index: WeightIndex = new Map();
  if (await source.has(WEIGHTS_FILE)) {
    const file = parseSafetensors(await source.read(WEIGHTS_FILE, onProgress), source.describe(WEIGHTS_FILE));
    for (const key of file.entries.keys()) index.set(key, file);
    return index;
  }
  if (await source.has(WEIGHTS_INDEX_FILE)) {
    return readShards(source, onProgress);
  }
  const hint = (await source.has('pytorch_model.bin'))
    ? ': only safetensors checkpoints are supported; convert pytorch_model.bin with `save_pretrained(..., safe_serialization=True)`'
    : '';
  throw new InputFileError(source.describe(WEIGHTS_FILE), `not found (nor ${WEIGHTS_INDEX_FILE})${hint}`);
}

async function readShards(source: FileSource, onProgress?: ProgressCallback): Promise<WeightIndex> {
  const indexName = source.describe(WEIGHTS_INDEX_FILE);
  const json = await readJson<{ weight_map?: unknown }>(source, WEIGHTS_INDEX_FILE);
  const weightMap = json?.weight_map;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) {
    throw new InputFileError(indexName, 'has no "weight_map" object');
  }
  const keysByShard = new Map<string, string[]>();
  for (const [key, shard] of Object.entries(weightMap as Record<string, unknown>)) {
    if (typeof shard !== 'string' || shard.includes('..')) {
      throw new InputFileError(indexName, `weight_map entry has an invalid shard name ${JSON.stringify(shard)}`, key);
    }
    keysByShard.set(shard, [...(keysByShard.get(shard) ?? []), key]);
  }
  const index: WeightIndex = new Map();
  for (const [shard, keys] of keysByShard) {
    if (!(await source.has(shard))) {
      throw new InputFileError(source.describe(shard), `not found, but ${WEIGHTS_INDEX_FILE} lists it`);
    }
    const file = parseSafetensors(await source.read(shard, onProgress), source.describe(shard));
    for (const key of keys) {
      if (!file.entries.has(key)) {
        throw new InputFileError(file.file, `missing, but ${WEIGHTS_INDEX_FILE} says this shard holds it`, key);
      }
    }
    for (const key of file.entries.keys()) index.set(key, file);
  }
  return index;
}
