/**
 * What a run was trained on, as plain records the page keeps with the run:
 * the model (where it came from and a hash of its content) and the dataset
 * (its name, a hash of its files and how it was split). Two runs are
 * comparable only when their records match, whatever the labels say.
 */
import type { DataFile } from '../engine/data/types';
import type { FileSource, ProgressCallback } from '../engine/io/source';
import type { DatasetRecord, DatasetSummary, ModelRecord, ModelSourceSpec, ModelSummary } from './protocol';

/** Bytes of the data section sampled per weight file: enough to tell fine-tuned copies of one layout apart. */
const SAMPLES_PER_WEIGHT_FILE = 16;
const SAMPLE_BYTES = 4096;

/**
 * Wraps a model's FileSource so that what the loader reads anyway is hashed
 * on the way through, with no second read: every JSON file whole (config,
 * tokenizer, preprocessing, shard index) and, of each safetensors file, its
 * header plus evenly spaced samples of the data. The header alone names
 * shapes and offsets only, so two checkpoints of one architecture would share
 * it; the samples tell their weights apart at the cost of 64 KB per file.
 */
export class FingerprintingSource implements FileSource {
  private readonly parts = new Map<string, Uint8Array>();
  /** safetensors files the loader read by range (never whole): sampled at fingerprint() instead. */
  private readonly ranged = new Set<string>();
  readPrefix?: FileSource['readPrefix'];
  readRange?: FileSource['readRange'];

  constructor(private readonly inner: FileSource) {
    // Only what the inner source can do: the loader streams a file only when both exist.
    if (inner.readPrefix) this.readPrefix = (path, length) => inner.readPrefix!(path, length);
    if (inner.readRange) {
      this.readRange = (path, begin, end) => {
        if (/\.safetensors$/i.test(path)) this.ranged.add(path);
        return inner.readRange!(path, begin, end);
      };
    }
  }

  get label(): string {
    return this.inner.label;
  }

  has(path: string): Promise<boolean> {
    return this.inner.has(path);
  }

  describe(path: string): string {
    return this.inner.describe(path);
  }

  async read(path: string, onProgress?: ProgressCallback, options?: Parameters<FileSource['read']>[2]): Promise<Uint8Array> {
    const bytes = await this.inner.read(path, onProgress, options);
    if (/\.json$/i.test(path)) this.parts.set(path, bytes);
    else if (/\.safetensors$/i.test(path)) this.parts.set(path, safetensorsDigestInput(bytes));
    return bytes;
  }

  /** The hash of everything read so far, in path order (so read order does not matter). */
  async fingerprint(): Promise<string> {
    for (const path of this.ranged) {
      // The same digest input as a whole read gives, from ~64 KB of reads: one model, one hash, however it was loaded.
      if (!this.parts.has(path)) this.parts.set(path, await rangedDigestInput(this.inner, path));
    }
    const chunks: Uint8Array[] = [];
    for (const path of [...this.parts.keys()].sort()) chunks.push(utf8(`${path}\n`), this.parts.get(path)!);
    return contentHash(chunks);
  }
}

/** The header (length prefix + JSON) of a safetensors file and samples of its data. */
function safetensorsDigestInput(bytes: Uint8Array): Uint8Array {
  if (bytes.byteLength < 8) return bytes;
  const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  const dataStart = Math.min(bytes.byteLength, 8 + headerLength);
  return concat([bytes.subarray(0, dataStart), ...digestRanges(dataStart, bytes.byteLength).map(([a, b]) => bytes.subarray(a, b))]);
}

/** safetensorsDigestInput of a file read by range: its header and the same samples, read on their own. */
async function rangedDigestInput(source: FileSource, path: string): Promise<Uint8Array> {
  const start = await source.readPrefix!(path, 8);
  if (start.bytes.byteLength < 8) return start.bytes;
  const headerLength = Number(new DataView(start.bytes.buffer, start.bytes.byteOffset, 8).getBigUint64(0, true));
  const dataStart = Math.min(start.totalBytes, 8 + headerLength);
  const header = await source.readPrefix!(path, dataStart);
  const samples = await Promise.all(digestRanges(dataStart, start.totalBytes).map(([a, b]) => source.readRange!(path, a, b)));
  return concat([header.bytes, ...samples]);
}

/** The byte ranges of a file's data that its digest samples. */
function digestRanges(dataStart: number, totalBytes: number): Array<[number, number]> {
  const dataLength = totalBytes - dataStart;
  if (dataLength <= SAMPLES_PER_WEIGHT_FILE * SAMPLE_BYTES) return [[dataStart, totalBytes]];
  // From the first byte to the last: the first and last tensors are always covered.
  const stride = (dataLength - SAMPLE_BYTES) / (SAMPLES_PER_WEIGHT_FILE - 1);
  return Array.from({ length: SAMPLES_PER_WEIGHT_FILE }, (_, i) => {
    const start = dataStart + Math.round(i * stride);
    return [start, start + SAMPLE_BYTES] as [number, number];
  });
}

/** The record of a loaded model, from its source spec, its summary and its content hash. */
export function modelRecordOf(spec: ModelSourceSpec, summary: ModelSummary, hash: string): ModelRecord {
  return {
    source: spec.kind,
    id: spec.kind === 'hub' ? spec.repoId : summary.label,
    revision: spec.kind === 'hub' ? (spec.revision ?? 'main') : null,
    label: summary.label,
    hash,
    task: summary.task,
    family: summary.family,
  };
}

/** The record of a loaded dataset: its files' hash and the split the runs train and validate on. */
export async function datasetRecordOf(
  files: { train: DataFile[]; validation: DataFile[] },
  summary: DatasetSummary,
  split: { validationFraction: number; evaluationLimit: number },
): Promise<DatasetRecord> {
  // One hash per file, then one of the list: no copy of a large dataset is made to hash it.
  const lines: string[] = [];
  for (const [role, list] of [['train', files.train], ['validation', files.validation]] as const) {
    for (const file of [...list].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
      lines.push(`${role}:${file.path}:${await contentHash([file.bytes])}`);
    }
  }
  const chunks = [utf8(lines.join('\n'))];
  return {
    name: summary.name,
    hash: await contentHash(chunks),
    task: summary.task,
    split: {
      trainCount: summary.trainCount,
      validationCount: summary.validationCount,
      heldOutFiles: files.validation.length > 0,
      validationFraction: split.validationFraction,
      evaluationLimit: split.evaluationLimit,
    },
  };
}

/**
 * SHA-256 (hex, first 16 bytes) where Web Crypto is available; pages served
 * over plain http from another host have no crypto.subtle, and get FNV-1a
 * instead. The prefix says which, so hashes of the two kinds never match.
 */
export async function contentHash(chunks: Uint8Array[]): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (subtle) {
    const digest = new Uint8Array(await subtle.digest('SHA-256', concat(chunks) as BufferSource));
    return `sha256:${hex(digest.subarray(0, 16))}`;
  }
  return `fnv1a:${fnv1a(chunks)}`;
}

/** 2 × 32-bit FNV-1a with different offsets: 64 bits of a non-cryptographic hash. */
function fnv1a(chunks: Uint8Array[]): string {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (const chunk of chunks) {
    for (let i = 0; i < chunk.length; i++) {
      a = Math.imul(a ^ chunk[i], 0x01000193);
      b = Math.imul(b ^ chunk[i], 0x01000193);
    }
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((x) => x.toString(16).padStart(2, '0')).join('');
}

function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
