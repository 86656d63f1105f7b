/**
 * Encoding float32 values to the floating dtypes a checkpoint may be stored
 * in, so an exported model keeps its base's dtype (a float16 base stays
 * half the size of a float32 one). Rounding is to nearest, ties to even, as
 * PyTorch's `tensor.to(torch.float16 / torch.bfloat16)`.
 */

/** Floating dtypes the writer stores (F8 formats are not written: their range would clip merged weights). */
export type WritableFloatDtype = 'F32' | 'F16' | 'BF16' | 'F64';

export function isWritableFloatDtype(dtype: string): dtype is WritableFloatDtype {
  return dtype === 'F32' || dtype === 'F16' || dtype === 'BF16' || dtype === 'F64';
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** One float32 as IEEE half: round to nearest even, overflow to ±Infinity, NaN kept. */
export function floatToHalf(value: number): number {
  f32[0] = value;
  const bits = u32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half (or zero): shift the full significand into place, rounding to nearest even.
    if (e < -10) return sign;
    const significand = mantissa | 0x800000;
    const shift = 14 - e;
    const half = significand >>> shift;
    const rest = significand & ((1 << shift) - 1);
    const midpoint = 1 << (shift - 1);
    const roundUp = rest > midpoint || (rest === midpoint && (half & 1) === 1);
    return sign | (half + (roundUp ? 1 : 0));
  }
  const half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  const roundUp = rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1);
  // A carry out of the mantissa bumps the exponent, and up to Infinity: that is the right rounding.
  return sign | (half + (roundUp ? 1 : 0));
}

/** One float32 as bfloat16 (its top half), rounded to nearest even; NaN stays a quiet NaN. */
export function floatToBfloat16(value: number): number {
  f32[0] = value;
  const bits = u32[0];
  if ((bits & 0x7f800000) === 0x7f800000 && bits & 0x7fffff) return ((bits >>> 16) | 0x40) & 0xffff;
  const rounding = 0x7fff + ((bits >>> 16) & 1);
  return ((bits + rounding) >>> 16) & 0xffff;
}

/** The bytes of float32 values stored as `dtype` (little-endian, as safetensors requires). */
export function encodeFloats(values: Float32Array, dtype: WritableFloatDtype): Uint8Array {
  switch (dtype) {
    case 'F32':
      return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    case 'F64': {
      const out = Float64Array.from(values);
      return new Uint8Array(out.buffer);
    }
    case 'F16':
    case 'BF16': {
      const encode = dtype === 'F16' ? floatToHalf : floatToBfloat16;
      const out = new Uint16Array(values.length);
      for (let i = 0; i < values.length; i++) out[i] = encode(values[i]);
      return new Uint8Array(out.buffer);
    }
  }
}
