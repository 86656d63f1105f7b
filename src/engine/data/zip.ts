/**
 * A strict .zip reader: the central directory gives each entry's sizes and
 * CRC, and an entry is only ever inflated into the size it declares. fflate's
 * unzipSync inflates into a buffer of the declared size and silently drops
 * what does not fit, so an entry whose data is longer than it claims came out
 * truncated; here it is an error naming the entry, and so is one shorter than
 * it claims or one whose CRC-32 does not match. Inflation is streamed in
 * small slices of compressed input, so a crafted entry costs at most its
 * declared size plus one slice's worth of output, never more.
 *
 * Stored (0) and deflated (8) entries are read; ZIP64 sizes and offsets too.
 * Encrypted entries, other methods and multi-disk archives are refused.
 */
import { Inflate } from 'fflate';
import { InputFileError } from '../errors';

export interface ZipEntry {
  /** The name as stored (UTF-8, or Latin-1 when not flagged UTF-8 and not valid UTF-8). */
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  /** The uncompressed size the central directory declares. */
  size: number;
  localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** Compressed bytes pushed to the inflater at a time: deflate expands at most ~1032×, so one push yields ≤ ~17 MB. */
const INFLATE_SLICE = 16 * 1024;

/** The entries of the archive's central directory, in stored order. */
export function readZipDirectory(bytes: Uint8Array, file: string): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eocd = findEndOfDirectory(bytes, view);
  if (eocd < 0) throw new InputFileError(file, 'is not a readable .zip archive (no end-of-central-directory record)');
  let count = view.getUint16(eocd + 10, true);
  let directorySize = view.getUint32(eocd + 12, true);
  let directoryOffset = view.getUint32(eocd + 16, true);
  if (view.getUint16(eocd + 4, true) !== 0 || view.getUint16(eocd + 6, true) !== 0) {
    throw new InputFileError(file, 'is a multi-part (spanned) .zip archive, which cannot be read; join the parts into one archive');
  }
  let directoryEnd = eocd;
  if (count === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
    ({ count, directorySize, directoryOffset, record: directoryEnd } = readZip64End(view, eocd, file));
  }
  // The directory ends where the end record begins: bytes between them mean the sizes or the file were altered.
  if (directoryOffset + directorySize !== directoryEnd) {
    throw new InputFileError(file, 'is not a readable .zip archive (its central directory does not end where its end record begins: damaged, or data was added to it)');
  }
  if (directoryOffset + directorySize > bytes.length) {
    throw new InputFileError(file, 'is not a readable .zip archive (its central directory lies past the end of the file: truncated?)');
  }
  const entries: ZipEntry[] = [];
  let at = directoryOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== CENTRAL) {
      throw new InputFileError(file, `is not a readable .zip archive (central directory entry ${i + 1} of ${count} is damaged)`);
    }
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const end = at + 46 + nameLength + extraLength + commentLength;
    if (end > bytes.length) throw new InputFileError(file, `is not a readable .zip archive (central directory entry ${i + 1} is cut short)`);
    const flags = view.getUint16(at + 8, true);
    const entry: ZipEntry = {
      name: decodeName(bytes.subarray(at + 46, at + 46 + nameLength), (flags & 0x800) !== 0),
      method: view.getUint16(at + 10, true),
      flags,
      crc: view.getUint32(at + 16, true),
      compressedSize: view.getUint32(at + 20, true),
      size: view.getUint32(at + 24, true),
      localHeaderOffset: view.getUint32(at + 42, true),
    };
    applyZip64Extra(entry, view, at + 46 + nameLength, extraLength, file);
    entries.push(entry);
    at = end;
  }
  // An end record that counts fewer entries than the directory holds would silently drop files.
  if (at !== directoryOffset + directorySize) {
    throw new InputFileError(
      file,
      `is not a readable .zip archive (its end record says ${count} entries in ${directorySize} bytes, but they take ${at - directoryOffset})`,
    );
  }
  return entries;
}

/** The entry's bytes, exactly its declared size; an error naming `archive/name` when it is not what it claims. */
export function readZipEntry(bytes: Uint8Array, entry: ZipEntry, file: string): Uint8Array {
  const where = `${file}/${entry.name}`;
  if (entry.flags & 0x1) throw new InputFileError(where, 'is encrypted; only unencrypted archives can be read');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const local = entry.localHeaderOffset;
  if (local + 30 > bytes.length || view.getUint32(local, true) !== LOCAL) {
    throw new InputFileError(where, 'cannot be read: its local header is missing or damaged');
  }
  const localNameLength = view.getUint16(local + 26, true);
  const start = local + 30 + localNameLength + view.getUint16(local + 28, true);
  // As Python's zipfile does: the local header must name the entry the directory names.
  const localName = decodeName(bytes.subarray(local + 30, Math.min(bytes.length, local + 30 + localNameLength)), (view.getUint16(local + 6, true) & 0x800) !== 0);
  if (localName !== entry.name) {
    throw new InputFileError(where, `cannot be read: the archive's directory and the entry's own header name it differently ("${localName.slice(0, 80)}"); the archive is damaged`);
  }
  const compressed = bytes.subarray(start, start + entry.compressedSize);
  if (start + entry.compressedSize > bytes.length) {
    throw new InputFileError(where, `is cut short: its ${entry.compressedSize} compressed bytes run past the end of the archive (truncated?)`);
  }
  let data: Uint8Array;
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.size) {
      throw new InputFileError(where, `holds ${entry.compressedSize} stored bytes but its header declares ${entry.size}`);
    }
    data = compressed;
  } else if (entry.method === 8) {
    data = boundedInflate(compressed, entry.size, where);
  } else {
    throw new InputFileError(where, `uses compression method ${entry.method}; only stored (0) and deflate (8) entries can be read`);
  }
  const crc = crc32(data);
  if (crc !== entry.crc) {
    throw new InputFileError(where, `is damaged: its CRC-32 is ${hex(crc)} but the archive records ${hex(entry.crc)}`);
  }
  return data;
}

