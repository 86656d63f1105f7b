/**
 * Seeded corruptions of a valid file: bit flips, truncation, byte
 * insertions, length-field edits (at the offsets the format keeps lengths
 * in, or numbers in a JSON / CSV text) and splices (a piece of the file
 * copied over another place). Each mutation says what it did, so a failing
 * case can be read without replaying it.
 */
import { createRng } from '../../src/engine/random';

export type Rng = () => number;

/** Where a format keeps a length, size or count: a byte offset and the field's width and byte order. */
export interface LengthField {
  offset: number;
  width: 1 | 2 | 4 | 8;
  littleEndian: boolean;
}

export interface Mutated {
  bytes: Uint8Array;
  /** "bitflip@123; truncate@400" */
  description: string;
}

export const MUTATIONS = ['bitflip', 'truncate', 'insert', 'length', 'splice'] as const;
export type MutationName = (typeof MUTATIONS)[number];

const int = (rng: Rng, n: number) => Math.floor(rng() * n);

/** What a mutation needs to know of a format: where its binary lengths are, which part of it is text. */
export interface FormatShape {
  /** Binary length fields (none for text formats). */
  lengths?: (bytes: Uint8Array) => LengthField[];
  /** The bytes that are text, whose numbers a 'length' mutation edits: the whole file for text, a header for safetensors. */
  textRange?: (bytes: Uint8Array) => [number, number] | null;
  /** Insertions favour JSON/CSV punctuation. */
  text: boolean;
}

/** 1 to 3 mutations, chosen and placed by `seed`. */
export function mutate(original: Uint8Array, seed: number, format: FormatShape): Mutated {
  const rng = createRng(seed);
  let bytes: Uint8Array = original.slice();
  const done: string[] = [];
  const count = 1 + int(rng, 3);
  for (let i = 0; i < count; i++) {
    const name = MUTATIONS[int(rng, MUTATIONS.length)];
    const result = apply(name, bytes, rng, format);
    bytes = result.bytes;
    done.push(result.description);
  }
  return { bytes, description: done.join('; ') };
}

function apply(name: MutationName, bytes: Uint8Array, rng: Rng, format: FormatShape): Mutated {
  const at = int(rng, Math.max(1, bytes.length));
  const isText = format.text;
  switch (name) {
    case 'bitflip': {
      const out = bytes.slice();
      const flips = 1 + int(rng, 8);
      for (let i = 0; i < flips && out.length > 0; i++) out[int(rng, out.length)] ^= 1 << int(rng, 8);
      return { bytes: out, description: `bitflip×${flips}` };
    }
    case 'truncate':
      return { bytes: bytes.slice(0, at), description: `truncate@${at}` };
    case 'insert': {
      const length = 1 + int(rng, 64);
      const inserted = Uint8Array.from({ length }, () => (isText && rng() < 0.5 ? '",\n{}[]0 '.charCodeAt(int(rng, 9)) : int(rng, 256)));
      return { bytes: concat(bytes.subarray(0, at), inserted, bytes.subarray(at)), description: `insert${length}@${at}` };
    }
    case 'length': {
      const range = format.textRange?.(bytes) ?? null;
      if (range && (!format.lengths || rng() < 0.6)) return editTextNumber(bytes, rng, range);
      return editLengthField(bytes, rng, format.lengths?.(bytes) ?? []);
    }
    case 'splice': {
      const length = 1 + int(rng, Math.min(4096, Math.max(1, bytes.length)));
      const from = int(rng, Math.max(1, bytes.length - length));
      const out = bytes.slice();
      out.set(bytes.subarray(from, from + length).slice(0, Math.max(0, out.length - at)), at);
      return { bytes: out, description: `splice${length}:${from}->${at}` };
    }
  }
}

/** Values that break length arithmetic: zero, one, sign and width boundaries, off by one, doubled. */
function interestingValue(rng: Rng, original: number, width: number): number {
  const max = width >= 4 ? 0xffffffff : 2 ** (8 * width) - 1;
  const choices = [0, 1, 2, 0x7f, 0xff, 0x7fff, 0xffff, 0x7fffffff, 0xffffffff, original + 1, original - 1, original * 2, Math.floor(original / 2), int(rng, max + 1)];
  return Math.max(0, Math.min(max, choices[int(rng, choices.length)]));
}

function editLengthField(bytes: Uint8Array, rng: Rng, fields: LengthField[]): Mutated {
  const usable = fields.filter((f) => f.offset + f.width <= bytes.length);
  const field = usable.length > 0 ? usable[int(rng, usable.length)] : { offset: int(rng, Math.max(1, bytes.length - 4)), width: 4 as const, littleEndian: rng() < 0.5 };
  if (field.offset + field.width > bytes.length) return { bytes, description: 'length(no field)' };
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  const original = field.width === 8 ? Number(view.getBigUint64(field.offset, field.littleEndian)) : readUint(view, field.offset, field.width, field.littleEndian);
  let value = interestingValue(rng, original, field.width);
  if (field.width === 8) {
    const huge = [2n ** 63n, 2n ** 53n, 2n ** 32n];
    const big = rng() < 0.3 ? huge[int(rng, huge.length)] : BigInt(value);
    view.setBigUint64(field.offset, big, field.littleEndian);
    return { bytes: out, description: `length@${field.offset}:${original}->${big}` };
  }
  value = Math.min(value, 2 ** (8 * field.width) - 1);
  writeUint(view, field.offset, field.width, field.littleEndian, value);
  return { bytes: out, description: `length@${field.offset}:${original}->${value}` };
}

