/**
 * The streaming reader: a safetensors file read header first, then one byte
 * range per tensor, decoded exactly as the in-memory reader decodes it, and a
 * model load that reports each tensor as it completes and never reads the
 * weights file whole. Truncation after the header was read (mid-tensor) is
 * an InputFileError naming the file and the tensor; tensors stay flat.
 */
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputFileError } from '../../../src/engine/errors';
import { openWeights } from '../../../src/engine/io/checkpoint';
import { DirectorySource } from '../../../src/engine/io/node-source';
import { parseSafetensors, writeSafetensors } from '../../../src/engine/io/safetensors';
import { canStream, openSafetensors } from '../../../src/engine/io/safetensors-stream';
import { BrowserFilesSource, MemorySource, type FilePrefix, type FileSource, type ProgressCallback, type ReadOptions } from '../../../src/engine/io/source';
import { loadModel, type TensorProgress } from '../../../src/engine/models/load';
import { FingerprintingSource } from '../../../src/worker/records';
import { useBackend } from '../../helpers/backend';
import { fixtureDir } from '../../helpers/fixtures';

/** A MemorySource that logs every read it serves. */
class LoggingSource implements FileSource {
  readonly log: string[] = [];
  constructor(private readonly inner: MemorySource) {}
  get label() {
    return this.inner.label;
  }
  has(p: string) {
    return this.inner.has(p);
  }
  describe(p: string) {
    return this.inner.describe(p);
  }
  read(p: string, onProgress?: ProgressCallback, options?: ReadOptions) {
    this.log.push(`read ${p}`);
    return this.inner.read(p, onProgress, options);
  }
  readPrefix(p: string, length: number): Promise<FilePrefix> {
    this.log.push(`prefix ${p} ${length}`);
    return this.inner.readPrefix(p, length);
  }
  readRange(p: string, begin: number, end: number) {
    this.log.push(`range ${p} ${begin} ${end}`);
    return this.inner.readRange(p, begin, end);
  }
}

const fixture = (name: string) => new Uint8Array(readFileSync(path.join(fixtureDir('gpt2'), name)));

/** Two tensors per float dtype the stream converts, with values each dtype holds exactly. */
function mixedFile(): Uint8Array {
  const values = new Float32Array([0.5, -2, 1.25, 3, -0.125, 8]);
  return writeSafetensors([
    { name: 'a', shape: [2, 3], values },
    { name: 'half', shape: [3, 2], values, storeAs: 'F16' },
    { name: 'brain', shape: [6], values, storeAs: 'BF16' },
    { name: 'ids', shape: [3], values: new Int32Array([7, -1, 42]) },
  ]);
}

