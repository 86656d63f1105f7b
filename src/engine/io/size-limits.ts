/**
 * One check and one sentence for "this file is too large": every reader
 * compares a size it knows (a File's size, a file's stat, an HTTP
 * content-length, bytes already in memory) with its limit before it
 * allocates, decodes or parses, and names the file and the limit.
 */
import { InputFileError } from '../errors';

/** 1,536 → "1.5 KiB"; 600 MiB → "600 MiB": sizes as people read them. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = unit === 0 || Number.isInteger(value) ? String(value) : value.toFixed(1);
  return `${shown} ${units[unit]}`;
}

/** Throws an InputFileError naming `file` when `size` exceeds `maxBytes` (no limit when undefined). */
export function checkFileSize(file: string, size: number, maxBytes: number | undefined, what = 'is'): void {
  if (maxBytes === undefined || size <= maxBytes) return;
  throw new InputFileError(
    file,
    `${what} too large: ${formatBytes(size)} (${size} bytes), more than the ${formatBytes(maxBytes)} limit for this file`,
  );
}