/** A number in a text (a JSON size, a config width, a CSV field) replaced by an awkward one. */
function editTextNumber(bytes: Uint8Array, rng: Rng, [start, end]: [number, number]): Mutated {
  const text = new TextDecoder().decode(bytes.subarray(start, end));
  const numbers = [...text.matchAll(/-?\d+(\.\d+)?([eE][+-]?\d+)?/g)];
  if (numbers.length === 0) return { bytes, description: 'number(none)' };
  const match = numbers[int(rng, numbers.length)];
  const replacements = ['0', '-1', '1e308', '1e-320', '4294967296', '10000000', '3.5', '-0', '9007199254740993', 'NaN', '1e400', '""', 'null'];
  const replacement = replacements[int(rng, replacements.length)];
  const index = match.index ?? 0;
  const edited = new TextEncoder().encode(text.slice(0, index) + replacement + text.slice(index + match[0].length));
  return { bytes: concat(bytes.subarray(0, start), edited, bytes.subarray(end)), description: `number@${start + index}:${match[0]}->${replacement}` };
}

function readUint(view: DataView, offset: number, width: number, littleEndian: boolean): number {
  return width === 1 ? view.getUint8(offset) : width === 2 ? view.getUint16(offset, littleEndian) : view.getUint32(offset, littleEndian);
}

function writeUint(view: DataView, offset: number, width: number, littleEndian: boolean, value: number): void {
  if (width === 1) view.setUint8(offset, value);
  else if (width === 2) view.setUint16(offset, value, littleEndian);
  else view.setUint32(offset, value >>> 0, littleEndian);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Where each binary format keeps its lengths

/** safetensors: the u64 header length. */
export function safetensorsLengths(): LengthField[] {
  return [{ offset: 0, width: 8, littleEndian: true }];
}

/** safetensors: the JSON header (dtypes, shapes, data_offsets), when its length field still fits the file. */
export function safetensorsHeader(bytes: Uint8Array): [number, number] | null {
  if (bytes.length < 8) return null;
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  return 8 + length <= bytes.length ? [8, 8 + length] : null;
}

/** zip: local headers' sizes and name lengths, central entries' sizes, lengths and offsets, the end record's count, size and offset. */
export function zipLengths(bytes: Uint8Array): LengthField[] {
  const fields: LengthField[] = [];
  const le = (offset: number, width: 2 | 4) => fields.push({ offset, width, littleEndian: true });
  for (let at = 0; at + 4 <= bytes.length; at++) {
    if (bytes[at] !== 0x50 || bytes[at + 1] !== 0x4b) continue;
    const tag = bytes[at + 2] * 256 + bytes[at + 3];
    if (tag === 0x0304) [18, 22].forEach((o) => le(at + o, 4)), [26, 28].forEach((o) => le(at + o, 2));
    else if (tag === 0x0102) [20, 24, 42].forEach((o) => le(at + o, 4)), [28, 30, 32].forEach((o) => le(at + o, 2));
    else if (tag === 0x0506) [8, 10, 20].forEach((o) => le(at + o, 2)), [12, 16].forEach((o) => le(at + o, 4));
  }
  return fields;
}

/** PNG: every chunk's length (big-endian), and IHDR's width and height. */
export function pngLengths(bytes: Uint8Array): LengthField[] {
  const fields: LengthField[] = [
    { offset: 16, width: 4, littleEndian: false },
    { offset: 20, width: 4, littleEndian: false },
  ];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 8; at + 8 <= bytes.length; ) {
    fields.push({ offset: at, width: 4, littleEndian: false });
    at += 12 + view.getUint32(at);
  }
  return fields;
}

/** JPEG: every marker segment's length (big-endian), and the frame header's height and width. */
export function jpegLengths(bytes: Uint8Array): LengthField[] {
  const fields: LengthField[] = [];
  for (let at = 2; at + 4 <= bytes.length; ) {
    if (bytes[at] !== 0xff) break;
    const marker = bytes[at + 1];
    if (marker === 0xda) {
      fields.push({ offset: at + 2, width: 2, littleEndian: false });
      break; // entropy-coded data follows
    }
    fields.push({ offset: at + 2, width: 2, littleEndian: false });
    if (marker >= 0xc0 && marker <= 0xc3) fields.push({ offset: at + 5, width: 2, littleEndian: false }, { offset: at + 7, width: 2, littleEndian: false });
    at += 2 + (bytes[at + 2] << 8) + bytes[at + 3];
  }
  return fields;
}
