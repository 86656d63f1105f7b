/**
 * Checkpoints over HTTP: the Hub's URL layout and the bundled-model layout,
 * served by a local server (tests/helpers/http-server.ts) from the fixtures.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputFileError } from '../../../src/engine/errors';
import { CacheApiModelCache, defaultModelCache, MemoryModelCache, noModelCache } from '../../../src/engine/io/model-cache';
import { DirectorySource } from '../../../src/engine/io/node-source';
import { parseSafetensors } from '../../../src/engine/io/safetensors';
import type { FileSource } from '../../../src/engine/io/source';
import { bundledModelSource, hubSource, UrlSource, validateRepoId, validateRevision, type FetchFunction } from '../../../src/engine/io/url-source';
import { loadModel } from '../../../src/engine/models/load';
import { useBackend } from '../../helpers/backend';
import { fixtureDir } from '../../helpers/fixtures';
import { startFixtureServer, type FixtureServer } from '../../helpers/http-server';

const REPO = 'test-org/tiny-gpt2';
const WEIGHTS_BYTES = readFileSync(path.join(fixtureDir('gpt2'), 'model.safetensors')).byteLength;

let server: FixtureServer;

beforeAll(async () => {
  await useBackend('cpu');
  server = await startFixtureServer({ [REPO]: fixtureDir('gpt2'), 'tiny-vit': fixtureDir('vit') });
});
afterAll(() => server.close());

function hub(repo = REPO, options: Parameters<typeof hubSource>[1] = {}): UrlSource {
  return hubSource(repo, { endpoint: server.url, cache: noModelCache, ...options });
}

/** The promise's rejection, which must be an InputFileError. */
async function inputFileError(promise: Promise<unknown>): Promise<InputFileError> {
  const error = await promise.then(
    () => new Error('expected an InputFileError, but it succeeded'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputFileError);
  return error as InputFileError;
}

/** Logits of the gpt2 fixture's inputs under the model loaded from `source`. */
async function fixtureLogits(source: FileSource): Promise<Float32Array> {
  const model = await loadModel(source);
  const inputs = parseSafetensors(readFileSync(path.join(fixtureDir('gpt2'), 'inputs.safetensors')), 'inputs').read('input_ids');
  const ids = tf.tensor2d(inputs.values as Int32Array, inputs.shape as [number, number], 'int32');
  const logits = model.forward({ inputIds: ids });
  const values = (await logits.data()) as Float32Array;
  tf.dispose([ids, logits]);
  model.dispose();
  return values;
}

describe('hubSource', () => {
  it('loads a model that gives exactly the logits of the same checkpoint on disk', async () => {
    const fromHub = await fixtureLogits(hub());
    const fromDisk = await fixtureLogits(new DirectorySource(fixtureDir('gpt2')));
    expect(fromHub).toEqual(fromDisk);
  });

  it('builds <endpoint>/<repo>/resolve/<revision>/<file> URLs, main by default', () => {
    expect(hub().describe('config.json')).toBe(`${server.url}/${REPO}/resolve/main/config.json`);
    expect(hubSource('gpt2', { cache: noModelCache }).describe('model.safetensors')).toBe(
      'https://huggingface.co/gpt2/resolve/main/model.safetensors',
    );
    // A revision with a slash is one path segment, as the Hub expects.
    expect(hub(REPO, { revision: 'refs/pr/1' }).describe('config.json')).toBe(`${server.url}/${REPO}/resolve/refs%2Fpr%2F1/config.json`);
  });

  it('asks for the revision it was given, and labels the source with it', async () => {
    const source = hub(REPO, { revision: 'v1.0' });
    expect(source.label).toBe(`${REPO}@v1.0`);
    const before = server.requests.length;
    (await loadModel(source)).dispose();
    const paths = server.requests.slice(before).map((r) => r.path);
    expect(paths.length).toBeGreaterThan(0);
    for (const p of paths) expect(p).toMatch(new RegExp(`^/${REPO}/resolve/v1\\.0/`));
  });

  it('reports download progress, ending with loaded = total = the file size', async () => {
    const events: Array<[string, number, number | undefined]> = [];
    const bytes = await hub().read('model.safetensors', (file, loaded, total) => events.push([file, loaded, total]));
    expect(bytes.byteLength).toBe(WEIGHTS_BYTES);
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events.every(([file, , total]) => file === 'model.safetensors' && total === WEIGHTS_BYTES)).toBe(true);
    const loaded = events.map(([, l]) => l);
    expect(loaded).toEqual([...loaded].sort((a, b) => a - b));
    expect(loaded.at(-1)).toBe(WEIGHTS_BYTES);
  });

  it('fetches a model once: a second load with the same cache sends no request', async () => {
    const cache = new MemoryModelCache();
    const first = await fixtureLogits(hub(REPO, { cache }));
    const before = server.requests.length;
    const progress: number[] = [];
    const source = hub(REPO, { cache });
    const model = await loadModel(source, { onProgress: (_, loaded) => progress.push(loaded) });
    model.dispose();
    expect(server.requests.length).toBe(before);
    expect(progress).toEqual([WEIGHTS_BYTES]); // a cache hit still reports its size once
    expect(await fixtureLogits(hub(REPO, { cache }))).toEqual(first);
    expect(cache.urls()).toContain(`${server.url}/${REPO}/resolve/main/model.safetensors`);
  });

  it('keys the cache by revision: another revision is downloaded anew', async () => {
    const cache = new MemoryModelCache();
    (await loadModel(hub(REPO, { cache }))).dispose();
    const before = server.requests.length;
    (await loadModel(hub(REPO, { cache, revision: 'v1.0' }))).dispose();
    expect(server.requests.slice(before).some((r) => r.path.includes('/resolve/v1.0/model.safetensors'))).toBe(true);
  });

  it('sends the access token when given one', async () => {
    const seen: Array<Record<string, string> | undefined> = [];
    const spy: FetchFunction = (input, init) => {
      seen.push(init?.headers as Record<string, string> | undefined);
      return fetch(input, init);
    };
    await hub(REPO, { fetch: spy, token: 'hf_secret' }).read('config.json');
    expect(seen[0]).toEqual({ authorization: 'Bearer hf_secret' });
  });
});

