/**
 * The safetensors reader trusts nothing: every malformed file is an
 * InputFileError that names the file, and never another exception or a hang.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputFileError } from '../../../src/engine/errors';
import { parseSafetensors, writeSafetensors } from '../../../src/engine/io/safetensors';
import { createRng } from '../../../src/engine/random';
import { fixtureDir } from '../../helpers/fixtures';

const FILE = 'weights.safetensors';

/** A safetensors file from a header object and raw data bytes, exactly as given. */
function rawFile(header: unknown, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.byteLength + data.byteLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.byteLength), true);
  out.set(json, 8);
  out.set(data, 8 + json.byteLength);
  return out;
}

function bytesOf(values: Uint16Array | BigInt64Array | Float32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

/** Runs `fn` and returns the InputFileError it throws; fails the test on anything else. */
function inputFileError(fn: () => unknown): InputFileError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InputFileError);
    return error as InputFileError;
  }
  throw new Error('expected an InputFileError, but nothing was thrown');
}

describe('safetensors round trip', () => {
  it('reads back float32 and int32 tensors written by writeSafetensors, with metadata', () => {
    const floats = new Float32Array([1.5, -2.25, 3e-8, 0, Infinity, -0]);
    const ints = new Int32Array([7, -8, 2147483647, -2147483648]);
    const bytes = writeSafetensors(
      [
        { name: 'a.weight', shape: [2, 3], values: floats },
        { name: 'b.ids', shape: [4], values: ints },
        { name: 'scalar', shape: [], values: new Float32Array([42]) },
      ],
      { format: 'pt' },
    );
    const file = parseSafetensors(bytes, FILE);
    expect(file.metadata).toEqual({ format: 'pt' });
    expect([...file.entries.keys()]).toEqual(['a.weight', 'b.ids', 'scalar']);
    expect(file.entries.get('a.weight')).toMatchObject({ dtype: 'F32', shape: [2, 3] });
    expect(file.entries.get('b.ids')).toMatchObject({ dtype: 'I32', shape: [4] });
    expect(file.read('a.weight')).toEqual({ dtype: 'float32', shape: [2, 3], values: floats });
    expect(file.read('b.ids')).toEqual({ dtype: 'int32', shape: [4], values: ints });
    expect(file.read('scalar').values).toEqual(new Float32Array([42]));
  });

  it('aligns the data section to 8 bytes, as the reference writer does', () => {
    const bytes = writeSafetensors([{ name: 'x', shape: [1], values: new Float32Array([1]) }]);
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLength % 8).toBe(0);
  });

  it('reads a real fixture checkpoint and writes it back byte-for-byte equivalent', () => {
    const original = parseSafetensors(readFileSync(path.join(fixtureDir('gpt2'), 'model.safetensors')), FILE);
    const names = [...original.entries.keys()];
    const rewritten = parseSafetensors(
      writeSafetensors(names.map((name) => ({ name, ...original.read(name) }))),
      FILE,
    );
    for (const name of names) expect(rewritten.read(name)).toEqual(original.read(name));
  });

  it('refuses to write values that do not match the shape, or a name twice', () => {
    expect(() => writeSafetensors([{ name: 'x', shape: [2, 2], values: new Float32Array(3) }])).toThrow(/"x"/);
    const t = { name: 'x', shape: [1], values: new Float32Array(1) };
    expect(() => writeSafetensors([t, t])).toThrow(/duplicate/);
  });
});

