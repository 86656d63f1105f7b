/**
 * A checkpoint folder on disk, for the Node CLIs and tests. Never imported by
 * the browser bundle.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputFileError } from '../errors';
import type { FileSource, ProgressCallback } from './source';

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

  async read(file: string, onProgress?: ProgressCallback): Promise<Uint8Array> {
    const full = path.join(this.directory, file);
    try {
      const buffer = await fs.readFile(full);
      onProgress?.(file, buffer.byteLength, buffer.byteLength);
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new InputFileError(full, code === 'ENOENT' ? 'file not found' : `could not be read (${code})`);
    }
  }

  describe(file: string): string {
    return path.join(this.directory, file);
  }
}
