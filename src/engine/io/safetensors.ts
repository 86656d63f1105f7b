/**
 * safetensors reader and writer (https://huggingface.co/docs/safetensors).
 *
 * Layout: an 8-byte little-endian header length N, N bytes of JSON mapping
 * each tensor name to {dtype, shape, data_offsets: [begin, end]} (offsets are
 * relative to the end of the header), then the raw little-endian data.
 *
 * The reader validates before it trusts: the header must fit in the file,
 * offsets must lie inside the data and not overlap, and every tensor's byte
 * length must equal its element count times its dtype's size. Floating dtypes
 * (F64, F32, F16, BF16) are read as float32; integer dtypes as int32 (I64
 * values must fit). Any violation is an InputFileError naming the file and
 * the tensor.
 */
import { InputFileError } from '../errors';

export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

const BYTES_PER_ELEMENT: Record<SafetensorsDtype, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1,
};
const FLOAT_DTYPES = new Set<SafetensorsDtype>(['F64', 'F32', 'F16', 'BF16']);

/** A header larger than this is not a real checkpoint (the spec caps it at 100 MB). */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export interface TensorEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Byte range inside the data section, [begin, end). */
  begin: number;
  end: number;
}

/** A tensor decoded to the two dtypes the engine computes with. */
export type DecodedTensor =
  | { dtype: 'float32'; shape: number[]; values: Float32Array }
  | { dtype: 'int32'; shape: number[]; values: Int32Array };

export interface SafetensorsFile {
  /** The file's name, used in every error. */
  file: string;
  metadata: Record<string, string>;
  /** Entries in header order. */
  entries: Map<string, TensorEntry>;
  /** Decodes one tensor; throws InputFileError for an unknown name. */
  read(name: string): DecodedTensor;
}

function elementCount(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function validateEntry(file: string, name: string, raw: unknown, dataBytes: number): TensorEntry {
  if (typeof raw !== 'object' || raw === null) {
    throw new InputFileError(file, 'header entry is not an object', name);
  }
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (typeof dtype !== 'string' || !(dtype in BYTES_PER_ELEMENT)) {
    throw new InputFileError(file, `unsupported dtype ${JSON.stringify(dtype)}`, name);
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new InputFileError(file, `invalid shape ${JSON.stringify(shape)}`, name);
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
    offsets[0] > offsets[1]
  ) {
    throw new InputFileError(file, `invalid data_offsets ${JSON.stringify(offsets)}`, name);
  }
  const [begin, end] = offsets as [number, number];
  if (end > dataBytes) {
    throw new InputFileError(
      file,
      `data ends at byte ${end} but the file holds only ${dataBytes} bytes of data (truncated file?)`,
      name,
    );
  }
  const expected = elementCount(shape as number[]) * BYTES_PER_ELEMENT[dtype as SafetensorsDtype];
  if (end - begin !== expected) {
    throw new InputFileError(
      file,
      `${dtype} ${JSON.stringify(shape)} needs ${expected} bytes but its data_offsets span ${end - begin}`,
      name,
    );
  }
  return { name, dtype: dtype as SafetensorsDtype, shape: shape as number[], begin, end };
}

/** Parses and validates a safetensors file held in memory. Tensors decode lazily. */
export function parseSafetensors(bytes: Uint8Array, file: string): SafetensorsFile {
  if (bytes.byteLength < 8) {
    throw new InputFileError(file, `not a safetensors file: only ${bytes.byteLength} bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.byteLength - 8 || headerLength > MAX_HEADER_BYTES) {
    throw new InputFileError(
      file,
      `not a safetensors file, or truncated: header length ${headerLength} exceeds the file's ${bytes.byteLength} bytes`,
    );
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch {
    throw new InputFileError(file, 'not a safetensors file: its header is not valid JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new InputFileError(file, 'not a safetensors file: its header is not a JSON object');
  }
  const dataStart = 8 + headerLength;
  const dataBytes = bytes.byteLength - dataStart;
  const entries = new Map<string, TensorEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw === 'object' && raw !== null) metadata = raw as Record<string, string>;
      continue;
    }
    entries.set(name, validateEntry(file, name, raw, dataBytes));
  }
  const byOffset = [...entries.values()].filter((e) => e.end > e.begin).sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < byOffset.length; i++) {
    if (byOffset[i].begin < byOffset[i - 1].end) {
      throw new InputFileError(file, `its data overlaps that of "${byOffset[i - 1].name}"`, byOffset[i].name);
    }
  }

  const read = (name: string): DecodedTensor => {
    const entry = entries.get(name);
    if (!entry) throw new InputFileError(file, 'no such tensor in the file', name);
    return decode(file, entry, bytes.subarray(dataStart + entry.begin, dataStart + entry.end));
  };
  return { file, metadata, entries, read };
}