describe('safetensors decoding of other dtypes', () => {
  it('decodes F16 (normal, subnormal, signed zero, infinities, NaN) to float32', () => {
    // 1.0, -2.0, 0.5, smallest subnormal 2^-24, -0, +inf, -inf, NaN, 65504 (largest half)
    const halves = new Uint16Array([0x3c00, 0xc000, 0x3800, 0x0001, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0x7bff]);
    const file = parseSafetensors(rawFile({ h: { dtype: 'F16', shape: [9], data_offsets: [0, 18] } }, bytesOf(halves)), FILE);
    const { dtype, values } = file.read('h');
    expect(dtype).toBe('float32');
    expect([...values].slice(0, 7)).toEqual([1, -2, 0.5, 2 ** -24, -0, Infinity, -Infinity]);
    expect(values[7]).toBeNaN();
    expect(values[8]).toBe(65504);
  });

  it('decodes BF16 as the top half of a float32', () => {
    const floats = new Float32Array([1, -3.5, 1024, 0.15625]); // exactly representable in bf16
    const top = new Uint16Array(floats.length);
    new Uint32Array(floats.buffer).forEach((bits, i) => (top[i] = bits >>> 16));
    const file = parseSafetensors(rawFile({ b: { dtype: 'BF16', shape: [2, 2], data_offsets: [0, 8] } }, bytesOf(top)), FILE);
    expect(file.read('b')).toEqual({ dtype: 'float32', shape: [2, 2], values: floats });
  });

  it('decodes I64 to int32, and names the tensor when a value does not fit', () => {
    const fits = new BigInt64Array([0n, -1n, 2147483647n, -2147483648n]);
    const ok = parseSafetensors(rawFile({ i: { dtype: 'I64', shape: [4], data_offsets: [0, 32] } }, bytesOf(fits)), FILE);
    expect(ok.read('i')).toEqual({ dtype: 'int32', shape: [4], values: new Int32Array([0, -1, 2147483647, -2147483648]) });

    const tooBig = new BigInt64Array([1n, 2147483648n]);
    const bad = parseSafetensors(rawFile({ i: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, bytesOf(tooBig)), FILE);
    const error = inputFileError(() => bad.read('i'));
    expect(error.message).toContain(FILE);
    expect(error.tensor).toBe('i');
    expect(error.message).toMatch(/does not fit in int32/);
  });

  it('reads tensors whose data offset is not a multiple of the element size', () => {
    const data = new Uint8Array(1 + 4);
    new DataView(data.buffer).setFloat32(1, 6.5, true);
    const file = parseSafetensors(
      rawFile({ pad: { dtype: 'U8', shape: [1], data_offsets: [0, 1] }, x: { dtype: 'F32', shape: [1], data_offsets: [1, 5] } }, data),
      FILE,
    );
    expect(file.read('x').values).toEqual(new Float32Array([6.5]));
  });
});

describe('safetensors validation', () => {
  const oneFloat = { x: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } };

  it.each([
    ['an empty file', new Uint8Array(0), /only 0 bytes/],
    ['a file shorter than the length prefix', new Uint8Array([1, 2, 3]), /only 3 bytes/],
  ])('rejects %s', (_, bytes, message) => {
    const error = inputFileError(() => parseSafetensors(bytes, FILE));
    expect(error.file).toBe(FILE);
    expect(error.message).toMatch(message);
  });

  it('rejects a header length beyond the end of the file', () => {
    const bytes = rawFile(oneFloat, new Uint8Array(4));
    new DataView(bytes.buffer).setBigUint64(0, BigInt(bytes.byteLength), true);
    expect(inputFileError(() => parseSafetensors(bytes, FILE)).message).toMatch(/weights.safetensors: .*header length/);
  });

  it('rejects an absurd header length (a text or image file read as safetensors)', () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
    expect(inputFileError(() => parseSafetensors(png, 'cat.png')).message).toMatch(/^cat.png: not a safetensors file/);
    const text = new TextEncoder().encode('hello, this is a plain text file and not a checkpoint\n');
    expect(inputFileError(() => parseSafetensors(text, 'notes.txt')).message).toMatch(/^notes.txt: not a safetensors file/);
  });

  it('rejects a header that is not JSON, or not a JSON object', () => {
    const notJson = rawFile({});
    notJson.set(new TextEncoder().encode('{x'), 8);
    expect(inputFileError(() => parseSafetensors(notJson, FILE)).message).toMatch(/header is not valid JSON/);
    expect(inputFileError(() => parseSafetensors(rawFile([1, 2]), FILE)).message).toMatch(/not a JSON object/);
    expect(inputFileError(() => parseSafetensors(rawFile(null), FILE)).message).toMatch(/not a JSON object/);
  });

  it('rejects a header that is not UTF-8', () => {
    const bytes = rawFile({ a: 1 });
    bytes[10] = 0xff;
    expect(inputFileError(() => parseSafetensors(bytes, FILE)).message).toMatch(/not valid JSON/);
  });

  it('rejects an unknown dtype, naming the tensor and the dtypes it reads', () => {
    const error = inputFileError(() =>
      parseSafetensors(rawFile({ w: { dtype: 'F7', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)), FILE),
    );
    expect(error.tensor).toBe('w');
    expect(error.message).toMatch(new RegExp(`^${FILE}: tensor "w": unknown dtype "F7" \\(safetensors dtypes read here: F64, F32, .*U16, U8, BOOL\\)$`));
  });

  it.each([
    ['a negative dimension', { dtype: 'F32', shape: [-1], data_offsets: [0, 4] }, /invalid shape/],
    ['a fractional dimension', { dtype: 'F32', shape: [1.5], data_offsets: [0, 4] }, /invalid shape/],
    ['a missing shape', { dtype: 'F32', data_offsets: [0, 4] }, /invalid shape/],
    ['reversed offsets', { dtype: 'F32', shape: [1], data_offsets: [4, 0] }, /invalid data_offsets/],
    ['one offset', { dtype: 'F32', shape: [1], data_offsets: [0] }, /invalid data_offsets/],
    ['an entry that is not an object', 'F32', /not an object/],
  ])('rejects %s', (_, entry, message) => {
    const error = inputFileError(() => parseSafetensors(rawFile({ w: entry }, new Uint8Array(4)), FILE));
    expect(error.tensor).toBe('w');
    expect(error.message).toMatch(message);
  });

  it('rejects offsets beyond the data (a truncated file)', () => {
    const full = writeSafetensors([
      { name: 'a', shape: [4], values: new Float32Array(4) },
      { name: 'b', shape: [4], values: new Float32Array(4) },
    ]);
    const error = inputFileError(() => parseSafetensors(full.subarray(0, full.byteLength - 3), FILE));
    expect(error.tensor).toBe('b');
    expect(error.message).toMatch(/truncated/);
  });

  it('rejects overlapping tensors', () => {
    const header = {
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
    };
    const error = inputFileError(() => parseSafetensors(rawFile(header, new Uint8Array(12)), FILE));
    expect(error.message).toMatch(/overlaps that of "a"/);
    expect(error.tensor).toBe('b');
  });

  it('rejects a byte length that does not match dtype × shape', () => {
    const header = { w: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 20] } };
    const error = inputFileError(() => parseSafetensors(rawFile(header, new Uint8Array(20)), FILE));
    expect(error.message).toMatch(/F32 \[2,3\] needs 24 bytes but its data_offsets span 20/);
  });

  it('names the file when asked for a tensor it does not hold', () => {
    const file = parseSafetensors(rawFile(oneFloat, new Uint8Array(4)), FILE);
    expect(inputFileError(() => file.read('y')).message).toBe(`${FILE}: tensor "y": no such tensor in the file`);
  });
});

