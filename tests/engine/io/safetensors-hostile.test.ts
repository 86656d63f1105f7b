/**
 * Hostile safetensors files and shard indexes: names that are also
 * properties of every JS object, keys given twice, data sections with holes
 * or trailing bytes, the dtypes beyond float32 and int32, and one tensor in
 * two shards. Each is read correctly or refused with an InputFileError that
 * names the file, the tensor and the reason, as the reference (Rust)
 * implementation refuses them.
 */
import { describe, expect, it } from 'vitest';
import { InputFileError } from '../../../src/engine/errors';
import { readWeights } from '../../../src/engine/io/checkpoint';
import { findDuplicateKey } from '../../../src/engine/io/json-keys';
import { parseSafetensors, writeSafetensors } from '../../../src/engine/io/safetensors';
import { MemorySource } from '../../../src/engine/io/source';

const FILE = 'hostile.safetensors';

/** A safetensors file from header JSON text (so keys may repeat) and raw data bytes. */
function fileFromText(headerJson: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(headerJson);
  const out = new Uint8Array(8 + json.byteLength + data.byteLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.byteLength), true);
  out.set(json, 8);
  out.set(data, 8 + json.byteLength);
  return out;
}

const file = (header: unknown, data?: Uint8Array) => fileFromText(JSON.stringify(header), data);

function bytesOf(values: ArrayBufferView): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

function inputFileError(fn: () => unknown): InputFileError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InputFileError);
    return error as InputFileError;
  }
  throw new Error('expected an InputFileError, but nothing was thrown');
}

