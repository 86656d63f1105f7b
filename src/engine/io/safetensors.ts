/**
 * safetensors reader and writer (https://huggingface.co/docs/safetensors).
 *
 * Layout: an 8-byte little-endian header length N, N bytes of JSON mapping
 * each tensor name to {dtype, shape, data_offsets: [begin, end]} (offsets are
 * relative to the end of the header), then the raw little-endian data.
 *
 * The reader validates before it trusts, with the rules of the reference
 * implementation (huggingface/safetensors, Rust): the header must fit in the
 * file and be a JSON object with no key given twice; the tensors' data must
 * tile the data section exactly (sorted by offset, each starting where the
 * previous one ended: no overlaps, no holes, no trailing bytes); every
 * tensor's byte length must equal its element count times its dtype's size.
 * Floating dtypes (F64, F32, F16, BF16, F8_E4M3, F8_E5M2, F8_E8M0) are read
 * as float32; integer dtypes as int32 (64- and unsigned 32-bit values must
 * fit). Sub-byte and complex dtypes are refused, saying which and why. Any
 * violation is an InputFileError naming the file and the tensor.
 *
 * Names come from the file, so nothing is looked up on a plain object: a
 * tensor called `toString` or `__proto__`, or a dtype called `constructor`,
 * is just a name.
 */
import { InputFileError, quoted } from '../errors';
import { findDuplicateKey } from './json-keys';
import { decodeTensor, elementCount } from './safetensors-decode';
import { encodeFloats, type WritableFloatDtype } from './safetensors-encode';

export type SafetensorsDtype =
  | 'F64' | 'F32' | 'F16' | 'BF16' | 'F8_E4M3' | 'F8_E5M2' | 'F8_E8M0'
  | 'I64' | 'I32' | 'I16' | 'I8' | 'U64' | 'U32' | 'U16' | 'U8' | 'BOOL';

const BYTES_PER_ELEMENT: ReadonlyMap<string, number> = new Map<SafetensorsDtype, number>([
  ['F64', 8], ['F32', 4], ['F16', 2], ['BF16', 2], ['F8_E4M3', 1], ['F8_E5M2', 1], ['F8_E8M0', 1],
  ['I64', 8], ['I32', 4], ['I16', 2], ['I8', 1], ['U64', 8], ['U32', 4], ['U16', 2], ['U8', 1], ['BOOL', 1],
]);
const FLOAT_DTYPES = new Set<SafetensorsDtype>(['F64', 'F32', 'F16', 'BF16', 'F8_E4M3', 'F8_E5M2', 'F8_E8M0']);

/** Dtypes of the format this reader does not decode, and why. */
const REFUSED_DTYPES: ReadonlyMap<string, string> = new Map([
  ['F4', '4-bit floats (MX FP4) pack two values per byte; dequantise the checkpoint to F16, BF16 or F32 first'],
  ['F6_E2M3', '6-bit floats (MX FP6) are packed across bytes; dequantise the checkpoint to F16, BF16 or F32 first'],
  ['F6_E3M2', '6-bit floats (MX FP6) are packed across bytes; dequantise the checkpoint to F16, BF16 or F32 first'],
  ['C64', 'complex numbers are not model weights this app can train'],
]);

/** The spec caps the header at 100 MB (the reference implementation's MAX_HEADER_SIZE). */
const MAX_HEADER_BYTES = 100_000_000;

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

/** What the header says: enough to check a checkpoint against a config before reading its data. */
export interface SafetensorsHeader {
  /** The file's name, used in every error. */
  file: string;
  metadata: Record<string, string>;
  /** Entries in header order. */
  entries: Map<string, TensorEntry>;
}

export interface SafetensorsFile extends SafetensorsHeader {
  /** Decodes one tensor; throws InputFileError for an unknown name. */
  read(name: string): DecodedTensor;
}


/** dtype, shape and data_offsets as the entry's own properties (never inherited ones). */
function ownFields(raw: Record<string, unknown>): { dtype?: unknown; shape?: unknown; data_offsets?: unknown } {
  const own = (key: string) => (Object.hasOwn(raw, key) ? raw[key] : undefined);
  return { dtype: own('dtype'), shape: own('shape'), data_offsets: own('data_offsets') };
}