describe('hubSource errors name the URL', () => {
  it('a missing file: has() is false and read() says 404', async () => {
    const source = hub();
    expect(await source.has('tokenizer.json')).toBe(false);
    const error = await inputFileError(source.read('tokenizer.json'));
    expect(error.message).toBe(`${server.url}/${REPO}/resolve/main/tokenizer.json: file not found (HTTP 404)`);
  });

  it('an unknown revision: loadModel says config.json was not found at that URL', async () => {
    const error = await inputFileError(loadModel(hub(REPO, { revision: 'no-such-branch' })));
    expect(error.message).toMatch(new RegExp(`^${server.url}/${REPO}/resolve/no-such-branch/config.json: not found`));
  });

  it.each([
    ['test-org/gated', 401],
    ['test-org/forbidden', 403],
  ])('%s (HTTP %i) is reported as a gated, private or missing repo', async (repo, status) => {
    const error = await inputFileError(loadModel(hub(repo)));
    expect(error.file).toBe(`${server.url}/${repo}/resolve/main/config.json`);
    expect(error.message).toContain(`access denied (HTTP ${status}`);
    expect(error.message).toMatch(/gated or private/);
  });

  it('a server error names the status', async () => {
    const error = await inputFileError(hub('test-org/broken').read('config.json'));
    expect(error.message).toBe(`${server.url}/test-org/broken/resolve/main/config.json: download failed (HTTP 500 Internal Server Error)`);
  });

  it('a connection dropped mid-body is an error, and nothing is cached', async () => {
    const cache = new MemoryModelCache();
    const error = await inputFileError(hub('test-org/dropped', { cache }).read('model.safetensors'));
    expect(error.file).toBe(`${server.url}/test-org/dropped/resolve/main/model.safetensors`);
    expect(error.message).toMatch(new RegExp(`download (interrupted after \\d+ of ${WEIGHTS_BYTES} bytes|incomplete)`));
    expect(error.message).toMatch(/not cached/);
    expect(cache.urls()).toEqual([]);
  });

  it('a download that stalls is aborted after the stall timeout, not left to hang', async () => {
    const cache = new MemoryModelCache();
    const started = Date.now();
    const error = await inputFileError(hub('test-org/stalled', { cache, stallTimeoutMs: 300 }).read('model.safetensors'));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error.message).toMatch(new RegExp(`interrupted after ${WEIGHTS_BYTES >> 1} of ${WEIGHTS_BYTES} bytes \\(nothing arrived for 0.3 s\\)`));
    expect(cache.urls()).toEqual([]);
  });

  it('an unreachable server', async () => {
    const closed = await startFixtureServer({});
    const endpoint = closed.url;
    await closed.close();
    const error = await inputFileError(hubSource(REPO, { endpoint, cache: noModelCache }).has('config.json'));
    expect(error.message).toMatch(new RegExp(`^${endpoint}/${REPO}/resolve/main/config.json: could not be reached`));
  });

  it('a body shorter than its content-length', async () => {
    const short: FetchFunction = async () => new Response(new Uint8Array(8), { headers: { 'content-length': '10' } });
    const cache = new MemoryModelCache();
    const error = await inputFileError(new UrlSource('http://example.test/m/', 'm', { fetch: short, cache }).read('a.bin'));
    expect(error.message).toBe(
      'http://example.test/m/a.bin: download incomplete: received 8 of the 10 bytes announced; it was not cached, try again',
    );
    expect(cache.urls()).toEqual([]);
  });

  it('a body longer than its content-length (compressed in transit, encoding hidden by CORS) is accepted whole', async () => {
    const body = Uint8Array.from({ length: 300 }, (_, i) => i % 251);
    const compressed: FetchFunction = async () =>
      new Response(new ReadableStream({
        start(controller) {
          for (let i = 0; i < 300; i += 100) controller.enqueue(body.slice(i, i + 100));
          controller.close();
        },
      }), { headers: { 'content-length': '120' } });
    const totals: Array<number | undefined> = [];
    const source = new UrlSource('http://example.test/m/', 'm', { fetch: compressed, cache: noModelCache });
    expect(await source.read('config.json', (_, __, total) => totals.push(total))).toEqual(body);
    expect(totals).toEqual([120, 120, undefined, undefined]); // the total is dropped once the body outgrows it
  });
});