describe('openSafetensors', () => {
  it('reads the header by prefix, then exactly each tensor’s byte range, decoding as parseSafetensors does', async () => {
    const bytes = mixedFile();
    const source = new LoggingSource(new MemorySource('m', new Map([['w.safetensors', bytes]])));
    const reader = await openSafetensors(source, 'w.safetensors');
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(source.log).toEqual(['prefix w.safetensors 8', `prefix w.safetensors ${8 + headerLength}`]);
    expect([...reader.entries.keys()]).toEqual(['a', 'half', 'brain', 'ids']);
    const whole = parseSafetensors(bytes, 'm/w.safetensors');
    for (const name of reader.entries.keys()) {
      const entry = reader.entries.get(name)!;
      source.log.length = 0;
      const streamed = await reader.read(name);
      expect(source.log).toEqual([`range w.safetensors ${8 + headerLength + entry.begin} ${8 + headerLength + entry.end}`]);
      expect(streamed).toEqual(whole.read(name));
    }
    expect([...(await reader.read('half')).values]).toEqual([0.5, -2, 1.25, 3, -0.125, 8]);
  });

  it('keeps the header’s errors: a header that lies about offsets or overlaps is refused before any data is read', async () => {
    const bytes = mixedFile();
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Record<string, { data_offsets: number[] }>;
    header.half.data_offsets = [0, 12]; // overlaps "a"
    const json = new TextEncoder().encode(JSON.stringify(header));
    const edited = new Uint8Array(8 + json.byteLength + bytes.byteLength - 8 - headerLength);
    new DataView(edited.buffer).setBigUint64(0, BigInt(json.byteLength), true);
    edited.set(json, 8);
    edited.set(bytes.subarray(8 + headerLength), 8 + json.byteLength);
    const source = new LoggingSource(new MemorySource('m', new Map([['w.safetensors', edited]])));
    await expect(openSafetensors(source, 'w.safetensors')).rejects.toThrow(/m\/w\.safetensors.*overlaps/);
    expect(source.log.some((line) => line.startsWith('range') || line.startsWith('read'))).toBe(false);
  });

  it('refuses a header length past the format’s limit, naming the file', async () => {
    const bytes = new Uint8Array(16);
    new DataView(bytes.buffer).setBigUint64(0, 200_000_000n, true);
    const source = new MemorySource('m', new Map([['w.safetensors', bytes]]));
    await expect(openSafetensors(source, 'w.safetensors')).rejects.toThrow(/m\/w\.safetensors.*exceeds the format's limit/);
  });

  it('reads dropped files (Blob.slice) the same way', async () => {
    const bytes = mixedFile();
    const source = new BrowserFilesSource([new File([bytes as Uint8Array<ArrayBuffer>], 'w.safetensors')], 'drop');
    expect(canStream(source)).toBe(true);
    const reader = await openSafetensors(source, 'w.safetensors');
    expect(await reader.read('brain')).toEqual(parseSafetensors(bytes, 'x').read('brain'));
  });
});

describe('a file on disk cut short after its header was read', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'stream-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('fails on the tensor it cuts into, naming the file, the tensor and where the file ends', async () => {
    const bytes = mixedFile();
    writeFileSync(path.join(dir, 'w.safetensors'), bytes);
    const source = new DirectorySource(dir);
    const reader = await openSafetensors(source, 'w.safetensors');
    const half = reader.entries.get('half')!;
    const dataStart = bytes.byteLength - [...reader.entries.values()].reduce((n, e) => n + e.end - e.begin, 0);
    truncateSync(path.join(dir, 'w.safetensors'), dataStart + half.begin + 5);
    expect(await reader.read('a')).toEqual(parseSafetensors(bytes, 'x').read('a')); // before the cut: still whole
    const error = await reader.read('half').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputFileError);
    expect((error as Error).message).toContain(path.join(dir, 'w.safetensors'));
    expect((error as Error).message).toContain('"half"');
    expect((error as Error).message).toMatch(/only 5 of its 12 bytes .* ends at byte \d+, inside this tensor/);
  });
});