async function rejection(promise: Promise<unknown>): Promise<InputFileError> {
  const error = await promise.then(
    () => new Error('expected an InputFileError, but it succeeded'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputFileError);
  return error as InputFileError;
}

describe('names that are also properties of every object', () => {
  it.each(['toString', '__proto__', 'constructor', 'hasOwnProperty', 'valueOf'])('a tensor called %s is just a tensor', (name) => {
    const bytes = fileFromText(`{${JSON.stringify(name)}: {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}`, bytesOf(new Float32Array([2.5])));
    const parsed = parseSafetensors(bytes, FILE);
    expect([...parsed.entries.keys()]).toEqual([name]);
    expect(parsed.read(name).values).toEqual(new Float32Array([2.5]));
  });

  it.each(['toString', 'constructor', '__proto__', 'hasOwnProperty'])('a dtype called %s is an unknown dtype', (dtype) => {
    const error = inputFileError(() => parseSafetensors(file({ w: { dtype, shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)), FILE));
    expect(error.message).toMatch(new RegExp(`^${FILE}: tensor "w": unknown dtype "${dtype}" \\(safetensors dtypes read here:`));
  });

  it('an entry inheriting dtype or shape from nowhere: only own fields count', () => {
    // {"__proto__": {...}} inside an entry must not supply dtype/shape/offsets.
    const header = '{"w": {"__proto__": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}}';
    const error = inputFileError(() => parseSafetensors(fileFromText(header, new Uint8Array(4)), FILE));
    expect(error.message).toMatch(/tensor "w": unknown dtype undefined/);
  });

  it('__metadata__ keys such as __proto__ stay plain keys; non-string values are refused', () => {
    const ok = parseSafetensors(fileFromText('{"__metadata__": {"__proto__": "x", "format": "pt"}}'), FILE);
    expect(Object.keys(ok.metadata).sort()).toEqual(['__proto__', 'format']);
    expect(ok.metadata.format).toBe('pt');
    expect(({} as Record<string, unknown>).x).toBeUndefined(); // nothing leaked onto Object.prototype

    const error = inputFileError(() => parseSafetensors(file({ __metadata__: { labels: ['a', 'b'] } }), FILE));
    expect(error.message).toBe(`${FILE}: its header's "__metadata__" value for "labels" must be a string, got ["a","b"]`);
    expect(inputFileError(() => parseSafetensors(file({ __metadata__: 'pt' }), FILE)).message).toMatch(/"__metadata__" must be an object of strings/);
  });
});

describe('keys given twice', () => {
  it('a tensor listed twice in the header is refused (JSON.parse would keep the second silently)', () => {
    const entry = '{"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}';
    const error = inputFileError(() => parseSafetensors(fileFromText(`{"w": ${entry}, "w": ${entry}}`, new Uint8Array(4)), FILE));
    expect(error.tensor).toBe('w');
    expect(error.message).toBe(`${FILE}: tensor "w": its header gives the key "w" twice (the file is corrupt or was edited by hand)`);
  });

  it('a field given twice inside one entry is refused, naming the tensor', () => {
    const header = '{"w": {"dtype": "F32", "dtype": "F16", "shape": [1], "data_offsets": [0, 4]}}';
    const error = inputFileError(() => parseSafetensors(fileFromText(header, new Uint8Array(4)), FILE));
    expect(error.message).toBe(`${FILE}: tensor "w": its header gives the key "dtype" twice in "w" (the file is corrupt or was edited by hand)`);
  });

  it('the scanner follows strings, escapes and arrays', () => {
    expect(findDuplicateKey('{"a": "\\"a\\"", "b": [{"a": 1}, {"a": 2}], "c": {"a": {"a": 1}}}')).toBeNull();
    expect(findDuplicateKey('{"a": 1, "b": [1, {"x": 1, "x": 2}]}')).toEqual({ key: 'x', path: ['b', '[]'] });
    expect(findDuplicateKey('{"\\u0061": 1, "a": 2}')).toEqual({ key: 'a', path: [] }); // the same key, spelt two ways
  });
});

describe('the data section must be tiled exactly', () => {
  it('a hole between two tensors is refused', () => {
    const header = {
      a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
      b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] },
    };
    const error = inputFileError(() => parseSafetensors(file(header, new Uint8Array(12)), FILE));
    expect(error.tensor).toBe('b');
    expect(error.message).toBe(
      `${FILE}: tensor "b": its data starts at byte 8 but the previous tensor's ends at 4: 4 bytes in between belong to no tensor (corrupt file?)`,
    );
  });

  it('a hole before the first tensor is refused', () => {
    const error = inputFileError(() => parseSafetensors(file({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8)), FILE));
    expect(error.message).toMatch(/starts at byte 4 but the previous tensor's ends at 0/);
  });

  it('trailing bytes after the last tensor are refused', () => {
    const bytes = writeSafetensors([{ name: 'a', shape: [2], values: new Float32Array([1, 2]) }]);
    const padded = new Uint8Array(bytes.byteLength + 3);
    padded.set(bytes);
    const error = inputFileError(() => parseSafetensors(padded, FILE));
    expect(error.message).toBe(
      `${FILE}: 3 bytes follow the last tensor's data (at byte 8 of 11): a safetensors file ends where its last tensor does (corrupt or concatenated file?)`,
    );
  });

  it('data but no tensors is refused as trailing bytes', () => {
    expect(inputFileError(() => parseSafetensors(file({}, new Uint8Array(16)), FILE)).message).toMatch(/^hostile\.safetensors: 16 bytes follow/);
  });

  it('a zero-size tensor inside another one\'s data is an overlap', () => {
    const header = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, e: { dtype: 'F32', shape: [0], data_offsets: [4, 4] } };
    expect(inputFileError(() => parseSafetensors(file(header, new Uint8Array(8)), FILE)).message).toMatch(/tensor "e": its data \[4, 4\) overlaps that of "a"/);
  });

  it('tensors listed out of offset order still read (order in the header is free)', () => {
    const header = { b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] }, a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } };
    const parsed = parseSafetensors(file(header, bytesOf(new Float32Array([1, 2]))), FILE);
    expect(parsed.read('b').values).toEqual(new Float32Array([2]));
  });

  it('a shape whose byte size cannot be addressed is refused before any arithmetic goes wrong', () => {
    const header = { w: { dtype: 'F32', shape: [2 ** 30, 2 ** 30, 2 ** 30], data_offsets: [0, 4] } };
    expect(inputFileError(() => parseSafetensors(file(header, new Uint8Array(4)), FILE)).message).toMatch(/has too many elements to address/);
  });

  it('a header length over the format\'s 100 MB limit is refused before decoding', () => {
    const bytes = new Uint8Array(16);
    new DataView(bytes.buffer).setBigUint64(0, 200_000_000n, true);
    expect(inputFileError(() => parseSafetensors(bytes, FILE)).message).toBe(
      `${FILE}: not a safetensors file: its header length 200000000 exceeds the format's limit of 100000000 bytes`,
    );
  });
});

