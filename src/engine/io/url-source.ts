/**
 * Checkpoints served over HTTP: the models bundled with the app
 * (`/models/<name>/`) and the Hugging Face Hub
 * (`https://huggingface.co/<repo id>/resolve/<revision>/<file>`).
 *
 * Downloads stream, reporting progress per chunk (download.ts), and end in
 * the cache only when complete: a body cut short of the content-length the
 * server announced, or a connection that fails or stalls for
 * `stallTimeoutMs`, is an error and is never cached.
 */
import { InputFileError } from '../errors';
import { messageOf, readBody } from './download';
import { defaultModelCache, noModelCache, type ModelCache } from './model-cache';
import { checkFileSize } from './size-limits';
import type { FileSource, ProgressCallback, ReadOptions } from './source';

export type FetchFunction = (input: string, init?: RequestInit) => Promise<Response>;

export interface UrlSourceOptions {
  /** Defaults to the global fetch (bound, so browsers do not throw "Illegal invocation"). */
  fetch?: FetchFunction;
  /** Defaults to the browser Cache API where it exists, else no cache. */
  cache?: ModelCache;
  /** Extra request headers, e.g. `authorization` for a gated Hub repo. */
  headers?: Record<string, string>;
  /** Abort when no byte (or no response) arrives for this long. Default 60 s. */
  stallTimeoutMs?: number;
  /** Non-fatal problems, such as a full cache; the download itself succeeded. */
  onWarning?: (message: string) => void;
  /** Explains a 401/403 to the user; the Hub source says "gated or private repo". */
  accessDeniedHint?: string;
}

const DEFAULT_STALL_TIMEOUT_MS = 60_000;

export class UrlSource implements FileSource {
  private readonly baseUrl: string;
  private readonly fetchFn: FetchFunction;
  private readonly cache: ModelCache;
  private readonly stallTimeoutMs: number;

  constructor(
    baseUrl: string,
    readonly label: string,
    private readonly options: UrlSourceOptions = {},
  ) {
    this.baseUrl = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
    this.fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.cache = options.cache ?? defaultModelCache();
    this.stallTimeoutMs = options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
  }

  /** The URL a file is fetched from, which is also its cache key. */
  urlOf(path: string): string {
    if (path === '' || path.startsWith('/') || path.split('/').some((part) => part === '..' || part === '.')) {
      throw new InputFileError(`${this.baseUrl}${path}`, 'is not a file path inside the model folder');
    }
    return this.baseUrl + path.split('/').map(encodeURIComponent).join('/');
  }

  describe(path: string): string {
    return this.urlOf(path);
  }

  /**
   * Whether the server has the file: a cached file counts without a request;
   * else a HEAD (or, where HEAD is not allowed, a GET whose body is dropped).
   * 404 is false; any other failure is an InputFileError naming the URL.
   */
  async has(path: string): Promise<boolean> {
    const url = this.urlOf(path);
    if (await this.isCached(url)) return true;
    let response = await this.request(url, 'HEAD');
    if (response.status === 405 || response.status === 501) {
      response = await this.request(url, 'GET');
      await response.body?.cancel().catch(() => {});
    }
    if (response.status === 404 || isHtmlFallback(path, response)) return false;
    if (!response.ok) throw this.httpError(url, response);
    return true;
  }

  async read(path: string, onProgress?: ProgressCallback, options: ReadOptions = {}): Promise<Uint8Array> {
    const url = this.urlOf(path);
    const cached = await this.cachedBytes(url);
    if (cached) {
      checkFileSize(url, cached.byteLength, options.maxBytes);
      onProgress?.(path, cached.byteLength, cached.byteLength);
      return cached;
    }
    const response = await this.request(url, 'GET');
    if (response.status === 404 || isHtmlFallback(path, response)) {
      await response.body?.cancel().catch(() => {});
      throw new InputFileError(url, 'file not found (HTTP 404)');
    }
    if (!response.ok) throw this.httpError(url, response);
    const bytes = await readBody(response, { url, path, onProgress, stallTimeoutMs: this.stallTimeoutMs, maxBytes: options.maxBytes });
    await this.store(url, bytes);
    return bytes;
  }

