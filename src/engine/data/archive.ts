/**
 * .zip archives among the user's files, opened in memory (pure JS: works in
 * Node and in a Web Worker) with the strict reader in ./zip.
 *
 * One budget covers the whole archive tree: every byte inflated, at every
 * level of archives inside archives, counts against MAX_ARCHIVE_BYTES, so
 * nesting cannot multiply it. Sizes are checked as declared before anything
 * is inflated, and no entry inflates past its declared size (see ./zip).
 */
import { InputFileError } from '../errors';
import { dirName, extensionOf, isIgnoredPath, joinPath, normalizePath } from './files';
import type { DataFile } from './types';
import { readZipDirectory, readZipEntry, type ZipEntry } from './zip';

/** Uncompressed bytes one archive tree may hold (all levels together): a guard against zip bombs exhausting memory. */
export const MAX_ARCHIVE_BYTES = 1 << 30;
/** Archives inside archives are opened this many levels deep. */
const MAX_ARCHIVE_DEPTH = 3;

/** What is left of the uncompressed-bytes budget, shared by every archive opened for one dataset. */
export interface ArchiveBudget {
  remaining: number;
  readonly limit: number;
}

export function archiveBudget(limit = MAX_ARCHIVE_BYTES): ArchiveBudget {
  return { remaining: limit, limit };
}
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
export function expandArchives(files: readonly DataFile[], budget: ArchiveBudget = archiveBudget(), depth = 0): ExpandedFile[] {
  const out: ExpandedFile[] = [];
  for (const file of files) {
    if (!isArchive(file.path)) {
      const expanded = file as Partial<ExpandedFile>;
      out.push({ path: file.path, bytes: file.bytes, layoutPath: expanded.layoutPath ?? normalizePath(file.path), archive: expanded.archive ?? null });
      continue;
    }
    if (depth >= MAX_ARCHIVE_DEPTH) throw new InputFileError(file.path, `archives nested more than ${MAX_ARCHIVE_DEPTH} deep are not opened`);
    const layoutFolder = dirName((file as Partial<ExpandedFile>).layoutPath ?? normalizePath(file.path));
    const entries = unzipEntries(file, budget).map(([name, bytes]) => ({
      path: `${file.path}/${name}`,
      bytes,
      layoutPath: joinPath(layoutFolder, name),
      archive: file.path,
    }));
    out.push(...expandArchives(entries, budget, depth + 1));
  }
  return out;
}

/** The names of the files in an archive, without decompressing them. */
export function listArchive(file: DataFile): string[] {
  return readZipDirectory(file.bytes, file.path)
    .filter((entry) => isDataEntry(entry.name))
    .map((entry) => normalizePath(entry.name));
}

/** Only the entries `wanted` picks, decompressed, named "archive.zip/inner/path". */
export function extractFromArchive(file: DataFile, wanted: (name: string) => boolean, budget: ArchiveBudget = archiveBudget()): DataFile[] {
  return unzipEntries(file, budget, wanted, false).map(([name, bytes]) => ({ path: `${file.path}/${name}`, bytes }));
}

function unzipEntries(
  file: DataFile,
  budget: ArchiveBudget,
  wanted: (name: string) => boolean = () => true,
  requireAny = true,
): [string, Uint8Array][] {
  const picked: ZipEntry[] = [];
  const seen = new Set<string>();
  for (const entry of readZipDirectory(file.bytes, file.path)) {
    // A folder entry holds nothing; one that claims bytes is a file whose name was damaged.
    if (entry.name.endsWith('/') && entry.size > 0) {
      throw new InputFileError(`${file.path}/${entry.name}`, `is named like a folder but holds ${entry.size} bytes; the archive is damaged`);
    }
    if (!isDataEntry(entry.name) || !wanted(normalizePath(entry.name))) continue;
    const name = normalizePath(entry.name);
    if (seen.has(name)) throw new InputFileError(file.path, `holds two entries named "${name}"; which one is meant is ambiguous`);
    seen.add(name);
    // Declared sizes first: a bomb is refused before anything is inflated.
    budget.remaining -= entry.size;
    if (budget.remaining < 0) {
      throw new InputFileError(
        file.path,
        `holds more than ${budget.limit / 2 ** 20} MiB uncompressed (counting every archive inside it and beside it); use a smaller archive`,
      );
    }
    picked.push(entry);
  }
  if (picked.length === 0 && requireAny) throw new InputFileError(file.path, 'is an empty archive (no files in it)');
  return picked.map((entry): [string, Uint8Array] => [normalizePath(entry.name), readZipEntry(file.bytes, entry, file.path)]);
}

function isDataEntry(name: string): boolean {
  return !name.endsWith('/') && !isIgnoredPath(name) && normalizePath(name) !== '';
}