describe('loadModel streams the weights tensor by tensor', () => {
  beforeAll(() => useBackend('cpu'));

  it('never reads model.safetensors whole, reports every tensor once in order, and leaves no tensor behind', async () => {
    const files = new Map([
      ['config.json', fixture('config.json')],
      ['model.safetensors', fixture('model.safetensors')],
    ]);
    const source = new LoggingSource(new MemorySource('gpt2', files));
    const progress: TensorProgress[] = [];
    const before = tf.memory().numTensors;
    const model = await loadModel(source, { onTensor: (p) => progress.push(p) });
    expect(source.log).not.toContain('read model.safetensors');
    const header = parseSafetensors(fixture('model.safetensors'), 'x');
    const expectedBytes = progress.reduce((n, p) => n + p.bytes, 0);
    expect(progress.map((p) => p.index)).toEqual(progress.map((_, i) => i + 1));
    expect(new Set(progress.map((p) => p.count))).toEqual(new Set([progress.length]));
    expect(new Set(progress.map((p) => p.name)).size).toBe(progress.length);
    for (const p of progress) {
      const entry = header.entries.get(p.name)!;
      expect(p.bytes).toBe(entry.end - entry.begin);
      expect(p.path).toBe('model.safetensors');
    }
    expect(progress.map((p) => p.loadedBytes)).toEqual(progress.map((_, i) => progress.slice(0, i + 1).reduce((n, q) => n + q.bytes, 0)));
    expect(progress.at(-1)!.loadedBytes).toBe(progress[0].totalBytes);
    expect(progress[0].totalBytes).toBe(expectedBytes);
    // The loaded weights are the file's.
    const name = progress[3].name;
    const param = model.baseParam(model.parameterNames().find((key) => key.endsWith(name))!);
    expect([...(param.dataSync() as Float32Array)]).toEqual([...header.read(name).values]);
    expect(tf.memory().numTensors - before).toBe(model.parameterNames().length);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a checkpoint folder cut mid-tensor fails naming the file and tensor, with no tensors left over', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'stream-load-'));
    try {
      copyFileSync(path.join(fixtureDir('gpt2'), 'config.json'), path.join(dir, 'config.json'));
      copyFileSync(path.join(fixtureDir('gpt2'), 'model.safetensors'), path.join(dir, 'model.safetensors'));
      const size = readFileSync(path.join(dir, 'model.safetensors')).byteLength;
      const before = tf.memory().numTensors;
      const cut = Math.floor(size * 0.6);
      let cutDone = false;
      const error = await loadModel(new DirectorySource(dir), {
        onTensor: (p) => {
          // The file shrinks while the load is under way, after its header was checked against its size.
          if (!cutDone && p.index === 2) {
            truncateSync(path.join(dir, 'model.safetensors'), cut);
            cutDone = true;
          }
        },
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InputFileError);
      expect((error as Error).message).toContain(path.join(dir, 'model.safetensors'));
      expect((error as Error).message).toMatch(/could be read: the file ends at byte \d+, inside this tensor/);
      expect(tf.memory().numTensors).toBe(before);
      // Cut before the load starts, the header's own check names the truncation, as it always did.
      const again = await loadModel(new DirectorySource(dir)).catch((e: unknown) => e);
      expect((again as Error).message).toMatch(/truncated/);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('openWeights falls back to whole-file reads for a source without ranges', async () => {
    const files = new Map([['model.safetensors', mixedFile()]]);
    const memory = new MemorySource('m', files);
    const plain: FileSource = { label: 'm', has: (p) => memory.has(p), read: (p, cb, o) => memory.read(p, cb, o), describe: (p) => memory.describe(p) };
    const index = await openWeights(plain);
    expect(index.get('a')!.streamed).toBe(false);
    expect(await index.get('half')!.read('half')).toEqual(parseSafetensors(mixedFile(), 'x').read('half'));
  });
});

describe('the worker’s fingerprint', () => {
  it('is the same for a model read by range as for the same model read whole', async () => {
    const files = new Map([
      ['config.json', fixture('config.json')],
      ['model.safetensors', fixture('model.safetensors')],
    ]);
    const whole = new FingerprintingSource(new MemorySource('gpt2', files));
    await whole.read('config.json');
    await whole.read('model.safetensors');
    const ranged = new FingerprintingSource(new MemorySource('gpt2', files));
    await ranged.read('config.json');
    const reader = await openSafetensors(ranged, 'model.safetensors');
    await reader.read([...reader.entries.keys()][0]);
    expect(await ranged.fingerprint()).toBe(await whole.fingerprint());
    // And it still tells two checkpoints of one layout apart.
    const other = fixture('model.safetensors');
    other[other.byteLength - 1] ^= 1;
    const changed = new FingerprintingSource(new MemorySource('gpt2', new Map([...files, ['model.safetensors', other]])));
    await changed.read('config.json');
    await (await openSafetensors(changed, 'model.safetensors')).read([...reader.entries.keys()][0]);
    expect(await changed.fingerprint()).not.toBe(await whole.fingerprint());
  });
});
