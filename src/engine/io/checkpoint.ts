/**
 * A checkpoint's config.json and weights, read from any FileSource: one
 * `model.safetensors`, or shards listed in `model.safetensors.index.json`.
 */
import { InputFileError, quoted } from '../errors';
import { parseSafetensors, parseSafetensorsHeader, safetensorsHeaderLength, type SafetensorsFile, type SafetensorsHeader } from './safetensors';
import { canStream, inMemoryReader, openSafetensors, type SafetensorsReader } from './safetensors-stream';
import { readJson, type FileSource, type ProgressCallback } from './source';

export const CONFIG_FILE = 'config.json';
export const WEIGHTS_FILE = 'model.safetensors';
export const WEIGHTS_INDEX_FILE = 'model.safetensors.index.json';

/**
 * Each shard costs a request (or a file open) before anything is checked;
 * the largest released checkpoints have under 200 shards.
 */
export const MAX_SHARDS = 1000;

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

/** Every tensor of a checkpoint, with the header of the file that lists it. */
export type HeaderIndex = Map<string, SafetensorsHeader>;

/** Reads the weight file(s); keys map to the parsed file holding them. */
export async function readWeights(source: FileSource, onProgress?: ProgressCallback): Promise<WeightIndex> {
  return indexWeights(source, async (path) => parseSafetensors(await source.read(path, onProgress), source.describe(path)));
}

/** Every tensor of a checkpoint, with a reader of the file that holds it. */
export type TensorIndex = Map<string, SafetensorsReader>;

/**
 * The weight file(s) opened for reading tensor by tensor. Where the source
 * reads byte ranges (a folder on disk, dropped files, memory), only the
 * headers are read here and each tensor's bytes when it is read; elsewhere
 * (HTTP) each file is read whole first (with `onProgress`), as readWeights does.
 */
export async function openWeights(source: FileSource, onProgress?: ProgressCallback): Promise<TensorIndex> {
  if (canStream(source)) return indexWeights(source, (path) => openSafetensors(source, path));
  return indexWeights(source, async (path) => inMemoryReader(parseSafetensors(await source.read(path, onProgress), source.describe(path)), path));
}

/**
 * The weight files' headers alone, read through `source.readPrefix`: a few
 * kilobytes per file, so a checkpoint can be checked against its config
 * before its data is read. Null when the source cannot read part of a file.
 */
export async function readWeightHeaders(source: FileSource): Promise<HeaderIndex | null> {
  const readPrefix = source.readPrefix?.bind(source);
  if (!readPrefix) return null;
  return indexWeights(source, async (path) => {
    const file = source.describe(path);
    const start = await readPrefix(path, 8);
    const headerLength = safetensorsHeaderLength(start.bytes, start.totalBytes, file);
    const prefix = await readPrefix(path, 8 + headerLength);
    return parseSafetensorsHeader(prefix.bytes, prefix.totalBytes, file);
  });
}

/** One weight file or the shards its index lists, each opened with `open`, keyed by tensor name. */
async function indexWeights<T extends SafetensorsHeader>(source: FileSource, open: (path: string) => Promise<T>): Promise<Map<string, T>> {
  if (await source.has(WEIGHTS_FILE)) {
    const file = await open(WEIGHTS_FILE);
    return new Map([...file.entries.keys()].map((key) => [key, file]));
  }
  if (await source.has(WEIGHTS_INDEX_FILE)) {
    return readShards(source, open);
  }
  const hint = (await source.has('pytorch_model.bin'))
    ? ': only safetensors checkpoints are supported; convert pytorch_model.bin with `save_pretrained(..., safe_serialization=True)`'
    : '';
  throw new InputFileError(source.describe(WEIGHTS_FILE), `not found (nor ${WEIGHTS_INDEX_FILE})${hint}`);
}

/**
 * A shard's name as the index gives it: a file in the checkpoint folder (or
 * below it). Anything that could point elsewhere is refused, whatever the
 * source would do with it.
 */
function isShardName(shard: unknown): shard is string {
  return (
    typeof shard === 'string' &&
    shard.length > 0 &&
    shard.length <= 255 &&
    !shard.startsWith('/') &&
    !/[\\\0:]/.test(shard) &&
    shard.split('/').every((part) => part !== '' && part !== '.' && part !== '..')
  );
}

async function readShards<T extends SafetensorsHeader>(source: FileSource, open: (path: string) => Promise<T>): Promise<Map<string, T>> {
  const indexName = source.describe(WEIGHTS_INDEX_FILE);
  const json = await readJson<{ weight_map?: unknown }>(source, WEIGHTS_INDEX_FILE, { rejectDuplicateKeys: true });
  const weightMap = typeof json === 'object' && json !== null && Object.hasOwn(json, 'weight_map') ? json.weight_map : undefined;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) {
    throw new InputFileError(indexName, 'has no "weight_map" object');
  }
  const keysByShard = new Map<string, string[]>();
  for (const [key, shard] of Object.entries(weightMap as Record<string, unknown>)) {
    if (!isShardName(shard)) {
      throw new InputFileError(indexName, `weight_map entry has an invalid shard name ${quoted(shard)}`, key);
    }
    const keys = keysByShard.get(shard);
    if (keys) keys.push(key);
    else keysByShard.set(shard, [key]);
  }
  if (keysByShard.size > MAX_SHARDS) {
    throw new InputFileError(indexName, `lists ${keysByShard.size} shard files, more than the ${MAX_SHARDS} a checkpoint may have`);
  }
  const index = new Map<string, T>();
  for (const [shard, keys] of keysByShard) {
    if (!(await source.has(shard))) {
      throw new InputFileError(source.describe(shard), `not found, but ${WEIGHTS_INDEX_FILE} lists it`);
    }
    const file = await open(shard);
    for (const key of keys) {
      if (!file.entries.has(key)) {
        throw new InputFileError(file.file, `missing, but ${WEIGHTS_INDEX_FILE} says this shard holds it`, key);
      }
    }
    for (const key of file.entries.keys()) {
      // Two shards with one tensor: which copy is the weight? Refuse rather than keep the last.
      const other = index.get(key);
      if (other) throw new InputFileError(file.file, `is also in ${other.file}: a tensor must be in one shard only`, key);
      index.set(key, file);
    }
  }
  return index;
}
