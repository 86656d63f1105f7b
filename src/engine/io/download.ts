/**
 * Reading an HTTP response body completely, or failing loudly: progress per
 * chunk, a stall timeout between chunks, and a check against the length the
 * server announced.
 *
 * Length rules. A body shorter than content-length was cut off: an error.
 * A body longer than it was compressed in transit (content-length counts the
 * compressed bytes) by a server whose content-encoding header the page cannot
 * see (CORS hides it unless exposed): accepted, and progress stops claiming a
 * total. Truncated compressed bodies fail in the browser's decoder instead.
 */
import { InputFileError } from '../errors';
import { checkFileSize, formatBytes } from './size-limits';
import type { ProgressCallback } from './source';

/**
 * The most one download may hold in memory. Far above any checkpoint a page
 * can train (the weights are held again as tensors), and below what a
 * typed array can be; a server announcing more is refused before anything
 * is allocated, instead of failing with a bare RangeError.
 */
export const MAX_DOWNLOAD_BYTES = 8 * 1024 ** 3;

export interface ReadBodyOptions {
  /** Named in errors. */
  url: string;
  /** Passed to onProgress as the file name. */
  path: string;
  onProgress?: ProgressCallback;
  /** Abort when no chunk arrives for this long. */
  stallTimeoutMs: number;
  /** Refuse a body larger than this (default MAX_DOWNLOAD_BYTES), announced or received. */
  maxBytes?: number;
}

/**
 * The body's length when the server states it and it counts the bytes a
 * reader receives (not when the transfer is visibly compressed).
 */
export function announcedLength(response: Response): number | undefined {
  const encoding = response.headers.get('content-encoding');
  if (encoding && encoding !== 'identity') return undefined;
  const header = response.headers.get('content-length');
  const length = header === null ? NaN : Number(header);
  return Number.isSafeInteger(length) && length >= 0 ? length : undefined;
}

export async function readBody(response: Response, options: ReadBodyOptions): Promise<Uint8Array> {
  const { url, path, onProgress } = options;
  const maxBytes = Math.min(options.maxBytes ?? MAX_DOWNLOAD_BYTES, MAX_DOWNLOAD_BYTES);
  const announced = announcedLength(response);
  if (announced !== undefined && announced > maxBytes) {
    await response.body?.cancel().catch(() => {});
    checkFileSize(url, announced, maxBytes, 'is announced (content-length) as');
  }
  if (!response.body) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    checkFileSize(url, bytes.byteLength, maxBytes);
    checkComplete(url, bytes.byteLength, announced);
    onProgress?.(path, bytes.byteLength, bytes.byteLength);
    return bytes;
  }
  const reader = response.body.getReader();
  const collector = new ByteCollector(url, announced);
  onProgress?.(path, 0, announced);
  for (;;) {
    const { done, value } = await readChunk(reader, collector, options);
    if (done) break;
    if (collector.loaded + value.byteLength > maxBytes) {
      // A body without a length (or longer than it said) that keeps coming: stop before it exhausts memory.
      await reader.cancel().catch(() => {});
      checkFileSize(url, collector.loaded + value.byteLength, maxBytes, 'is, so far,');
    }
    collector.add(value);
    onProgress?.(path, collector.loaded, collector.total);
  }
  checkComplete(url, collector.loaded, announced);
  return collector.bytes();
}

/** Allocates `length` bytes, or says in words (naming the URL) that memory would not hold them. */
function allocate(url: string, length: number): Uint8Array {
  try {
    return new Uint8Array(length);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new InputFileError(url, `is too large to hold in memory: ${formatBytes(length)} (${length} bytes; ${error.message})`);
  }
}

function checkComplete(url: string, loaded: number, announced: number | undefined): void {
  if (announced !== undefined && loaded < announced) {
    throw new InputFileError(url, `download incomplete: received ${loaded} of the ${announced} bytes announced; it was not cached, try again`);
  }
}

/** One read, raced against the stall timer; a failure names the URL and how far it got. */
async function readChunk(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  collector: ByteCollector,
  { url, stallTimeoutMs }: ReadBodyOptions,
): Promise<ReadableStreamReadResult<Uint8Array>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StallError()), stallTimeoutMs);
  });
  try {
    return await Promise.race([reader.read(), stalled]);
  } catch (error) {
    await reader.cancel().catch(() => {});
    const total = collector.total === undefined ? '' : ` of ${collector.total}`;
    const cause = error instanceof StallError ? `nothing arrived for ${stallTimeoutMs / 1000} s` : messageOf(error);
    throw new InputFileError(url, `download interrupted after ${collector.loaded}${total} bytes (${cause}); it was not cached, try again`);
  } finally {
    clearTimeout(timer);
  }
}

class StallError extends Error {}

/**
 * Gathers chunks. With a known length it writes into one buffer of that size
 * (no second copy of a large checkpoint at the end); past that length it
 * falls back to a list of chunks.
 */
class ByteCollector {
  loaded = 0;
  private buffer: Uint8Array | null;
  private chunks: Uint8Array[] = [];

  constructor(
    private readonly url: string,
    private announced: number | undefined,
  ) {
    this.buffer = announced === undefined ? null : allocate(url, announced);
  }

  /** The expected total, while the body has not outgrown it. */
  get total(): number | undefined {
    return this.announced;
  }

  add(chunk: Uint8Array): void {
    if (this.buffer && this.loaded + chunk.byteLength > this.buffer.byteLength) {
      this.chunks = [this.buffer.subarray(0, this.loaded)]; // a compressed transfer: length unknown after all
      this.buffer = null;
      this.announced = undefined;
    }
    if (this.buffer) this.buffer.set(chunk, this.loaded);
    else this.chunks.push(chunk);
    this.loaded += chunk.byteLength;
  }

  bytes(): Uint8Array {
    if (this.buffer) return this.buffer.subarray(0, this.loaded);
    if (this.chunks.length === 1) return this.chunks[0];
    const out = allocate(this.url, this.loaded);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return out;
  }
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
  }
  return String(error);
}
