/**
 * Where a checkpoint's files come from. The same loader reads a model bundled
 * with the app (URL), one dropped into the page (File objects), one fetched
 * from the Hugging Face Hub (URL with a cache), or a folder on disk (Node).
 */
import { InputFileError, quoted } from '../errors';
import { findDuplicateKey } from './json-keys';
import { checkFileSize, formatBytes } from './size-limits';

/** Bytes received so far and, when known, the total. */
export type ProgressCallback = (file: string, loaded: number, total: number | undefined) => void;

export interface ReadOptions {
  /**
   * Refuse a larger file, before reading it where the source knows its size
   * (a dropped File, a file on disk, an HTTP content-length), with an
   * InputFileError that names the file and the limit.
   */
  maxBytes?: number;
}

/**
 * JSON settings files (config.json, tokenizer_config.json, adapter_config.json,
 * the shard index): the largest real ones, with tens of thousands of label
 * names, are a few megabytes.
 */
export const MAX_JSON_BYTES = 16 * 1024 * 1024;

/**
 * Text the engine decodes whole. V8 strings stop at 2^29 - 24 UTF-16 units
 * (about 512 MiB); past that TextDecoder fails with an error that reads
 * like bad UTF-8, so the size is checked first.
 */
export const MAX_TEXT_BYTES = 2 ** 29 - 24;

export interface FileSource {
  /** What the user would call this source: a folder name, a repo id, a bundled model's name. */
  readonly label: string;
  /** Whether the file exists in the source. */
  has(path: string): Promise<boolean>;
  /** The file's bytes; an InputFileError naming the file when it is missing, unreadable or over `maxBytes`. */
  read(path: string, onProgress?: ProgressCallback, options?: ReadOptions): Promise<Uint8Array>;
  /** The file's name as shown in messages, e.g. `my-model/config.json`. */
  describe(path: string): string;
  /**
   * The file's first `length` bytes (fewer when it is shorter) and its full
   * size, without reading the rest: where a source can do this cheaply, a
   * checkpoint's safetensors headers are checked against its config before
   * gigabytes of weights are read into memory.
   */
  readPrefix?(path: string, length: number): Promise<FilePrefix>;
  /**
   * Bytes [begin, end) of the file (fewer when it ends sooner), without
   * reading the rest: where a source has this (and readPrefix), a
   * safetensors file is read one tensor at a time, straight from the file,
   * so a load never holds the whole file beside the weights it becomes.
   */
  readRange?(path: string, begin: number, end: number): Promise<Uint8Array>;
}

export interface FilePrefix {
  bytes: Uint8Array;
  totalBytes: number;
}

/**
 * Decodes UTF-8 text, naming `file` when it is not UTF-8 and, before trying,
 * when it is larger than `maxBytes` (so a huge file is reported as too
 * large, not as bad UTF-8).
 */
export function decodeUtf8Text(bytes: Uint8Array, file: string, maxBytes: number = MAX_TEXT_BYTES): string {
  checkFileSize(file, bytes.byteLength, maxBytes);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    if (error instanceof RangeError) {
      throw new InputFileError(file, `is too large to decode as text (${formatBytes(bytes.byteLength)}: ${error.message})`);
    }
    throw new InputFileError(file, 'is not UTF-8 text');
  }
}

/** Reads a file as UTF-8 text; `maxBytes` (default MAX_TEXT_BYTES) bounds its size. */
export async function readText(source: FileSource, path: string, onProgress?: ProgressCallback, options: ReadOptions = {}): Promise<string> {
  const maxBytes = Math.min(options.maxBytes ?? MAX_TEXT_BYTES, MAX_TEXT_BYTES);
  const bytes = await source.read(path, onProgress, { maxBytes });
  return decodeUtf8Text(bytes, source.describe(path), maxBytes);
}

export interface ReadJsonOptions extends ReadOptions {
  /**
   * Refuse an object that gives one key twice (JSON.parse silently keeps the
   * last): for files where a repeated key means a corrupt file, such as the
   * shard index's weight_map.
   */
  rejectDuplicateKeys?: boolean;
}