function validateEntry(file: string, name: string, raw: unknown, dataBytes: number): TensorEntry {
  if (typeof raw !== 'object' || raw === null) {
    throw new InputFileError(file, 'header entry is not an object', name);
  }
  const { dtype, shape, data_offsets: offsets } = ownFields(raw as Record<string, unknown>);
  if (typeof dtype !== 'string' || !BYTES_PER_ELEMENT.has(dtype)) {
    const why = typeof dtype === 'string' ? REFUSED_DTYPES.get(dtype) : undefined;
    throw new InputFileError(
      file,
      why
        ? `dtype ${dtype} is not supported: ${why}`
        : `unknown dtype ${quoted(dtype)} (safetensors dtypes read here: ${[...BYTES_PER_ELEMENT.keys()].join(', ')})`,
      name,
    );
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new InputFileError(file, `invalid shape ${quoted(shape)}`, name);
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
    offsets[0] > offsets[1]
  ) {
    throw new InputFileError(file, `invalid data_offsets ${quoted(offsets)}`, name);
  }
  const [begin, end] = offsets as [number, number];
  if (end > dataBytes) {
    throw new InputFileError(
      file,
      `data ends at byte ${end} but the file holds only ${dataBytes} bytes of data (truncated file?)`,
      name,
    );
  }
  const expected = elementCount(shape as number[]) * BYTES_PER_ELEMENT.get(dtype)!;
  if (!Number.isSafeInteger(expected)) {
    throw new InputFileError(file, `shape ${quoted(shape)} has too many elements to address`, name);
  }
  if (end - begin !== expected) {
    throw new InputFileError(
      file,
      `${dtype} ${quoted(shape)} needs ${expected} bytes but its data_offsets span ${end - begin}`,
      name,
    );
  }
  return { name, dtype: dtype as SafetensorsDtype, shape: shape as number[], begin, end };
}

/** Parses and validates a safetensors file held in memory. Tensors decode lazily. */
export function parseSafetensors(bytes: Uint8Array, file: string): SafetensorsFile {
  const { metadata, entries, dataStart } = parseHeader(bytes, bytes.byteLength, file);
  const read = (name: string): DecodedTensor => {
    const entry = entries.get(name);
    if (!entry) throw new InputFileError(file, 'no such tensor in the file', name);
    return decodeTensor(file, entry, bytes.subarray(dataStart + entry.begin, dataStart + entry.end));
  };
  return { file, metadata, entries, read };
}

/**
 * The header of a file of `totalBytes` bytes, from `prefix`, its first
 * 8 + headerLength(prefix) bytes (or more): every entry and the data layout
 * are validated against the file's size without its data in memory.
 */
export function parseSafetensorsHeader(prefix: Uint8Array, totalBytes: number, file: string): SafetensorsHeader {
  const { metadata, entries } = parseHeader(prefix, totalBytes, file);
  return { file, metadata, entries };
}

/** The header length a file's first 8 bytes announce, checked against the format's limit and the file's size. */
export function safetensorsHeaderLength(prefix: Uint8Array, totalBytes: number, file: string): number {
  if (totalBytes < 8 || prefix.byteLength < 8) {
    throw new InputFileError(file, `not a safetensors file: only ${totalBytes} bytes`);
  }
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > MAX_HEADER_BYTES) {
    throw new InputFileError(
      file,
      `not a safetensors file: its header length ${headerLength} exceeds the format's limit of ${MAX_HEADER_BYTES} bytes`,
    );
  }
  if (headerLength > totalBytes - 8) {
    throw new InputFileError(
      file,
      `not a safetensors file, or truncated: header length ${headerLength} exceeds the file's ${totalBytes} bytes`,
    );
  }
  return headerLength;
}

function parseHeader(
  bytes: Uint8Array,
  totalBytes: number,
  file: string,
): { metadata: Record<string, string>; entries: Map<string, TensorEntry>; dataStart: number } {
  const { header, dataStart } = readHeader(bytes, totalBytes, file);
  const dataBytes = totalBytes - dataStart;
  const entries = new Map<string, TensorEntry>();
  let metadata: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') metadata = readMetadata(file, raw);
    else entries.set(name, validateEntry(file, name, raw, dataBytes));
  }
  checkDataLayout(file, [...entries.values()], dataBytes);
  return { metadata, entries, dataStart };
}