/** Inflates into exactly `size` bytes; longer or shorter data is an error, found before more than one slice too much is made. */
function boundedInflate(compressed: Uint8Array, size: number, where: string): Uint8Array {
  const out = new Uint8Array(size);
  let written = 0;
  let finished = false;
  const inflater = new Inflate((chunk, final) => {
    if (written + chunk.length > size) {
      throw new InputFileError(where, `holds more data than the ${size} bytes its header declares; the archive is damaged or crafted`);
    }
    out.set(chunk, written);
    written += chunk.length;
    if (final) finished = true;
  });
  try {
    for (let at = 0; at < compressed.length && !finished; at += INFLATE_SLICE) {
      const end = Math.min(compressed.length, at + INFLATE_SLICE);
      inflater.push(compressed.subarray(at, end), end === compressed.length);
    }
    if (compressed.length === 0) inflater.push(new Uint8Array(0), true);
  } catch (error) {
    if (error instanceof InputFileError) throw error;
    throw new InputFileError(where, `is damaged: its compressed data cannot be inflated (${(error as Error).message})`);
  }
  if (written !== size) throw new InputFileError(where, `holds ${written} bytes but its header declares ${size}; the archive is damaged`);
  return out;
}

function findEndOfDirectory(bytes: Uint8Array, view: DataView): number {
  // The record is 22 bytes plus a comment of at most 65,535 bytes, at the very end.
  const last = bytes.length - 22;
  for (let at = last; at >= 0 && at >= last - 0xffff; at--) {
    if (view.getUint32(at, true) === EOCD && at + 22 + view.getUint16(at + 20, true) <= bytes.length) return at;
  }
  return -1;
}

function readZip64End(view: DataView, eocd: number, file: string): { count: number; directorySize: number; directoryOffset: number; record: number } {
  const locator = eocd - 20;
  if (locator < 0 || view.getUint32(locator, true) !== ZIP64_LOCATOR) {
    throw new InputFileError(file, 'is not a readable .zip archive (it claims ZIP64 sizes but has no ZIP64 locator)');
  }
  const record = safeNumber(view.getBigUint64(locator + 8, true), file);
  if (record + 56 > view.byteLength || view.getUint32(record, true) !== ZIP64_EOCD) {
    throw new InputFileError(file, 'is not a readable .zip archive (its ZIP64 end record is missing or damaged)');
  }
  return {
    count: safeNumber(view.getBigUint64(record + 32, true), file),
    directorySize: safeNumber(view.getBigUint64(record + 40, true), file),
    directoryOffset: safeNumber(view.getBigUint64(record + 48, true), file),
    record,
  };
}

/** ZIP64's extra field (id 1) holds, in order, each of the sizes and the offset that is 0xFFFFFFFF in the header. */
function applyZip64Extra(entry: ZipEntry, view: DataView, start: number, length: number, file: string): void {
  const fields = (['size', 'compressedSize', 'localHeaderOffset'] as const).filter((key) => entry[key] === 0xffffffff);
  if (fields.length === 0) return;
  for (let at = start; at + 4 <= start + length; ) {
    const id = view.getUint16(at, true);
    const size = view.getUint16(at + 2, true);
    if (id === 0x0001) {
      if (size < fields.length * 8) break;
      fields.forEach((key, i) => (entry[key] = safeNumber(view.getBigUint64(at + 4 + 8 * i, true), file)));
      return;
    }
    at += 4 + size;
  }
  throw new InputFileError(`${file}/${entry.name}`, 'declares ZIP64 sizes but has no valid ZIP64 extra field');
}

function safeNumber(value: bigint, file: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new InputFileError(file, 'is not a readable .zip archive (a ZIP64 size is out of range)');
  return Number(value);
}

function decodeName(bytes: Uint8Array, utf8: boolean): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // Not valid UTF-8: old tools store names in a code page; Latin-1 keeps every byte visible.
    return utf8 ? new TextDecoder('utf-8').decode(bytes) : String.fromCharCode(...bytes);
  }
}

let crcTable: Uint32Array | null = null;

/** CRC-32 (IEEE 802.3, as zip and PNG use). */
export function crc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = crcTable[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}