/** Reads and parses a JSON file (at most MAX_JSON_BYTES unless told), naming the file when it is not JSON. */
export async function readJson<T = unknown>(source: FileSource, path: string, options: ReadJsonOptions = {}): Promise<T> {
  const text = await readText(source, path, undefined, { maxBytes: options.maxBytes ?? MAX_JSON_BYTES });
  let value: T;
  try {
    value = JSON.parse(text) as T;
  } catch (error) {
    throw new InputFileError(source.describe(path), `is not valid JSON (${(error as Error).message})`);
  }
  const duplicate = options.rejectDuplicateKeys ? findDuplicateKey(text) : null;
  if (duplicate) {
    const where = duplicate.path.length > 0 ? ` in "${duplicate.path.join('.')}"` : '';
    throw new InputFileError(source.describe(path), `gives the key ${quoted(duplicate.key)} twice${where}`);
  }
  return value;
}

/** Files already in memory, keyed by path relative to the model's folder. */
export class MemorySource implements FileSource {
  constructor(
    readonly label: string,
    private readonly files: Map<string, Uint8Array>,
  ) {}

  async has(path: string): Promise<boolean> {
    return this.files.has(path);
  }

  async read(path: string, _onProgress?: ProgressCallback, options: ReadOptions = {}): Promise<Uint8Array> {
    const bytes = this.files.get(path);
    if (!bytes) throw new InputFileError(this.describe(path), 'file not found');
    checkFileSize(this.describe(path), bytes.byteLength, options.maxBytes);
    return bytes;
  }

  async readPrefix(path: string, length: number): Promise<FilePrefix> {
    const bytes = this.files.get(path);
    if (!bytes) throw new InputFileError(this.describe(path), 'file not found');
    return { bytes: bytes.subarray(0, length), totalBytes: bytes.byteLength };
  }

  async readRange(path: string, begin: number, end: number): Promise<Uint8Array> {
    const bytes = this.files.get(path);
    if (!bytes) throw new InputFileError(this.describe(path), 'file not found');
    return bytes.subarray(begin, end);
  }

  describe(path: string): string {
    return `${this.label}/${path}`;
  }
}

/**
 * Files the user dropped or chose in the page. A dropped folder arrives with
 * `webkitRelativePath` set ("folder/config.json"): the common leading folder
 * is stripped so paths are relative to the checkpoint.
 */
export class BrowserFilesSource implements FileSource {
  readonly label: string;
  private readonly files = new Map<string, File>();

  constructor(files: Iterable<File>, label?: string) {
    const list = [...files];
    const paths = list.map((f) => (f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name);
    const firstSegments = new Set(paths.map((p) => (p.includes('/') ? p.split('/')[0] : '')));
    const commonFolder = firstSegments.size === 1 && !firstSegments.has('') ? [...firstSegments][0] : '';
    list.forEach((file, i) => {
      const relative = commonFolder ? paths[i].slice(commonFolder.length + 1) : paths[i];
      this.files.set(relative, file);
    });
    this.label = label ?? (commonFolder || 'dropped files');
  }

  /** Paths of every file, relative to the checkpoint folder. */
  paths(): string[] {
    return [...this.files.keys()];
  }

  async has(path: string): Promise<boolean> {
    return this.files.has(path);
  }

  async read(path: string, onProgress?: ProgressCallback, options: ReadOptions = {}): Promise<Uint8Array> {
    const file = this.files.get(path);
    if (!file) throw new InputFileError(this.describe(path), 'file not found among the dropped files');
    checkFileSize(this.describe(path), file.size, options.maxBytes);
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      onProgress?.(path, bytes.byteLength, bytes.byteLength);
      return bytes;
    } catch (error) {
      throw new InputFileError(this.describe(path), `could not be read (${(error as Error).message})`);
    }
  }

  async readPrefix(path: string, length: number): Promise<FilePrefix> {
    const file = this.files.get(path);
    if (!file) throw new InputFileError(this.describe(path), 'file not found among the dropped files');
    try {
      return { bytes: new Uint8Array(await file.slice(0, length).arrayBuffer()), totalBytes: file.size };
    } catch (error) {
      throw new InputFileError(this.describe(path), `could not be read (${(error as Error).message})`);
    }
  }

  /** A slice of the File: the browser reads that range from disk, not the whole file. */
  async readRange(path: string, begin: number, end: number): Promise<Uint8Array> {
    const file = this.files.get(path);
    if (!file) throw new InputFileError(this.describe(path), 'file not found among the dropped files');
    try {
      return new Uint8Array(await file.slice(begin, end).arrayBuffer());
    } catch (error) {
      throw new InputFileError(this.describe(path), `could not be read (${(error as Error).message})`);
    }
  }

  describe(path: string): string {
    return `${this.label}/${path}`;
  }
}
