import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySource } from '../../src/engine/io/source';
import { MemoryModelCache } from '../../src/engine/io/model-cache';
import { hubSource } from '../../src/engine/io/url-source';
import { measureDownload } from '../../src/worker/download-size';
import { datasetRecordOf, FingerprintingSource } from '../../src/worker/records';
import type { DatasetSummary } from '../../src/worker/protocol';
import { startFixtureServer, type FixtureServer } from '../helpers/http-server';

const VIT = join(process.cwd(), 'tests', 'fixtures', 'reference', 'vit');
const config = readFileSync(join(VIT, 'config.json'));
const weights = readFileSync(join(VIT, 'model.safetensors'));

/** Reads what a load reads, through the fingerprinting wrapper, and returns the hash. */
async function fingerprintOf(files: Record<string, Uint8Array>): Promise<string> {
  const source = new FingerprintingSource(new MemorySource('m', new Map(Object.entries(files))));
  for (const path of Object.keys(files)) await source.read(path);
  return source.fingerprint();
}

describe('a model is recognised by its content', () => {
  it('the same files give the same hash, whatever the order they are read in', async () => {
    const a = await fingerprintOf({ 'config.json': config, 'model.safetensors': weights });
    const b = await fingerprintOf({ 'model.safetensors': weights, 'config.json': config });
    expect(a).toMatch(/^sha256:[0-9a-f]{32}$/);
    expect(b).toBe(a);
  });

  it('a checkpoint of the same layout with other weights (a fine-tuned copy) hashes differently', async () => {
    const tuned = new Uint8Array(weights);
    tuned[tuned.length - 10] ^= 0xff; // one byte of the last tensor's data: the header is unchanged
    const a = await fingerprintOf({ 'config.json': config, 'model.safetensors': weights });
    expect(await fingerprintOf({ 'config.json': config, 'model.safetensors': tuned })).not.toBe(a);
  });

  it('another config (or tokenizer) hashes differently', async () => {
    const a = await fingerprintOf({ 'config.json': config, 'model.safetensors': weights });
    const other = new TextEncoder().encode(config.toString().replace('{', '{"note": 1, '));
    expect(await fingerprintOf({ 'config.json': other, 'model.safetensors': weights })).not.toBe(a);
    expect(await fingerprintOf({ 'config.json': config, 'model.safetensors': weights, 'tokenizer.json': new Uint8Array([123, 125]) })).not.toBe(a);
  });
});

describe('a dataset record', () => {
  const summary = { name: 'notes.txt', task: 'causal-lm', trainCount: 9, validationCount: 1 } as DatasetSummary;
  const file = (path: string, text: string) => ({ path, bytes: new TextEncoder().encode(text) });

  it('names the data, its split, and hashes every file', async () => {
    const record = await datasetRecordOf({ train: [file('notes.txt', 'a\n\nb')], validation: [] }, summary, { validationFraction: 0.1, evaluationLimit: 32 });
    expect(record).toMatchObject({ name: 'notes.txt', task: 'causal-lm', split: { trainCount: 9, validationCount: 1, heldOutFiles: false, validationFraction: 0.1, evaluationLimit: 32 } });
    const changed = await datasetRecordOf({ train: [file('notes.txt', 'a\n\nc')], validation: [] }, summary, { validationFraction: 0.1, evaluationLimit: 32 });
    expect(changed.hash).not.toBe(record.hash);
    const held = await datasetRecordOf({ train: [file('notes.txt', 'a\n\nb')], validation: [file('notes.val.txt', 'z')] }, summary, { validationFraction: 0.1, evaluationLimit: 32 });
    expect(held.split.heldOutFiles).toBe(true);
    expect(held.hash).not.toBe(record.hash);
  });
});

describe('what a Hub model would download, before downloading it', () => {
  let server: FixtureServer;
  beforeAll(async () => {
    server = await startFixtureServer({ 'test-org/tiny-vit': VIT });
  });
  afterAll(() => server.close());

  it('sizes each file the loader reads by HEAD, downloading no weights', async () => {
    const source = hubSource('test-org/tiny-vit', { endpoint: server.url, fetch: (u, i) => fetch(u, i) });
    server.requests.length = 0;
    const files = await measureDownload(source, { fetch: (u, i) => fetch(u, i), cache: new MemoryModelCache() });
    expect(files).toEqual([
      { path: 'config.json', bytes: config.byteLength, cached: false },
      { path: 'model.safetensors', bytes: weights.byteLength, cached: false },
    ]);
    expect(server.requests.filter((r) => r.method !== 'HEAD')).toEqual([]);
  });

  it('says which files the browser cache already has', async () => {
    const cache = new MemoryModelCache();
    const source = hubSource('test-org/tiny-vit', { endpoint: server.url, fetch: (u, i) => fetch(u, i) });
    await cache.put(source.urlOf('model.safetensors'), weights);
    const files = await measureDownload(source, { fetch: (u, i) => fetch(u, i), cache });
    expect(files.find((f) => f.path === 'model.safetensors')?.cached).toBe(true);
  });

  it('a repo that is not there, or refuses access, is an error naming the URL', async () => {
    const measure = (repo: string) =>
      measureDownload(hubSource(repo, { endpoint: server.url, fetch: (u, i) => fetch(u, i) }), { fetch: (u, i) => fetch(u, i), cache: new MemoryModelCache() });
    await expect(measure('test-org/nothing-here')).rejects.toThrow(/test-org\/nothing-here\/resolve\/main\/config\.json.*not found/);
    await expect(measure('test-org/gated')).rejects.toThrow(/config\.json.*HTTP 401/);
  });
});
