/**
 * Where downloaded model files are kept so a model is fetched once.
 *
 * Keys are the files' resolved URLs, revision included, so two revisions of
 * one repo never share an entry. Only complete, verified downloads are put:
 * UrlSource calls `put` after the whole body arrived with the length the
 * server announced.
 *
 * Implementations: the browser Cache API (pages and workers, secure contexts
 * only), an in-memory map (Node tests, one session), and a no-op.
 */

export interface ModelCache {
  /** What the cache is, for messages ("browser cache", "memory", "none"). */
  readonly kind: string;
  /** Whether `url` is stored, without reading it (a checkpoint may be gigabytes). */
  has(url: string): Promise<boolean>;
  /** The bytes stored for `url`, or undefined. */
  get(url: string): Promise<Uint8Array | undefined>;
  put(url: string, bytes: Uint8Array): Promise<void>;
  /** Forgets every file, e.g. to free disk space or to fetch a moved branch again. */
  clear(): Promise<void>;
}

/** Caches nothing: every read goes to the network. */
export const noModelCache: ModelCache = {
  kind: 'none',
  has: async () => false,
  get: async () => undefined,
  put: async () => {},
  clear: async () => {},
};

/** Holds files in a Map for the life of the object (tests, and Node CLIs). */
export class MemoryModelCache implements ModelCache {
  readonly kind = 'memory';
  private readonly files = new Map<string, Uint8Array>();

  async has(url: string): Promise<boolean> {
    return this.files.has(url);
  }

  async get(url: string): Promise<Uint8Array | undefined> {
    return this.files.get(url);
  }

  async put(url: string, bytes: Uint8Array): Promise<void> {
    this.files.set(url, bytes.slice()); // a copy: the caller may reuse its buffer
  }

  async clear(): Promise<void> {
    this.files.clear();
  }

  /** URLs held, for tests and a "cached models" list. */
  urls(): string[] {
    return [...this.files.keys()];
  }
}

export const BROWSER_CACHE_NAME = 'wegeft-models';

/**
 * The Cache API (`caches.open('wegeft-models')`): survives reloads, shared by
 * the page and its workers. The storage is opened lazily, once.
 */
export class CacheApiModelCache implements ModelCache {
  readonly kind = 'browser cache';
  private opened: Promise<Cache> | null = null;

  constructor(
    private readonly storage: CacheStorage,
    private readonly name: string = BROWSER_CACHE_NAME,
  ) {}

  private cache(): Promise<Cache> {
    this.opened ??= this.storage.open(this.name);
    return this.opened;
  }

  async has(url: string): Promise<boolean> {
    return (await (await this.cache()).match(url)) !== undefined;
  }

  async get(url: string): Promise<Uint8Array | undefined> {
    const response = await (await this.cache()).match(url);
    if (!response) return undefined;
    return new Uint8Array(await response.arrayBuffer());
  }

  async put(url: string, bytes: Uint8Array): Promise<void> {
    const body = new Blob([bytes as Uint8Array<ArrayBuffer>]);
    const headers = { 'content-type': 'application/octet-stream', 'content-length': String(bytes.byteLength) };
    await (await this.cache()).put(url, new Response(body, { status: 200, headers }));
  }

  async clear(): Promise<void> {
    await this.storage.delete(this.name);
    this.opened = null;
  }
}

/** The browser cache where the Cache API exists (pages, workers), else no cache. */
export function defaultModelCache(): ModelCache {
  const storage = (globalThis as { caches?: CacheStorage }).caches;
  return storage ? new CacheApiModelCache(storage) : noModelCache;
}