describe('dtypes beyond float32 and int32', () => {
  it('reads U16, U32 and U64 as int32', () => {
    const header = {
      a: { dtype: 'U16', shape: [2], data_offsets: [0, 4] },
      b: { dtype: 'U32', shape: [2], data_offsets: [4, 12] },
      c: { dtype: 'U64', shape: [2], data_offsets: [12, 28] },
    };
    const data = new Uint8Array(28);
    data.set(bytesOf(new Uint16Array([65535, 1])), 0);
    data.set(bytesOf(new Uint32Array([2147483647, 0])), 4);
    data.set(bytesOf(new BigUint64Array([5n, 2147483647n])), 12);
    const parsed = parseSafetensors(file(header, data), FILE);
    expect(parsed.read('a')).toEqual({ dtype: 'int32', shape: [2], values: new Int32Array([65535, 1]) });
    expect(parsed.read('b').values).toEqual(new Int32Array([2147483647, 0]));
    expect(parsed.read('c').values).toEqual(new Int32Array([5, 2147483647]));
  });

  it.each([
    ['U32', new Uint32Array([1, 2 ** 31])],
    ['U64', new BigUint64Array([1n, 2n ** 63n])],
  ])('a %s value int32 cannot hold is refused, naming the tensor and the index', (dtype, values) => {
    const parsed = parseSafetensors(file({ u: { dtype, shape: [2], data_offsets: [0, values.byteLength] } }, bytesOf(values)), FILE);
    const error = inputFileError(() => parsed.read('u'));
    expect(error.message).toBe(`${FILE}: tensor "u": ${dtype} value ${values[1]} at index 1 does not fit in int32`);
  });

  it('reads F8_E4M3 (float8_e4m3fn: no infinities, 448 the largest, one NaN)', () => {
    // 1.0, -2.0, 448, smallest subnormal 2^-9, 0.5, NaN (0x7f)
    const bytes = new Uint8Array([0x38, 0xc0, 0x7e, 0x01, 0x30, 0x7f]);
    const parsed = parseSafetensors(file({ f: { dtype: 'F8_E4M3', shape: [6], data_offsets: [0, 6] } }, bytes), FILE);
    const values = [...parsed.read('f').values];
    expect(values.slice(0, 5)).toEqual([1, -2, 448, 2 ** -9, 0.5]);
    expect(values[5]).toBeNaN();
  });

  it('reads F8_E5M2 (the top byte of a float16) and F8_E8M0 (a bare exponent)', () => {
    const e5m2 = new Uint8Array([0x3c, 0xc0, 0x7c, 0x7b]); // 1, -2, +inf, 57344
    const e8m0 = new Uint8Array([127, 130, 0, 0xff]); // 1, 8, 2^-127, NaN
    const header = {
      a: { dtype: 'F8_E5M2', shape: [4], data_offsets: [0, 4] },
      b: { dtype: 'F8_E8M0', shape: [4], data_offsets: [4, 8] },
    };
    const data = new Uint8Array(8);
    data.set(e5m2, 0);
    data.set(e8m0, 4);
    const parsed = parseSafetensors(file(header, data), FILE);
    expect([...parsed.read('a').values]).toEqual([1, -2, Infinity, 57344]);
    const b = [...parsed.read('b').values];
    expect(b.slice(0, 3)).toEqual([1, 8, Math.fround(2 ** -127)]);
    expect(b[3]).toBeNaN();
  });

  it.each([
    ['F4', /dtype F4 is not supported: 4-bit floats \(MX FP4\) pack two values per byte; dequantise/],
    ['F6_E2M3', /dtype F6_E2M3 is not supported: 6-bit floats/],
    ['C64', /dtype C64 is not supported: complex numbers/],
  ])('refuses %s, saying why', (dtype, message) => {
    const error = inputFileError(() => parseSafetensors(file({ q: { dtype, shape: [2], data_offsets: [0, 1] } }, new Uint8Array(1)), FILE));
    expect(error.tensor).toBe('q');
    expect(error.message).toMatch(message);
  });
});