/** Copies into a fresh, aligned buffer: data offsets need not be multiples of the element size. */
function aligned(raw: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(raw.byteLength);
  copy.set(raw);
  return copy.buffer;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

function decode(file: string, entry: TensorEntry, raw: Uint8Array): DecodedTensor {
  const n = elementCount(entry.shape);
  const shape = entry.shape.slice();
  const buffer = aligned(raw);
  switch (entry.dtype) {
    case 'F32':
      return { dtype: 'float32', shape, values: new Float32Array(buffer) };
    case 'F64':
      return { dtype: 'float32', shape, values: Float32Array.from(new Float64Array(buffer)) };
    case 'F16': {
      const halves = new Uint16Array(buffer);
      const values = new Float32Array(n);
      for (let i = 0; i < n; i++) values[i] = halfToFloat(halves[i]);
      return { dtype: 'float32', shape, values };
    }
    case 'BF16': {
      // bfloat16 is the top half of a float32.
      const halves = new Uint16Array(buffer);
      const bits = new Uint32Array(n);
      for (let i = 0; i < n; i++) bits[i] = halves[i] << 16;
      return { dtype: 'float32', shape, values: new Float32Array(bits.buffer) };
    }
    case 'I64': {
      const wide = new BigInt64Array(buffer);
      const values = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = wide[i];
        if (v > 2147483647n || v < -2147483648n) {
          throw new InputFileError(file, `I64 value ${v} at index ${i} does not fit in int32`, entry.name);
        }
        values[i] = Number(v);
      }
      return { dtype: 'int32', shape, values };
    }
    case 'I32':
      return { dtype: 'int32', shape, values: new Int32Array(buffer) };
    case 'I16':
      return { dtype: 'int32', shape, values: Int32Array.from(new Int16Array(buffer)) };
    case 'I8':
      return { dtype: 'int32', shape, values: Int32Array.from(new Int8Array(buffer)) };
    case 'U8':
    case 'BOOL':
      return { dtype: 'int32', shape, values: Int32Array.from(new Uint8Array(buffer)) };
  }
}

export function isFloatDtype(dtype: SafetensorsDtype): boolean {
  return FLOAT_DTYPES.has(dtype);
}

/** A tensor to write: float32 data is stored as F32, int32 as I32. */
export interface TensorToWrite {
  name: string;
  shape: number[];
  values: Float32Array | Int32Array;
}

/**
 * Serialises tensors in the given order (PyTorch's safetensors sorts nothing
 * either; readers do not care). The header is padded with spaces to a
 * multiple of 8 bytes so the data section is aligned, as the reference
 * implementation does.
 */
export function writeSafetensors(tensors: TensorToWrite[], metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    if (elementCount(t.shape) !== t.values.length) {
      throw new Error(`writeSafetensors: "${t.name}" has ${t.values.length} values for shape [${t.shape}]`);
    }
    if (t.name in header) throw new Error(`writeSafetensors: duplicate tensor name "${t.name}"`);
    const bytes = t.values.byteLength;
    header[t.name] = {
      dtype: t.values instanceof Float32Array ? 'F32' : 'I32',
      shape: t.shape,
      data_offsets: [offset, offset + bytes],
    };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  const encoder = new TextEncoder();
  let headerBytes = encoder.encode(json);
  const padding = (8 - (headerBytes.byteLength % 8)) % 8;
  if (padding) headerBytes = encoder.encode((json += ' '.repeat(padding)));
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let position = 8 + headerBytes.byteLength;
  for (const t of tensors) {
    out.set(new Uint8Array(t.values.buffer, t.values.byteOffset, t.values.byteLength), position);
    position += t.values.byteLength;
  }
  return out;
}
