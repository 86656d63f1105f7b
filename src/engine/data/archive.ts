/**
 * .zip archives among the user's files, opened in memory with fflate (pure
 * JS: works in Node and in a Web Worker).
 */
import { unzipSync } from 'fflate';
import { InputFileError } from '../errors';
import { dirName, extensionOf, isIgnoredPath, joinPath, normalizePath } from './files';
import type { DataFile } from './types';

/** Uncompressed bytes one archive may hold: a guard against zip bombs exhausting memory. */
export const MAX_ARCHIVE_BYTES = 1 << 30;
/** Archives inside archives are opened this many levels deep. */
const MAX_ARCHIVE_DEPTH = 3;

/** A data file, possibly taken out of an archive. */
export interface ExpandedFile extends DataFile {
  /**
   * Where the file would be had each archive been extracted in place, in
   * the folder that holds it: "data/imgs.zip" holding "3/a.png" gives
   * "data/3/a.png". Folder layouts (class folders, CSV-relative paths) are
   * read from this. Equal to `path` for a file not in an archive.
   */
  layoutPath: string;
  /** The archive it came from, or null. */
  archive: string | null;
}

export function isArchive(path: string): boolean {
  return extensionOf(path) === '.zip';
}

/**
 * Replaces each .zip by the files in it, named "archive.zip/inner/path" so
 * messages point into the archive. Folders, hidden files and "__MACOSX/"
 * entries are dropped; other files are kept in order.
 */
export function expandArchives(files: readonly DataFile[], depth = 0): ExpandedFile[] {
  const out: ExpandedFile[] = [];
  for (const file of files) {
    if (!isArchive(file.path)) {
      const expanded = file as Partial<ExpandedFile>;
      out.push({ path: file.path, bytes: file.bytes, layoutPath: expanded.layoutPath ?? normalizePath(file.path), archive: expanded.archive ?? null });
      continue;
    }
    if (depth >= MAX_ARCHIVE_DEPTH) throw new InputFileError(file.path, `archives nested more than ${MAX_ARCHIVE_DEPTH} deep are not opened`);
    const layoutFolder = dirName((file as Partial<ExpandedFile>).layoutPath ?? normalizePath(file.path));
    const entries = unzipEntries(file).map(([name, bytes]) => ({
      path: `${file.path}/${name}`,
      bytes,
      layoutPath: joinPath(layoutFolder, name),
      archive: file.path,
    }));
    out.push(...expandArchives(entries, depth + 1));
  }
  return out;
}

/** The names of the files in an archive, without decompressing them. */
export function listArchive(file: DataFile): string[] {
  const names: string[] = [];
  openZip(file, (entry) => {
    if (isDataEntry(entry.name)) names.push(normalizePath(entry.name));
    return false;
  });
  return names;
}

/** Only the entries `wanted` picks, decompressed, named "archive.zip/inner/path". */
export function extractFromArchive(file: DataFile, wanted: (name: string) => boolean): DataFile[] {
  return unzipEntries(file, wanted, false).map(([name, bytes]) => ({ path: `${file.path}/${name}`, bytes }));
}

function unzipEntries(file: DataFile, wanted: (name: string) => boolean = () => true, requireAny = true): [string, Uint8Array][] {
  let total = 0;
  const unzipped = openZip(file, (entry) => {
    if (!isDataEntry(entry.name) || !wanted(normalizePath(entry.name))) return false;
    total += entry.originalSize;
    if (total > MAX_ARCHIVE_BYTES) {
      throw new InputFileError(file.path, `holds more than ${MAX_ARCHIVE_BYTES / 2 ** 20} MiB uncompressed; use a smaller archive`);
    }
    return true;
  });
  const entries = Object.entries(unzipped).map(([name, bytes]): [string, Uint8Array] => [normalizePath(name), bytes]);
  if (entries.length === 0 && requireAny) throw new InputFileError(file.path, 'is an empty archive (no files in it)');
  return entries;
}

function isDataEntry(name: string): boolean {
  return !name.endsWith('/') && !isIgnoredPath(name);
}

type EntryFilter = (entry: { name: string; originalSize: number }) => boolean;

function openZip(file: DataFile, filter: EntryFilter): Record<string, Uint8Array> {
  try {
    return unzipSync(file.bytes, { filter });
  } catch (error) {
    if (error instanceof InputFileError) throw error;
    throw new InputFileError(file.path, `is not a readable .zip archive (${(error as Error).message})`);
  }
}
