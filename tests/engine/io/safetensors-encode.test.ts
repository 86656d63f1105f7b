/**
 * float32 → float16 / bfloat16 as PyTorch rounds (nearest, ties to even),
 * checked at the edge cases and, for random values, against the two
 * neighbouring codes: the one chosen is never farther than the other.
 */
import { describe, expect, it } from 'vitest';
import { encodeFloats, floatToBfloat16, floatToHalf } from '../../../src/engine/io/safetensors-encode';
import { parseSafetensors, writeSafetensors } from '../../../src/engine/io/safetensors';
import { createRng } from '../../../src/engine/random';

/** Decodes through the reader, which the safetensors tests already check against the spec. */
function decode(codes: number[], dtype: 'F16' | 'BF16'): number[] {
  const header = JSON.stringify({ t: { dtype, shape: [codes.length], data_offsets: [0, codes.length * 2] } });
  const json = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + json.byteLength + codes.length * 2);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.byteLength), true);
  out.set(json, 8);
  out.set(new Uint8Array(Uint16Array.from(codes).buffer), 8 + json.byteLength);
  return [...parseSafetensors(out, 'f.safetensors').read('t').values];
}

describe('float16', () => {
  it('rounds to nearest even, keeps signed zero, subnormals, infinities and NaN', () => {
    expect(floatToHalf(1)).toBe(0x3c00);
    expect(floatToHalf(-2)).toBe(0xc000);
    expect(floatToHalf(65504)).toBe(0x7bff);
    expect(floatToHalf(65520)).toBe(0x7c00); // the midpoint to the next (absent) code rounds up to Infinity
    expect(floatToHalf(-0)).toBe(0x8000);
    expect(floatToHalf(2 ** -24)).toBe(0x0001);
    expect(floatToHalf(2 ** -25)).toBe(0x0000); // a tie, to even (zero)
    expect(floatToHalf(3 * 2 ** -25)).toBe(0x0002); // 1.5 units: a tie, to even (2)
    expect(floatToHalf(1 + 2 ** -11)).toBe(0x3c00); // a tie between 0x3c00 and 0x3c01
    expect(floatToHalf(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(floatToHalf(Infinity)).toBe(0x7c00);
    expect(decode([floatToHalf(NaN)], 'F16')[0]).toBeNaN();
  });

  it.each(['F16', 'BF16'] as const)('%s: random values take the nearer of their two neighbouring codes', (dtype) => {
    const rng = createRng(7);
    const values = Float32Array.from({ length: 2000 }, () => (rng() - 0.5) * 2 ** Math.floor(rng() * 40 - 30));
    const encode = dtype === 'F16' ? floatToHalf : floatToBfloat16;
    const codes = [...values].map(encode);
    const chosen = decode(codes, dtype);
    const below = decode(codes.map((c) => (c & 0x7fff ? c - 1 : c)), dtype);
    const above = decode(codes.map((c) => c + 1), dtype);
    values.forEach((v, i) => {
      const error = Math.abs(chosen[i] - v);
      expect(error, `${v}`).toBeLessThanOrEqual(Math.abs(below[i] - v));
      expect(error, `${v}`).toBeLessThanOrEqual(Math.abs(above[i] - v));
    });
  });
});

describe('bfloat16', () => {
  it('is float32\'s top half, rounded to nearest even', () => {
    expect(floatToBfloat16(1)).toBe(0x3f80);
    expect(floatToBfloat16(1 + 2 ** -8)).toBe(0x3f80); // tie, to even
    expect(floatToBfloat16(1 + 3 * 2 ** -8)).toBe(0x3f82);
    expect(floatToBfloat16(-0)).toBe(0x8000);
    expect(decode([floatToBfloat16(NaN)], 'BF16')[0]).toBeNaN();
  });
});

describe('the writer', () => {
  it('stores float32 values as the dtype asked, and the reader reads them back', () => {
    const values = Float32Array.from([1, -2.5, 0.1, 1e-3]);
    const bytes = writeSafetensors([
      { name: 'a', shape: [4], values, storeAs: 'BF16' },
      { name: 'b', shape: [2, 2], values, storeAs: 'F16' },
      { name: 'c', shape: [4], values, storeAs: 'F64' },
      { name: 'd', shape: [4], values },
    ]);
    const file = parseSafetensors(bytes, 'w.safetensors');
    expect([...file.entries.values()].map((e) => e.dtype)).toEqual(['BF16', 'F16', 'F64', 'F32']);
    expect(file.read('c').values).toEqual(values);
    expect(file.read('d').values).toEqual(values);
    for (const key of ['a', 'b']) [...file.read(key).values].forEach((v, i) => expect(v).toBeCloseTo(values[i], 2));
    expect(encodeFloats(values, 'F16').byteLength).toBe(8);
    expect(() => writeSafetensors([{ name: 'i', shape: [1], values: Int32Array.from([1]), storeAs: 'F16' }])).toThrow(/integers/);
  });
});
