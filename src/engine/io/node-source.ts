/**
 * A checkpoint folder on disk, for the Node CLIs and tests. Never imported by
 * the browser bundle.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputFileError } from '../errors';
import { checkFileSize } from './size-limits';
import type { FilePrefix, FileSource, ProgressCallback, ReadOptions } from './source';

export class DirectorySource implements FileSource {
  readonly label: string;

  constructor(readonly directory: string) {
    this.label = directory;
  }

  async has(file: string): Promise<boolean> {
    try {
      return (await fs.stat(path.join(this.directory, file))).isFile();
    } catch {
      return false;
    }
  }

  async read(file: string, onProgress?: ProgressCallback, options: ReadOptions = {}): Promise<Uint8Array> {
    const full = path.join(this.directory, file);
    let size: number;
    try {
      size = (await fs.stat(full)).size;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new InputFileError(full, code === 'ENOENT' ? 'file not found' : `could not be read (${code})`);
    }
    checkFileSize(full, size, options.maxBytes); // before reading: a huge file is never loaded
    try {
      const buffer = await fs.readFile(full);
      onProgress?.(file, buffer.byteLength, buffer.byteLength);
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ERR_FS_FILE_TOO_LARGE' || error instanceof RangeError) {
        throw new InputFileError(full, `is too large to read into memory (${size} bytes: ${(error as Error).message})`);
      }
      throw new InputFileError(full, code === 'ENOENT' ? 'file not found' : `could not be read (${code})`);
    }
  }

  async readPrefix(file: string, length: number): Promise<FilePrefix> {
    const full = path.join(this.directory, file);
    let handle: fs.FileHandle | undefined;
    try {
      handle = await fs.open(full, 'r');
      const totalBytes = (await handle.stat()).size;
      const bytes = new Uint8Array(Math.min(length, totalBytes));
      const { bytesRead } = await handle.read(bytes, 0, bytes.byteLength, 0);
      return { bytes: bytes.subarray(0, bytesRead), totalBytes };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new InputFileError(full, code === 'ENOENT' ? 'file not found' : `could not be read (${code ?? (error as Error).message})`);
    } finally {
      await handle?.close();
    }
  }

  /** Bytes [begin, end) through a file handle: the rest of the file is never read. */
  async readRange(file: string, begin: number, end: number): Promise<Uint8Array> {
    const full = path.join(this.directory, file);
    let handle: fs.FileHandle | undefined;
    try {
      handle = await fs.open(full, 'r');
      const bytes = new Uint8Array(Math.max(0, end - begin));
      let filled = 0;
      // read() may return fewer bytes than asked (large ranges, pipes): loop until the range is full or the file ends.
      while (filled < bytes.byteLength) {
        const { bytesRead } = await handle.read(bytes, filled, bytes.byteLength - filled, begin + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return filled === bytes.byteLength ? bytes : bytes.subarray(0, filled);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new InputFileError(full, code === 'ENOENT' ? 'file not found' : `could not be read (${code ?? (error as Error).message})`);
    } finally {
      await handle?.close();
    }
  }

  describe(file: string): string {
    return path.join(this.directory, file);
  }
}
