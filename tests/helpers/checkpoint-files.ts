/**
 * A RandomCheckpoint (random-checkpoint.ts) as the files of a checkpoint
 * folder, in the real-world variants a loader must accept: with or without
 * the base-model prefix, extra buffers, tensors left out, sharded with
 * model.safetensors.index.json, stored as F32, F16 or BF16. Also random
 * model inputs for it. Import these through random-checkpoint.ts.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeSafetensors } from '../../src/engine/io/safetensors';
import { MemorySource } from '../../src/engine/io/source';
import type { ModelInputs } from '../../src/engine/models/types';
import { createRng } from '../../src/engine/random';
import type { NamedTensor, RandomCheckpoint } from './random-checkpoint';

export type FloatDtype = 'F32' | 'F16' | 'BF16';

export interface CheckpointFileOptions {
  /** Store base-model keys without their prefix, as the hub's `gpt2` and bare LlamaModel/ViTModel checkpoints do. */
  withoutBasePrefix?: boolean;
  /** Canonical names to leave out (a tied lm_head, a classifier). */
  omit?: string[];
  /** More tensors to store, under the names given (buffers such as `h.0.attn.bias`). */
  extra?: NamedTensor[];
  /** 1 (default): model.safetensors; more: that many shards plus model.safetensors.index.json. */
  shards?: number;
  /** How float tensors are stored (default F32). */
  dtype?: FloatDtype;
  /** Replaces config.json (default: the checkpoint's own). */
  config?: Record<string, unknown>;
}

// ---------------------------------------------------------------------------
// half-precision encodings

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 → IEEE binary16 bits, round to nearest even (overflow → ±Infinity). */
function toHalfBits(value: number): number {
  f32[0] = value;
  const bits = u32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  let mantissa = bits & 0x7fffff;
  if (((bits >>> 23) & 0xff) === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  if (exponent >= 0x1f) return sign | 0x7c00;
  // Normal: keep 10 of 23 mantissa bits. Subnormal: shift the implicit 1 in too.
  const shift = exponent > 0 ? 13 : 14 - exponent;
  if (shift > 24) return sign;
  if (exponent <= 0) mantissa |= 0x800000;
  let half = (exponent > 0 ? exponent << 10 : 0) | (mantissa >>> shift);
  const remainder = mantissa & ((1 << shift) - 1);
  const halfway = 1 << (shift - 1);
  if (remainder > halfway || (remainder === halfway && half & 1)) half++; // a carry into the exponent is right
  return sign | half;
}

function fromHalfBits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >>> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1024 + fraction) * 2 ** (exponent - 25);
}

