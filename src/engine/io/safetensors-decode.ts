/**
 * Decoding one safetensors tensor's bytes to the two dtypes the engine
 * computes with: every floating dtype to float32 (F64 rounded; F16, BF16
 * and the float8 formats widened exactly), every integer dtype to int32
 * (refusing, with the index, a value int32 cannot hold).
 */
import { InputFileError } from '../errors';
import type { DecodedTensor, TensorEntry } from './safetensors';

/** Elements of a tensor of this shape (1 for a scalar). */
export function elementCount(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * The bytes as an ArrayBuffer of their own, aligned for any typed array:
 * data offsets need not be multiples of the element size, and a view into a
 * whole file must not keep the file alive, so a slice is copied. A range read
 * on its own (the streaming reader's) already is such a buffer and is used
 * as is, so a tensor costs one copy of its bytes, not two.
 */
function aligned(raw: Uint8Array): ArrayBuffer {
  if (raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength && raw.buffer instanceof ArrayBuffer) return raw.buffer;
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

/**
 * float8 E4M3 as PyTorch's float8_e4m3fn: exponent bias 7, no infinities,
 * S.1111.111 the only NaN, so the largest value is 448.
 */
function e4m3ToFloat(byte: number): number {
  const sign = byte & 0x80 ? -1 : 1;
  const exponent = (byte >> 3) & 0xf;
  const mantissa = byte & 0x7;
  if (exponent === 0xf && mantissa === 0x7) return NaN;
  if (exponent === 0) return sign * 2 ** -6 * (mantissa / 8);
  return sign * 2 ** (exponent - 7) * (1 + mantissa / 8);
}

/** Wide or unsigned integers to int32, refusing (with the index) any value int32 cannot hold. */
function toInt32(file: string, entry: TensorEntry, wide: BigInt64Array | BigUint64Array | Uint32Array): Int32Array {
  const values = new Int32Array(wide.length);
  for (let i = 0; i < wide.length; i++) {
    const v = wide[i];
    if (v > 2147483647 || v < -2147483648) {
      throw new InputFileError(file, `${entry.dtype} value ${v} at index ${i} does not fit in int32`, entry.name);
    }
    values[i] = Number(v);
  }
  return values;
}

/** One tensor's raw little-endian bytes as float32 or int32 values. */
export function decodeTensor(file: string, entry: TensorEntry, raw: Uint8Array): DecodedTensor {
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
    case 'I64':
      return { dtype: 'int32', shape, values: toInt32(file, entry, new BigInt64Array(buffer)) };
    case 'F8_E5M2': {
      // E5M2 is the top byte of a float16.
      const bytes = new Uint8Array(buffer);
      const values = new Float32Array(n);
      for (let i = 0; i < n; i++) values[i] = halfToFloat(bytes[i] << 8);
      return { dtype: 'float32', shape, values };
    }
    case 'F8_E4M3': {
      const bytes = new Uint8Array(buffer);
      const values = new Float32Array(n);
      for (let i = 0; i < n; i++) values[i] = e4m3ToFloat(bytes[i]);
      return { dtype: 'float32', shape, values };
    }
    case 'F8_E8M0': {
      // A bare exponent (MX block scales): 2^(e - 127), with 0xff as NaN.
      const bytes = new Uint8Array(buffer);
      const values = new Float32Array(n);
      for (let i = 0; i < n; i++) values[i] = bytes[i] === 0xff ? NaN : 2 ** (bytes[i] - 127);
      return { dtype: 'float32', shape, values };
    }
    case 'U64':
      return { dtype: 'int32', shape, values: toInt32(file, entry, new BigUint64Array(buffer)) };
    case 'U32':
      return { dtype: 'int32', shape, values: toInt32(file, entry, new Uint32Array(buffer)) };
    case 'U16':
      return { dtype: 'int32', shape, values: Int32Array.from(new Uint16Array(buffer)) };
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

