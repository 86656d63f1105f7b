/**
 * Files too large for what they are: each is refused as too large, with the
 * limit, naming the file or URL, before it is read, decoded or allocated
 * where the size is known first, and never reported as bad UTF-8 or as a
 * bare RangeError. Sizes are faked (an object with a byteLength, a
 * content-length header, a sparse file): nothing large is allocated.
 */
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputFileError } from '../../../src/engine/errors';
import { readConfig } from '../../../src/engine/io/checkpoint';
import { MAX_DOWNLOAD_BYTES, readBody } from '../../../src/engine/io/download';
import { noModelCache } from '../../../src/engine/io/model-cache';
import { DirectorySource } from '../../../src/engine/io/node-source';
import { checkFileSize, formatBytes } from '../../../src/engine/io/size-limits';
import { BrowserFilesSource, decodeUtf8Text, MAX_JSON_BYTES, MAX_TEXT_BYTES, MemorySource, readJson, readText } from '../../../src/engine/io/source';
import { UrlSource, type FetchFunction } from '../../../src/engine/io/url-source';

const MiB = 1024 * 1024;

/** Bytes that say they are `length` long, for size checks that must not read them. */
const fakeBytes = (length: number) => ({ byteLength: length }) as Uint8Array;

async function rejection(promise: Promise<unknown>): Promise<InputFileError> {
  const error = await promise.then(
    () => new Error('expected an InputFileError, but it succeeded'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputFileError);
  return error as InputFileError;
}

describe('formatBytes and checkFileSize', () => {
  it('write sizes as people read them', () => {
    expect([formatBytes(0), formatBytes(1536), formatBytes(16 * MiB), formatBytes(MAX_TEXT_BYTES), formatBytes(8 * 1024 ** 3)]).toEqual([
      '0 bytes', '1.5 KiB', '16 MiB', '512.0 MiB', '8 GiB',
    ]);
  });

  it('pass at the limit, fail one byte past it', () => {
    expect(() => checkFileSize('a.json', 100, 100)).not.toThrow();
    expect(() => checkFileSize('a.json', 101, 100)).toThrow('a.json: is too large: 101 bytes (101 bytes), more than the 100 bytes limit for this file');
    expect(() => checkFileSize('a.json', 10 ** 12, undefined)).not.toThrow();
  });
});

describe('text and JSON', () => {
  it('a text over ~512 MiB is "too large", not "invalid UTF-8"', () => {
    const decode = () => decodeUtf8Text(fakeBytes(600 * MiB), 'corpus.txt');
    expect(decode).toThrow(InputFileError);
    expect(decode).toThrow('corpus.txt: is too large: 600 MiB (629145600 bytes), more than the 512.0 MiB limit for this file');
  });

  it('bad UTF-8 within the limit is still bad UTF-8', () => {
    expect(() => decodeUtf8Text(new Uint8Array([0xff, 0xfe]), 'x.txt')).toThrow('x.txt: is not UTF-8 text');
  });

  it('a 512 MiB config.json is "too large", with the 16 MiB limit, not "not UTF-8 text"', async () => {
    const source = new MemorySource('m', new Map([['config.json', fakeBytes(512 * MiB)]]));
    const error = await rejection(readConfig(source));
    expect(error.message).toBe('m/config.json: is too large: 512 MiB (536870912 bytes), more than the 16 MiB limit for this file');
  });

  it('readJson and readText take a smaller limit when asked', async () => {
    const source = new MemorySource('m', new Map([['a.json', new TextEncoder().encode('{"a": 1}')]]));
    expect(await readJson(source, 'a.json')).toEqual({ a: 1 });
    expect(MAX_JSON_BYTES).toBe(16 * MiB);
    await expect(readJson(source, 'a.json', { maxBytes: 4 })).rejects.toThrow('m/a.json: is too large: 8 bytes (8 bytes), more than the 4 bytes limit');
    await expect(readText(source, 'a.json', undefined, { maxBytes: 7 })).rejects.toThrow(/more than the 7 bytes limit/);
  });

  it('readJson can refuse a key given twice', async () => {
    const source = new MemorySource('m', new Map([['i.json', new TextEncoder().encode('{"a": 1, "a": 2}')]]));
    expect(await readJson(source, 'i.json')).toEqual({ a: 2 }); // JSON.parse's own rule, where it is harmless
    await expect(readJson(source, 'i.json', { rejectDuplicateKeys: true })).rejects.toThrow('m/i.json: gives the key "a" twice');
  });
});

describe('each source checks the size before reading', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'size-limits-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a file on disk: stat first (a sparse 3 GiB file is never read)', async () => {
    const file = path.join(dir, 'config.json');
    writeFileSync(file, '');
    truncateSync(file, 3 * 1024 ** 3); // sparse: no disk space, no memory
    const error = await rejection(readConfig(new DirectorySource(dir)));
    expect(error.message).toBe(`${file}: is too large: 3 GiB (3221225472 bytes), more than the 16 MiB limit for this file`);
  });

  it('a dropped File: its size, before arrayBuffer()', async () => {
    let read = false;
    const file = Object.assign(new File(['{}'], 'config.json'), {});
    Object.defineProperty(file, 'size', { value: 40 * MiB });
    file.arrayBuffer = async () => {
      read = true;
      return new ArrayBuffer(0);
    };
    const error = await rejection(readConfig(new BrowserFilesSource([file], 'dropped')));
    expect(error.message).toBe('dropped/config.json: is too large: 40 MiB (41943040 bytes), more than the 16 MiB limit for this file');
    expect(read).toBe(false);
  });

  it('a URL: its content-length, before the body is read', async () => {
    let pulled = 0;
    const fetch: FetchFunction = async () =>
      new Response(new ReadableStream({ pull: (c) => void (pulled++, c.enqueue(new Uint8Array(1))) }), { headers: { 'content-length': String(20 * MiB) } });
    const source = new UrlSource('http://example.test/m/', 'm', { fetch, cache: noModelCache });
    const error = await rejection(readConfig(source));
    expect(error.message).toBe(
      'http://example.test/m/config.json: is announced (content-length) as too large: 20 MiB (20971520 bytes), more than the 16 MiB limit for this file',
    );
    expect(pulled).toBeLessThanOrEqual(4); // the streams' own read-ahead (HEAD and GET), a byte each; nothing read
  });
});

describe('downloads', () => {
  const url = 'https://huggingface.co/o/m/resolve/main/model.safetensors';
  const options = { url, path: 'model.safetensors', stallTimeoutMs: 5_000 };

  it('an absurd content-length is an InputFileError naming the URL, not a RangeError from the allocation', async () => {
    const response = new Response(new Uint8Array(4), { headers: { 'content-length': String(10 ** 15) } });
    const error = await rejection(readBody(response, options));
    expect(error.message).toBe(
      `${url}: is announced (content-length) as too large: 909.5 TiB (1000000000000000 bytes), more than the 8 GiB limit for this file`,
    );
    expect(MAX_DOWNLOAD_BYTES).toBe(8 * 1024 ** 3);
  });

  it('a body without a length that keeps coming stops at the limit', async () => {
    let sent = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += 1024;
        controller.enqueue(new Uint8Array(1024));
      },
    });
    const error = await rejection(readBody(new Response(endless), { ...options, maxBytes: 10_000 }));
    expect(error.message).toBe(`${url}: is, so far, too large: 10 KiB (10240 bytes), more than the 9.8 KiB limit for this file`);
    expect(sent).toBeLessThan(20_000);
  });
});