/** The header's JSON object and where the data section starts; `bytes` holds at least the header. */
function readHeader(bytes: Uint8Array, totalBytes: number, file: string): { header: Record<string, unknown>; dataStart: number } {
  const headerLength = safetensorsHeaderLength(bytes, totalBytes, file);
  if (bytes.byteLength < 8 + headerLength) {
    throw new InputFileError(file, `its header (${headerLength} bytes) could not be read whole: only ${bytes.byteLength} bytes arrived`);
  }
  let text: string;
  let header: unknown;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
    header = JSON.parse(text);
  } catch {
    throw new InputFileError(file, 'not a safetensors file: its header is not valid JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new InputFileError(file, 'not a safetensors file: its header is not a JSON object');
  }
  const duplicate = findDuplicateKey(text);
  if (duplicate) {
    const where = duplicate.path.length > 0 ? `in "${duplicate.path.join('.')}" ` : '';
    throw new InputFileError(
      file,
      `its header gives the key ${quoted(duplicate.key)} twice ${where}(the file is corrupt or was edited by hand)`,
      duplicate.path[0] ?? duplicate.key,
    );
  }
  return { header: header as Record<string, unknown>, dataStart: 8 + headerLength };
}

/** `__metadata__`: string keys to string values, as the reference implementation requires. */
function readMetadata(file: string, raw: unknown): Record<string, string> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InputFileError(file, 'its header\'s "__metadata__" must be an object of strings');
  }
  const metadata = Object.create(null) as Record<string, string>;
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== 'string') {
      throw new InputFileError(file, `its header's "__metadata__" value for ${quoted(key)} must be a string, got ${quoted(value)}`);
    }
    metadata[key] = value;
  }
  return metadata;
}

/**
 * The tensors, sorted by offset, must cover the data section end to end:
 * each begins where the previous one ended, and the last ends at the end of
 * the file. An overlap would let two tensors share bytes; a hole or trailing
 * bytes are data no tensor explains (a corrupt or spliced file).
 */
function checkDataLayout(file: string, entries: TensorEntry[], dataBytes: number): void {
  const byOffset = entries.slice().sort((a, b) => a.begin - b.begin || a.end - b.end);
  let position = 0;
  let previous: TensorEntry | null = null;
  for (const entry of byOffset) {
    if (entry.begin < position) {
      throw new InputFileError(file, `its data [${entry.begin}, ${entry.end}) overlaps that of "${previous!.name}"`, entry.name);
    }
    if (entry.begin > position) {
      throw new InputFileError(
        file,
        `its data starts at byte ${entry.begin} but the previous tensor's ends at ${position}: ` +
          `${entry.begin - position} bytes in between belong to no tensor (corrupt file?)`,
        entry.name,
      );
    }
    position = entry.end;
    previous = entry;
  }
  if (position !== dataBytes) {
    throw new InputFileError(
      file,
      `${dataBytes - position} bytes follow the last tensor's data (at byte ${position} of ${dataBytes}): ` +
        'a safetensors file ends where its last tensor does (corrupt or concatenated file?)',
    );
  }
}

export function isFloatDtype(dtype: SafetensorsDtype): boolean {
  return FLOAT_DTYPES.has(dtype);
}

/** A tensor to write: float32 data is stored as F32 (or as `dtype`), int32 as I32. */
export interface TensorToWrite {
  name: string;
  shape: number[];
  values: Float32Array | Int32Array;
  /** The floating dtype to store float32 values as (a checkpoint's own F16 or BF16); F32 when absent. */
  storeAs?: WritableFloatDtype;
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
  const data: Uint8Array[] = [];
  for (const t of tensors) {
    if (elementCount(t.shape) !== t.values.length) {
      throw new Error(`writeSafetensors: "${t.name}" has ${t.values.length} values for shape [${t.shape}]`);
    }
    if (t.name in header) throw new Error(`writeSafetensors: duplicate tensor name "${t.name}"`);
    const isFloat = t.values instanceof Float32Array;
    if (!isFloat && t.storeAs) throw new Error(`writeSafetensors: "${t.name}" holds integers and cannot be stored as ${t.storeAs}`);
    const bytes = isFloat ? encodeFloats(t.values as Float32Array, t.storeAs ?? 'F32') : new Uint8Array(t.values.buffer, t.values.byteOffset, t.values.byteLength);
    data.push(bytes);
    header[t.name] = {
      dtype: isFloat ? (t.storeAs ?? 'F32') : 'I32',
      shape: t.shape,
      data_offsets: [offset, offset + bytes.byteLength],
    };
    offset += bytes.byteLength;
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
  for (const bytes of data) {
    out.set(bytes, position);
    position += bytes.byteLength;
  }
  return out;
}
