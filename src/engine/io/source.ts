/**
 * Where a checkpoint's files come from. The same loader reads a model bundled
 * with the app (URL), one dropped into the page (File objects), one fetched
 * from the Hugging Face Hub (URL with a cache), or a folder on disk (Node).
 */
import { InputFileError } from '../errors';

/** Bytes received so far and, when known, the total. */
export type ProgressCallback = (file: string, loaded: number, total: number | undefined) => void;

export interface FileSource {
  /** What the user would call this source: a folder name, a repo id, a bundled model's name. */
  readonly label: string;
  /** Whether the file exists in the source. */
  has(path: string): Promise<boolean>;
  /** The file's bytes; an InputFileError naming the file when it is missing or unreadable. */
  read(path: string, onProgress?: ProgressCallback): Promise<Uint8Array>;
  /** The file's name as shown in messages, e.g. `my-model/config.json`. */
  describe(path: string): string;
}

/** Reads a file as UTF-8 text. */
export async function readText(source: FileSource, path: string, onProgress?: ProgressCallback): Promise<string> {
  const bytes = await source.read(path, onProgress);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new InputFileError(source.describe(path), 'is not UTF-8 text');
  }
}

/** Reads and parses a JSON file, naming the file when it is not JSON. */
export async function readJson<T = unknown>(source: FileSource, path: string): Promise<T> {
  const text = await readText(source, path);
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new InputFileError(source.describe(path), `is not valid JSON (${(error as Error).message})`);
  }
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

  async read(path: string): Promise<Uint8Array> {
    const bytes = this.files.get(path);
    if (!bytes) throw new InputFileError(this.describe(path), 'file not found');
    return bytes;
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

  async read(path: string, onProgress?: ProgressCallback): Promise<Uint8Array> {
    const file = this.files.get(path);
    if (!file) throw new InputFileError(this.describe(path), 'file not found among the dropped files');
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      onProgress?.(path, bytes.byteLength, bytes.byteLength);
      return bytes;
    } catch (error) {
      throw new InputFileError(this.describe(path), `could not be read (${(error as Error).message})`);
    }
  }

  describe(path: string): string {
    return `${this.label}/${path}`;
  }
}