describe('safetensors under randomised corruption', () => {
  const fixture = new Uint8Array(readFileSync(path.join(fixtureDir('gpt2'), 'model.safetensors')));
  const headerEnd = 8 + Number(new DataView(fixture.buffer, fixture.byteOffset).getBigUint64(0, true));

  /** Parses and decodes every tensor: either all of it works, or an InputFileError naming the file. */
  function parseFully(bytes: Uint8Array, name: string): 'parsed' | 'rejected' {
    try {
      const file = parseSafetensors(bytes, name);
      for (const tensor of file.entries.keys()) file.read(tensor);
      return 'parsed';
    } catch (error) {
      if (!(error instanceof InputFileError)) {
        throw new Error(`trial ${name}: expected an InputFileError, got ${String(error)}`);
      }
      expect(error.message.startsWith(`${name}: `), error.message).toBe(true);
      return 'rejected';
    }
  }

  it('every flipped or overwritten header byte yields a valid file or an InputFileError', { timeout: 60_000 }, () => {
    const random = createRng(20250601);
    const outcomes = { parsed: 0, rejected: 0 };
    for (let trial = 0; trial < 600; trial++) {
      const bytes = fixture.slice();
      const edits = 1 + Math.floor(random() * 4);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(random() * headerEnd); // the length prefix and the JSON header
        if (random() < 0.5) bytes[at] ^= 1 << Math.floor(random() * 8);
        else bytes[at] = Math.floor(random() * 256);
      }
      outcomes[parseFully(bytes, `corrupt-${trial}.safetensors`)]++;
    }
    // Both outcomes occur: an edit inside a tensor name or a space of padding
    // leaves a valid file (about 5% here); most edits break the header.
    expect(outcomes.parsed).toBeGreaterThan(0);
    expect(outcomes.rejected).toBeGreaterThan(300);
    expect(outcomes.parsed + outcomes.rejected).toBe(600);
  });

  it('every truncation yields an InputFileError naming the file', { timeout: 60_000 }, () => {
    const random = createRng(7);
    for (let trial = 0; trial < 300; trial++) {
      // Half the cuts land in or near the header, half anywhere in the data.
      const length = random() < 0.5 ? Math.floor(random() * (headerEnd + 16)) : Math.floor(random() * fixture.byteLength);
      expect(parseFully(fixture.slice(0, length), `cut-${trial}.safetensors`)).toBe('rejected');
    }
  });

  it('random garbage of any length is rejected, never crashes', { timeout: 60_000 }, () => {
    const random = createRng(99);
    for (let trial = 0; trial < 200; trial++) {
      const bytes = new Uint8Array(Math.floor(random() * 64));
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
      expect(parseFully(bytes, `garbage-${trial}.bin`)).toBe('rejected');
    }
  });
});
