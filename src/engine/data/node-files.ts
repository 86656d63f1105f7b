/**
 * Reads dataset files from disk for the Node CLIs and tests. Node only:
 * never imported by browser code.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputFileError } from '../errors';
import { isIgnoredPath, naturalCompare } from './files';
import type { DataFile } from './types';

/**
 * The files at the given paths as DataFiles. A file is named by its base
 * name ("sotu.txt"); a folder's files by their path from the folder's parent
 * ("digits/train/3/0001.png"), as a folder dropped in the browser is. Hidden
 * files and "__MACOSX" folders are skipped; symbolic links are followed.
 * Files come in natural path order, so the result never depends on the
 * order the file system lists them in.
 */
export async function readDataFiles(targets: string | readonly string[]): Promise<DataFile[]> {
  const list = typeof targets === 'string' ? [targets] : targets;
  const files: DataFile[] = [];
  for (const target of list) {
    const stats = await statOrThrow(target);
    if (stats.isDirectory()) {
      const parent = path.dirname(path.resolve(target));
      for (const file of (await listFiles(path.resolve(target))).sort(naturalCompare)) {
        files.push({ path: toPosix(path.relative(parent, file)), bytes: await readBytes(file) });
      }
    } else {
      files.push({ path: path.basename(target), bytes: await readBytes(target) });
    }
  }
  return files;
}

async function listFiles(directory: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(directory, { withFileTypes: true })) {
    if (isIgnoredPath(entry.name)) continue;
    const full = path.join(directory, entry.name);
    const stats = entry.isSymbolicLink() ? await statOrThrow(full) : entry;
    if (stats.isDirectory()) out.push(...(await listFiles(full)));
    else if (stats.isFile()) out.push(full);
  }
  return out;
}

async function statOrThrow(target: string) {
  try {
    return await fs.stat(target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputFileError(target, code === 'ENOENT' ? 'not found' : `could not be read (${code})`);
  }
}

async function readBytes(file: string): Promise<Uint8Array> {
  try {
    const buffer = await fs.readFile(file);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (error) {
    throw new InputFileError(file, `could not be read (${(error as NodeJS.ErrnoException).code})`);
  }
}

function toPosix(file: string): string {
  return file.split(path.sep).join('/');
}