describe('validateRepoId', () => {
  it.each(['gpt2', 'openai-community/gpt2', 'roneneldan/TinyStories-1M', 'HuggingFaceTB/SmolLM2-135M', 'a.b_c/d-e.f'])(
    'accepts %s',
    (id) => expect(validateRepoId(` ${id} `)).toBe(id),
  );

  it.each([
    ['', /is empty/],
    ['a/b/c', /more than one "\/"/],
    ['owner/na me', /only letters, digits/],
    ['-owner/name', /must not start or end/],
    ['owner/name.', /must not start or end/],
    ['owner/na--me', /"--" or "\.\."/],
    ['https://huggingface.co/gpt2', /more than one|only letters/],
    [`owner/${'x'.repeat(97)}`, /has a name of 97 characters; the Hub allows at most 96$/],
    [`${'o'.repeat(5000)}/gpt2`, /has an owner of 5000 characters; the Hub allows at most 96$/],
    ['x'.repeat(5000), /has a name of 5000 characters/],
    [`${'a-'.repeat(3000)}/b`, /has an owner of 6000 characters/],
  ])('rejects %j', (id, message) => {
    expect(() => validateRepoId(id)).toThrow(InputFileError);
    expect(() => validateRepoId(id)).toThrow(message);
    expect(() => hubSource(id)).toThrow(`Hugging Face repo id "${id.slice(0, 80)}`);
  });

  it('quotes at most 80 characters of a long id, and says how long it was', () => {
    const id = `${'o'.repeat(5000)}/gpt2`;
    const message = (() => {
      try {
        validateRepoId(id);
      } catch (error) {
        return (error as Error).message;
      }
      return '';
    })();
    expect(message).toBe(`Hugging Face repo id "${'o'.repeat(80)}…" (5005 characters): has an owner of 5000 characters; the Hub allows at most 96`);
  });
});