  private async isCached(url: string): Promise<boolean> {
    try {
      return await this.cache.has(url);
    } catch {
      return false; // an unreadable cache is a cache miss; read() says so if it matters
    }
  }

  private async cachedBytes(url: string): Promise<Uint8Array | undefined> {
    try {
      return await this.cache.get(url);
    } catch (error) {
      this.options.onWarning?.(`${this.cache.kind} could not be read for ${url} (${messageOf(error)}); downloading`);
      return undefined;
    }
  }

  private async store(url: string, bytes: Uint8Array): Promise<void> {
    try {
      await this.cache.put(url, bytes);
    } catch (error) {
      // A full or unavailable cache costs a download next time, not this load.
      this.options.onWarning?.(`${url} was not cached (${messageOf(error)}): it will be downloaded again next time`);
    }
  }

  /** fetch with a deadline for the response headers; network failures become InputFileErrors. */
  private async request(url: string, method: 'GET' | 'HEAD'): Promise<Response> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.stallTimeoutMs);
    try {
      return await this.fetchFn(url, { method, headers: this.options.headers, signal: controller.signal });
    } catch (error) {
      const reason = controller.signal.aborted
        ? `no response within ${this.stallTimeoutMs / 1000} s`
        : `could not be reached (${messageOf(error)})`;
      throw new InputFileError(url, `${reason}: check the network connection and the address`);
    } finally {
      clearTimeout(timer);
    }
  }

  private httpError(url: string, response: Response): InputFileError {
    const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    void response.body?.cancel().catch(() => {});
    if (response.status === 401 || response.status === 403) {
      return new InputFileError(url, `access denied (${status})${this.options.accessDeniedHint ?? ''}`);
    }
    return new InputFileError(url, `download failed (${status})`);
  }
}

/**
 * Development servers and single-page-app hosts answer a missing file with
 * the app's index.html and status 200. A model file is never HTML, so such an
 * answer means "not found".
 */
function isHtmlFallback(path: string, response: Response): boolean {
  const type = response.headers.get('content-type') ?? '';
  return response.ok && type.startsWith('text/html') && !/\.html?$/i.test(path);
}

// ---------------------------------------------------------------------------
// The Hugging Face Hub

export const HUB_ENDPOINT = 'https://huggingface.co';

export interface HubSourceOptions extends Omit<UrlSourceOptions, 'accessDeniedHint'> {
  /** Branch, tag or commit; default `main`. */
  revision?: string;
  /** Default https://huggingface.co; tests point it at a local server. */
  endpoint?: string;
  /** A Hugging Face access token, for gated or private repos. */
  token?: string;
}

const REPO_PART = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
/** The Hub's limit for a repo name; owners (user and organisation names) are shorter still. */
const MAX_REPO_PART = 96;
/** Git's own refs stay far below this; a longer "revision" is not one. */
const MAX_REVISION = 255;

/** A user's text quoted in a message: at most 80 characters of it, and its length when cut. */
function quoted(text: string): string {
  return text.length > 80 ? `"${text.slice(0, 80)}…" (${text.length} characters)` : `"${text}"`;
}

/**
 * Checks a repo id as the Hub does: `name` or `owner/name`, letters, digits,
 * `.`, `_` and `-`, not starting or ending with `.` or `-`, without `--` or
 * `..`, owner and name at most 96 characters each. Returns the id trimmed.
 */