/** float32 → bfloat16 bits (the top half of the float32), round to nearest even. */
function toBfloat16Bits(value: number): number {
  f32[0] = value;
  const bits = u32[0];
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

function fromBfloat16Bits(b: number): number {
  u32[0] = b << 16;
  return f32[0];
}

/** The values as they come back after being stored as `dtype`: what a model loaded from such a file holds. */
export function roundToDtype(values: Float32Array, dtype: FloatDtype): Float32Array {
  if (dtype === 'F32') return values.slice();
  const encode = dtype === 'F16' ? toHalfBits : toBfloat16Bits;
  const decode = dtype === 'F16' ? fromHalfBits : fromBfloat16Bits;
  return values.map((v) => decode(encode(v)));
}

/** A safetensors file with float tensors stored as `dtype` (writeSafetensors writes only F32). */
export function encodeSafetensors(tensors: NamedTensor[], dtype: FloatDtype = 'F32'): Uint8Array {
  if (dtype === 'F32') return writeSafetensors(tensors);
  const encode = dtype === 'F16' ? toHalfBits : toBfloat16Bits;
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype, shape: t.shape, data_offsets: [offset, offset + 2 * t.values.length] };
    offset += 2 * t.values.length;
  }
  const json = JSON.stringify(header);
  const headerBytes = new TextEncoder().encode(json + ' '.repeat((8 - (json.length % 8)) % 8));
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let position = 8 + headerBytes.length;
  for (const t of tensors) {
    for (const v of t.values) {
      view.setUint16(position, encode(v), true);
      position += 2;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// checkpoint folders

function storedTensors(ckpt: RandomCheckpoint, options: CheckpointFileOptions): NamedTensor[] {
  const omitted = new Set(options.omit ?? []);
  for (const name of omitted) {
    if (!ckpt.weights.has(name)) throw new Error(`checkpointFiles: nothing named "${name}" to omit`);
  }
  const rename = (name: string) =>
    options.withoutBasePrefix && name.startsWith(ckpt.basePrefix) ? name.slice(ckpt.basePrefix.length) : name;
  const kept = ckpt.tensors.filter((t) => !omitted.has(t.name)).map((t) => ({ ...t, name: rename(t.name) }));
  return [...kept, ...(options.extra ?? [])];
}

/** Splits tensors into `count` contiguous shards of about equal element counts. */
function splitIntoShards(tensors: NamedTensor[], count: number): NamedTensor[][] {
  const total = tensors.reduce((sum, t) => sum + t.values.length, 0);
  const shards: NamedTensor[][] = Array.from({ length: count }, () => []);
  let seen = 0;
  for (const t of tensors) {
    shards[Math.min(count - 1, Math.floor((seen * count) / total))].push(t);
    seen += t.values.length;
  }
  if (shards.some((s) => s.length === 0)) throw new Error(`checkpointFiles: too few tensors for ${count} shards`);
  return shards;
}

/** The checkpoint folder's files by name: config.json and the weight file(s). */
export function checkpointFiles(ckpt: RandomCheckpoint, options: CheckpointFileOptions = {}): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  files.set('config.json', new TextEncoder().encode(JSON.stringify(options.config ?? ckpt.config, null, 2)));
  const tensors = storedTensors(ckpt, options);
  const count = options.shards ?? 1;
  if (count <= 1) {
    files.set('model.safetensors', encodeSafetensors(tensors, options.dtype));
    return files;
  }
  const weightMap: Record<string, string> = {};
  let totalSize = 0;
  splitIntoShards(tensors, count).forEach((shard, i) => {
    const name = `model-${String(i + 1).padStart(5, '0')}-of-${String(count).padStart(5, '0')}.safetensors`;
    const bytes = encodeSafetensors(shard, options.dtype);
    files.set(name, bytes);
    totalSize += bytes.length;
    for (const t of shard) weightMap[t.name] = name;
  });
  const index = { metadata: { total_size: totalSize }, weight_map: weightMap };
  files.set('model.safetensors.index.json', new TextEncoder().encode(JSON.stringify(index, null, 2)));
  return files;
}

/** The checkpoint as an in-memory FileSource, ready for loadModel. */
export function checkpointSource(ckpt: RandomCheckpoint, options: CheckpointFileOptions = {}, label?: string): MemorySource {
  return new MemorySource(label ?? `random-${ckpt.family}`, checkpointFiles(ckpt, options));
}

/** Writes the checkpoint's files into `dir` (created if needed). */
export async function writeCheckpoint(dir: string, ckpt: RandomCheckpoint, options: CheckpointFileOptions = {}): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  for (const [name, bytes] of checkpointFiles(ckpt, options)) await fs.writeFile(path.join(dir, name), bytes);
}

// ---------------------------------------------------------------------------
// inputs

/** Token ids (B, T) or images (B, C, H, W), as plain row-major arrays. */
export type RandomInputs =
  | { ids: Int32Array; batch: number; seqLength: number }
  | { pixels: Float32Array; batch: number; channels: number; height: number; width: number };

/**
 * Inputs the checkpoint accepts: token ids uniform over the vocabulary, or
 * images ~ N(0, 1) (what normalised pixels look like).
 */
export function randomInputs(
  ckpt: RandomCheckpoint,
  { batch, seqLength = 1, seed = 0 }: { batch: number; seqLength?: number; seed?: number },
): RandomInputs {
  const uniform = createRng(seed);
  const c = ckpt.config;
  if (ckpt.family !== 'vit') {
    const vocab = c.vocab_size as number;
    const ids = Int32Array.from({ length: batch * seqLength }, () => Math.floor(uniform() * vocab));
    return { ids, batch, seqLength };
  }
  const size = c.image_size as number;
  const channels = c.num_channels as number;
  const pixels = new Float32Array(batch * channels * size * size);
  for (let i = 0; i < pixels.length; i++) {
    pixels[i] = Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  }
  return { pixels, batch, channels, height: size, width: size };
}

/** The inputs as the engine's ModelInputs (new tensors: the caller disposes them). */
export function toModelInputs(inputs: RandomInputs): ModelInputs {
  if ('ids' in inputs) return { inputIds: tf.tensor2d(inputs.ids, [inputs.batch, inputs.seqLength], 'int32') };
  const { pixels, batch, channels, height, width } = inputs;
  return { pixelValues: tf.tensor4d(pixels, [batch, channels, height, width]) };
}