describe('sharded checkpoints', () => {
  const tensor = (name: string, value: number) => ({ name, shape: [1], values: new Float32Array([value]) });
  const encode = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

  function sharded(index: unknown, shards: Record<string, Uint8Array>): MemorySource {
    return new MemorySource('big-model', new Map([['model.safetensors.index.json', encode(index)], ...Object.entries(shards)]));
  }

  it('reads a tensor from the shard the index names', async () => {
    const weights = await readWeights(
      sharded({ weight_map: { a: 's1.safetensors', b: 's2.safetensors' } }, {
        's1.safetensors': writeSafetensors([tensor('a', 1)]),
        's2.safetensors': writeSafetensors([tensor('b', 2)]),
      }),
    );
    expect(weights.get('b')!.read('b').values).toEqual(new Float32Array([2]));
  });

  it('one tensor held by two shards is refused, naming both', async () => {
    const error = await rejection(
      readWeights(
        sharded({ weight_map: { a: 's1.safetensors', b: 's2.safetensors' } }, {
          's1.safetensors': writeSafetensors([tensor('a', 1)]),
          's2.safetensors': writeSafetensors([tensor('b', 2), tensor('a', 3)]),
        }),
      ),
    );
    expect(error.message).toBe(
      'big-model/s2.safetensors: tensor "a": is also in big-model/s1.safetensors: a tensor must be in one shard only',
    );
  });

  it('one tensor listed twice in weight_map is refused (JSON.parse would keep the last)', async () => {
    const index = '{"weight_map": {"a": "s1.safetensors", "a": "s2.safetensors"}}';
    const error = await rejection(readWeights(sharded(index, { 's1.safetensors': writeSafetensors([tensor('a', 1)]) })));
    expect(error.message).toBe('big-model/model.safetensors.index.json: gives the key "a" twice in "weight_map"');
  });

  it.each(['/etc/passwd', '../other/model.safetensors', 'sub/./x.safetensors', 'a\\b.safetensors', 'c:x', '', 'x'.repeat(300), 7])(
    'a shard name %j that could point outside the folder is refused',
    async (shard) => {
      const error = await rejection(readWeights(sharded({ weight_map: { a: shard } }, {})));
      expect(error.message).toMatch(/^big-model\/model\.safetensors\.index\.json: tensor "a": weight_map entry has an invalid shard name/);
    },
  );

  it('an index listing 5,000 shards is refused before a single shard is looked for', async () => {
    const weightMap = Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`t${i}`, `model-${i}.safetensors`]));
    const source = sharded({ weight_map: weightMap }, {});
    let lookedUp = 0;
    const has = source.has.bind(source);
    source.has = async (p: string) => (p.startsWith('model-') ? (lookedUp++, has(p)) : has(p));
    const error = await rejection(readWeights(source));
    expect(error.message).toBe('big-model/model.safetensors.index.json: lists 5000 shard files, more than the 1000 a checkpoint may have');
    expect(lookedUp).toBe(0);
  });

  it('an index whose weight_map is inherited, not its own, has none', async () => {
    const error = await rejection(readWeights(sharded('{"__proto__": {"weight_map": {"a": "s1.safetensors"}}}', {})));
    expect(error.message).toBe('big-model/model.safetensors.index.json: has no "weight_map" object');
  });
});

describe('values nested deeper than a message can quote', () => {
  it('a shape nested 200,000 levels deep is an invalid shape, not a RangeError from quoting it', () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    const error = inputFileError(() =>
      parseSafetensors(fileFromText(`{"w": {"dtype": "F32", "shape": ${deep}, "data_offsets": [0, 4]}}`, new Uint8Array(4)), FILE),
    );
    expect(error.message).toBe(`${FILE}: tensor "w": invalid shape […nested too deeply to show…]`);
  });
});
