/**
 * A safetensors file read one tensor at a time: the header first (through
 * FileSource.readPrefix), then each tensor's own byte range (readRange), so
 * a load holds at most one tensor's raw bytes beside the weights it builds,
 * never the whole file. The header is validated exactly as parseSafetensors
 * validates a file in memory (same rules, same messages); the file is then
 * trusted only as far as it still delivers the bytes the header promised: a
 * range that comes back short (the file was cut, or changed, after its
 * header was read) is an InputFileError naming the file and the tensor.
 */
import { InputFileError } from '../errors';
import { parseSafetensorsHeader, safetensorsHeaderLength, type DecodedTensor, type SafetensorsFile, type SafetensorsHeader } from './safetensors';
import { decodeTensor } from './safetensors-decode';
import type { FileSource } from './source';

/** A safetensors file whose tensors are decoded on request, each read when asked for. */
export interface SafetensorsReader extends SafetensorsHeader {
  /** The file's path in its source (`model.safetensors`, a shard's name); `file` is how messages name it. */
  readonly path: string;
  /** Reads (where it is not in memory already) and decodes one tensor; InputFileError for an unknown name. */
  read(name: string): Promise<DecodedTensor>;
  /** Whether read() fetches each tensor's bytes from the source (true) or decodes a file already in memory. */
  readonly streamed: boolean;
}

/** Whether `source` can read a safetensors file tensor by tensor. */
export function canStream(source: FileSource): boolean {
  return typeof source.readPrefix === 'function' && typeof source.readRange === 'function';
}

/**
 * Opens `path` of `source` for reading tensor by tensor: reads and checks the
 * header (a few kilobytes) now, each tensor's bytes in read(). The source
 * must have readPrefix and readRange (canStream).
 */
export async function openSafetensors(source: FileSource, path: string): Promise<SafetensorsReader> {
  const readPrefix = source.readPrefix?.bind(source);
  const readRange = source.readRange?.bind(source);
  if (!readPrefix || !readRange) throw new Error(`openSafetensors: the source of ${source.describe(path)} cannot read byte ranges`);
  const file = source.describe(path);
  const start = await readPrefix(path, 8);
  const headerLength = safetensorsHeaderLength(start.bytes, start.totalBytes, file);
  const prefix = await readPrefix(path, 8 + headerLength);
  const header = parseSafetensorsHeader(prefix.bytes, prefix.totalBytes, file);
  const dataStart = 8 + headerLength;
  const read = async (name: string): Promise<DecodedTensor> => {
    const entry = header.entries.get(name);
    if (!entry) throw new InputFileError(file, 'no such tensor in the file', name);
    const begin = dataStart + entry.begin;
    const end = dataStart + entry.end;
    const raw = await readRange(path, begin, end);
    if (raw.byteLength !== end - begin) {
      throw new InputFileError(
        file,
        `only ${raw.byteLength} of its ${end - begin} bytes (file bytes ${begin} to ${end}) could be read: ` +
          `the file ends at byte ${begin + raw.byteLength}, inside this tensor (truncated, or changed while it was read?)`,
        name,
      );
    }
    return decodeTensor(file, entry, raw);
  };
  return { ...header, path, read, streamed: true };
}

/** A file parsed in memory (parseSafetensors) behind the same interface. */
export function inMemoryReader(parsed: SafetensorsFile, path: string): SafetensorsReader {
  return {
    path,
    file: parsed.file,
    metadata: parsed.metadata,
    entries: parsed.entries,
    read: async (name) => parsed.read(name),
    streamed: false,
  };
}