export function validateRepoId(repoId: string): string {
  const id = repoId.trim();
  const parts = id.split('/');
  const tooLong = parts.find((p) => p.length > MAX_REPO_PART);
  const problem =
    id === ''
      ? 'is empty'
      : parts.length > 2
        ? 'has more than one "/": use "owner/name", e.g. "openai-community/gpt2"'
        : tooLong !== undefined
          ? `has a${parts.length === 2 && tooLong === parts[0] ? 'n owner' : ' name'} of ${tooLong.length} characters; the Hub allows at most ${MAX_REPO_PART}`
          : parts.some((p) => !REPO_PART.test(p))
            ? 'may use only letters, digits, ".", "_" and "-", and must not start or end with "." or "-"'
            : parts.some((p) => p.includes('--') || p.includes('..'))
              ? 'must not contain "--" or ".."'
              : null;
  if (problem) throw new InputFileError(`Hugging Face repo id ${quoted(repoId)}`, problem);
  return id;
}

/**
 * A branch, tag, commit or `refs/pr/N`, checked with git's rules for ref
 * names (no `.` or `..` part, no empty part, no spaces, control characters
 * or `~^:?*[\\`, no `@{`, not ending in `.` or `.lock`): a revision such as
 * `.` or `../..` would otherwise change which URL the files come from.
 */
export function validateRevision(revision: string): string {
  const parts = revision.split('/');
  const problem =
    revision === ''
      ? 'is empty'
      : revision.length > MAX_REVISION
        ? `is ${revision.length} characters long; at most ${MAX_REVISION} are allowed`
        : parts.some((p) => p === '.' || p === '..')
          ? 'must not be "." or ".." or contain such a path part'
          : parts.some((p) => p === '')
            ? 'must not start or end with "/" or contain "//"'
            : /[\x00-\x20\x7f~^:?*[\\]/.test(revision) || revision.includes('@{') || revision.includes('..')
              ? 'must not contain spaces, control characters, "..", "@{" or any of ~ ^ : ? * [ \\'
              : revision.endsWith('.') || revision.endsWith('.lock') || parts.some((p) => p.startsWith('.'))
                ? 'must not end with "." or ".lock", nor have a part starting with "."'
                : null;
  if (problem) throw new InputFileError(`revision ${quoted(revision)}`, `${problem}: it is not a branch, tag or commit name`);
  return revision;
}

/**
 * A repo on the Hub at one revision: files come from
 * `${endpoint}/${repoId}/resolve/${revision}/${file}` (the revision
 * URL-encoded, so `refs/pr/1` works), cached by that URL.
 */
export function hubSource(repoId: string, options: HubSourceOptions = {}): UrlSource {
  const id = validateRepoId(repoId);
  const revision = validateRevision(options.revision ?? 'main');
  const endpoint = (options.endpoint ?? HUB_ENDPOINT).replace(/\/+$/, '');
  const { token, ...rest } = options;
  const headers = token ? { ...rest.headers, authorization: `Bearer ${token}` } : rest.headers;
  const label = revision === 'main' ? id : `${id}@${revision}`;
  return new UrlSource(`${endpoint}/${id}/resolve/${encodeURIComponent(revision)}/`, label, {
    ...rest,
    headers,
    accessDeniedHint:
      ': the repo does not exist, or it is gated or private. For a gated repo, accept its terms on the ' +
      'Hugging Face website and provide an access token',
  });
}

/**
 * A model bundled with the app under `public/models/<name>/`, served at
 * `<base>models/<name>/`. Not put in the model cache by default: the files
 * come from the app's own server (the browser's HTTP cache covers them), and
 * a cached copy would outlive an app update that changed them.
 */
export function bundledModelSource(name: string, options: UrlSourceOptions & { base?: string } = {}): UrlSource {
  if (!REPO_PART.test(name)) throw new InputFileError(`bundled model "${name}"`, 'is not a valid folder name');
  const { base = '/', ...rest } = options;
  return new UrlSource(`${base.endsWith('/') ? base : `${base}/`}models/${name}/`, name, {
    ...rest,
    cache: rest.cache ?? noModelCache,
  });
}
