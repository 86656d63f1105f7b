/**
 * How much loading a model from a URL source (the Hub, a bundled folder)
 * would download, before anything is downloaded: a HEAD request per file the
 * loader reads (the Hub answers with the file's size: `x-linked-size` for
 * files kept in LFS, else content-length), the shard index read when the
 * weights are sharded, and files already in the model cache counted apart.
 */
import { InputFileError } from '../engine/errors';
import { messageOf } from '../engine/io/download';
import { CONFIG_FILE, WEIGHTS_FILE, WEIGHTS_INDEX_FILE } from '../engine/io/checkpoint';
import type { ModelCache } from '../engine/io/model-cache';
import type { FetchFunction, UrlSource } from '../engine/io/url-source';
import { PREPROCESSOR_CONFIG_FILE } from '../engine/preprocess/image';
import { TOKENIZER_CONFIG_FILE, TOKENIZER_FILE } from '../engine/tokenizer';
import type { DownloadFileSize } from './protocol';

/** Files read when present, besides the weights. */
const OPTIONAL_FILES = [TOKENIZER_FILE, TOKENIZER_CONFIG_FILE, PREPROCESSOR_CONFIG_FILE];
const HEAD_TIMEOUT_MS = 30_000;

export interface MeasureOptions {
  fetch: FetchFunction;
  cache: ModelCache;
}

/** Every file the loader would read, with its size (null: the server did not say) and whether it is cached. */
export async function measureDownload(source: UrlSource, options: MeasureOptions): Promise<DownloadFileSize[]> {
  const config = await sizeOf(source, CONFIG_FILE, options);
  if (!config) throw new InputFileError(source.urlOf(CONFIG_FILE), 'not found: is this a model repo with a config.json?');
  const files = [config];
  const weights = await sizeOf(source, WEIGHTS_FILE, options);
  if (weights) files.push(weights);
  else files.push(...(await shardSizes(source, options)));
  for (const path of OPTIONAL_FILES) {
    const file = await sizeOf(source, path, options);
    if (file) files.push(file);
  }
  return files;
}

/** The index (read: it is small and the load needs it anyway) and each shard it names. */
async function shardSizes(source: UrlSource, options: MeasureOptions): Promise<DownloadFileSize[]> {
  const index = await sizeOf(source, WEIGHTS_INDEX_FILE, options);
  if (!index) throw new InputFileError(source.urlOf(WEIGHTS_FILE), `not found (nor ${WEIGHTS_INDEX_FILE})`);
  const json = JSON.parse(new TextDecoder().decode(await source.read(WEIGHTS_INDEX_FILE))) as { weight_map?: Record<string, unknown> };
  const shards = [...new Set(Object.values(json.weight_map ?? {}).filter((v): v is string => typeof v === 'string'))].sort();
  const sizes = [index];
  for (const shard of shards) {
    const size = await sizeOf(source, shard, options);
    if (!size) throw new InputFileError(source.urlOf(shard), `not found, but ${WEIGHTS_INDEX_FILE} lists it`);
    sizes.push(size);
  }
  return sizes;
}

/** A file's size by HEAD (GET with the body dropped where HEAD is refused); null when it does not exist. */
async function sizeOf(source: UrlSource, path: string, { fetch, cache }: MeasureOptions): Promise<DownloadFileSize | null> {
  const url = source.urlOf(path);
  let response = await request(fetch, url, 'HEAD');
  if (response.status === 405 || response.status === 501) {
    response = await request(fetch, url, 'GET');
    await response.body?.cancel().catch(() => {});
  }
  if (response.status === 404) return null;
  if (!response.ok) throw new InputFileError(url, `could not be measured (HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''})`);
  const header = response.headers.get('x-linked-size') ?? response.headers.get('content-length');
  const bytes = header === null ? NaN : Number(header);
  const cached = await cache.has(url).catch(() => false);
  return { path, bytes: Number.isSafeInteger(bytes) && bytes >= 0 ? bytes : null, cached };
}

async function request(fetch: FetchFunction, url: string, method: 'GET' | 'HEAD'): Promise<Response> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), HEAD_TIMEOUT_MS);
  try {
    return await fetch(url, { method, signal: controller.signal });
  } catch (error) {
    const reason = controller.signal.aborted ? `no response within ${HEAD_TIMEOUT_MS / 1000} s` : `could not be reached (${messageOf(error)})`;
    throw new InputFileError(url, reason);
  } finally {
    clearTimeout(timer);
  }
}
