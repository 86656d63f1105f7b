/**
 * Helpers shared by the dataset parsers: path handling, which files to
 * ignore, strict UTF-8 decoding and natural (numeric-aware) ordering.
 */
import { InputFileError } from '../errors';
import { MAX_TEXT_BYTES } from '../io/source';
import { checkFileSize } from '../io/size-limits';

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'] as const;
export const TEXT_EXTENSIONS = ['.txt', '.jsonl', '.json', '.csv'] as const;
export const ARCHIVE_EXTENSIONS = ['.zip'] as const;

/** The lower-cased extension with its dot (".png"), or "" when the name has none. */
export function extensionOf(path: string): string {
  const name = baseName(path);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot).toLowerCase() : '';
}

export function baseName(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash >= 0 ? path.slice(slash + 1) : path;
}

/** The folder part of a path ("a/b/c.png" → "a/b"; "c.png" → ""). */
export function dirName(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash >= 0 ? path.slice(0, slash) : '';
}

/** Forward slashes, no "." segments, ".." resolved, no leading or trailing slash. */
export function normalizePath(path: string): string {
  const out: string[] = [];
  for (const segment of path.replace(/\\/g, '/').split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  return out.join('/');
}

export function joinPath(folder: string, path: string): string {
  return normalizePath(folder ? `${folder}/${path}` : path);
}

/**
 * Files a folder or archive carries that are not data: hidden files
 * (".DS_Store", "._x.png"), macOS archive metadata ("__MACOSX/") and
 * Windows thumbnails. Parsers skip them rather than fail on them.
 */
export function isIgnoredPath(path: string): boolean {
  return normalizePath(path)
    .split('/')
    .some((segment) => segment.startsWith('.') || segment === '__MACOSX' || segment.toLowerCase() === 'thumbs.db');
}

/**
 * The folder every path lies in, e.g. "digits" for a dropped folder
 * "digits/3/a.png", "digits/5/b.png"; "" when they share none. A single
 * file's common folder is its own folder.
 */
export function commonFolder(paths: readonly string[]): string {
  if (paths.length === 0) return '';
  let common = dirName(normalizePath(paths[0])).split('/').filter(Boolean);
  for (const path of paths.slice(1)) {
    const folders = dirName(normalizePath(path)).split('/');
    let shared = 0;
    while (shared < common.length && folders[shared] === common[shared]) shared++;
    common = common.slice(0, shared);
  }
  return common.join('/');
}

/** The path relative to `folder` (which must contain it). */
export function relativeTo(folder: string, path: string): string {
  const normalized = normalizePath(path);
  return folder ? normalized.slice(folder.length + 1) : normalized;
}

/**
 * Decodes bytes as UTF-8, rejecting anything else with a message that says
 * where the first bad byte is. A leading byte-order mark is dropped.
 */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  // Checked first: past the engine's string limit the decoder throws too,
  // and that must not be reported as bad UTF-8.
  checkFileSize(file, bytes.byteLength, MAX_TEXT_BYTES);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const offset = firstInvalidUtf8Offset(bytes);
    const line = lineAtOffset(bytes, offset);
    throw new InputFileError(
      file,
      `is not UTF-8 text: invalid byte 0x${bytes[offset].toString(16).padStart(2, '0')} at byte ${offset} (line ${line}). ` +
        'Save it as UTF-8 and try again.',
    );
  }
  const nul = text.indexOf('\0');
  if (nul >= 0) {
    throw new InputFileError(file, `looks like a binary file, not text (a NUL character on line ${lineOfIndex(text, nul)})`);
  }
  return text;
}

/** The offset of the first byte that breaks UTF-8 (one linear pass; only called on failure). */
function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i];
    const length = lead < 0x80 ? 1 : lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
    if (length === 0 || i + length > bytes.length) return i;
    for (let k = 1; k < length; k++) {
      if ((bytes[i + k] & 0xc0) !== 0x80) return i;
    }
    // Overlong forms, surrogates and code points past U+10FFFF.
    const second = bytes[i + 1];
    if (lead === 0xe0 && second < 0xa0) return i;
    if (lead === 0xed && second > 0x9f) return i;
    if (lead === 0xf0 && second < 0x90) return i;
    if (lead === 0xf4 && second > 0x8f) return i;
    i += length;
  }
  return Math.max(0, bytes.length - 1);
}

function lineAtOffset(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

/** The 1-based line number of a character index in a text. */
export function lineOfIndex(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/**
 * Compares names the way people count: "2" < "10", "img9" < "img10".
 * Digit runs compare by value, everything else by code point, so the
 * order is the same in every browser and in Node (no locale involved).
 */
export function naturalCompare(a: string, b: string): number {
  const chunksA = a.match(/\d+|\D+/g) ?? [];
  const chunksB = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(chunksA.length, chunksB.length); i++) {
    const x = chunksA[i];
    const y = chunksB[i];
    if (x === y) continue;
    const bothDigits = /^\d/.test(x) && /^\d/.test(y);
    if (bothDigits) {
      const order = compareDigitRuns(x, y);
      if (order !== 0) return order;
    }
    return x < y ? -1 : 1;
  }
  if (chunksA.length !== chunksB.length) return chunksA.length - chunksB.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareDigitRuns(x: string, y: string): number {
  const trimmedX = x.replace(/^0+(?=\d)/, '');
  const trimmedY = y.replace(/^0+(?=\d)/, '');
  if (trimmedX.length !== trimmedY.length) return trimmedX.length - trimmedY.length;
  return trimmedX < trimmedY ? -1 : trimmedX > trimmedY ? 1 : 0;
}