describe('validateRevision', () => {
  it.each(['main', 'v1.0', 'refs/pr/1', 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678', 'feature/rope-scaling', 'release_2024-01'])(
    'accepts %s',
    (revision) => expect(validateRevision(revision)).toBe(revision),
  );

  it.each([
    ['', /is empty/],
    ['.', /must not be "\." or "\.\."/],
    ['..', /must not be "\." or "\.\."/],
    ['../../etc', /must not be "\." or "\.\."/],
    ['refs/./pr', /must not be "\." or "\.\."/],
    ['/main', /must not start or end with "\/"/],
    ['main/', /must not start or end with "\/"/],
    ['a//b', /contain "\/\/"/],
    ['my branch', /must not contain spaces/],
    ['a..b', /must not contain .*"\.\."/],
    ['a\\b', /must not contain/],
    ['main@{1}', /"@\{"/],
    ['v1.', /must not end with "\."/],
    ['main.lock', /"\.lock"/],
    ['.hidden', /part starting with "\."/],
    ['r'.repeat(5000), /is 5000 characters long; at most 255/],
  ])('rejects %j', (revision, message) => {
    expect(() => validateRevision(revision)).toThrow(InputFileError);
    expect(() => validateRevision(revision)).toThrow(message);
    expect(() => hubSource('gpt2', { revision })).toThrow(/: it is not a branch, tag or commit name$/);
  });
});

describe('UrlSource for bundled models and other HTTP layouts', () => {
  it('loads a bundled model from <base>models/<name>/', async () => {
    const source = bundledModelSource('tiny-vit', { base: `${server.url}/` });
    expect(source.describe('config.json')).toBe(`${server.url}/models/tiny-vit/config.json`);
    const model = await loadModel(source);
    expect(model.config.modelType).toBe('vit');
    model.dispose();
  });

  it('treats the HTML page a single-page-app host sends for a missing file as "not found"', async () => {
    const source = new UrlSource(`${server.url}/spa/models/x`, 'x', { cache: noModelCache });
    expect(await source.has('config.json')).toBe(false);
    expect((await inputFileError(source.read('config.json'))).message).toMatch(/file not found/);
  });

  it('probes with GET when the server refuses HEAD', async () => {
    const noHead: FetchFunction = (input, init) =>
      init?.method === 'HEAD' ? Promise.resolve(new Response(null, { status: 405 })) : fetch(input, init);
    const source = hub(REPO, { fetch: noHead });
    expect(await source.has('config.json')).toBe(true);
    expect(await source.has('nothing-here.json')).toBe(false);
  });

  it('refuses paths that leave the model folder', () => {
    const source = new UrlSource('http://example.test/models/m/', 'm', { cache: noModelCache });
    for (const bad of ['../secret', '/etc/passwd', 'a/./b', '']) expect(() => source.urlOf(bad)).toThrow(InputFileError);
    expect(source.urlOf('sub dir/a#b.json')).toBe('http://example.test/models/m/sub%20dir/a%23b.json');
  });

  it('still loads when the cache cannot store, with a warning', async () => {
    const warnings: string[] = [];
    const full = { kind: 'full cache', has: async () => false, get: async () => undefined, put: async () => Promise.reject(new Error('QuotaExceededError')), clear: async () => {} };
    const bytes = await hub(REPO, { cache: full, onWarning: (w) => warnings.push(w) }).read('config.json');
    expect(bytes.byteLength).toBeGreaterThan(0);
    expect(warnings).toEqual([`${server.url}/${REPO}/resolve/main/config.json was not cached (QuotaExceededError): it will be downloaded again next time`]);
  });
});

describe('model caches', () => {
  /** A stand-in for the browser's CacheStorage, holding Responses by URL. */
  function fakeCacheStorage(): CacheStorage & { names: () => string[] } {
    const stores = new Map<string, Map<string, Response>>();
    const open = async (name: string) => {
      const store = stores.get(name) ?? new Map<string, Response>();
      stores.set(name, store);
      return {
        match: async (url: string) => store.get(url)?.clone(),
        put: async (url: string, response: Response) => void store.set(url, response),
      } as unknown as Cache;
    };
    return { open, delete: async (name: string) => stores.delete(name), names: () => [...stores.keys()] } as unknown as CacheStorage & {
      names: () => string[];
    };
  }

  it('the Cache API cache stores under "wegeft-models", keyed by URL, and clears', async () => {
    const storage = fakeCacheStorage();
    const cache = new CacheApiModelCache(storage);
    expect(await cache.get('http://x/a')).toBeUndefined();
    expect(await cache.has('http://x/a')).toBe(false);
    await cache.put('http://x/a', new Uint8Array([1, 2, 3]));
    expect(await cache.has('http://x/a')).toBe(true);
    expect(storage.names()).toEqual(['wegeft-models']);
    expect(await cache.get('http://x/a')).toEqual(new Uint8Array([1, 2, 3]));
    expect(await cache.get('http://x/b')).toBeUndefined();
    await cache.clear();
    expect(await cache.get('http://x/a')).toBeUndefined();
  });

  it('a hub load through the Cache API cache sends no request the second time', async () => {
    const cache = new CacheApiModelCache(fakeCacheStorage());
    await hub(REPO, { cache }).read('model.safetensors');
    const before = server.requests.length;
    const again = await hub(REPO, { cache }).read('model.safetensors');
    expect(again.byteLength).toBe(WEIGHTS_BYTES);
    expect(server.requests.length).toBe(before);
  });

  it('the memory cache keeps its own copy of the bytes', async () => {
    const cache = new MemoryModelCache();
    const bytes = new Uint8Array([5, 6]);
    await cache.put('u', bytes);
    bytes[0] = 0;
    expect(await cache.get('u')).toEqual(new Uint8Array([5, 6]));
  });

  it('without the Cache API (Node), the default is no cache', () => {
    expect(defaultModelCache()).toBe(noModelCache);
  });
});
