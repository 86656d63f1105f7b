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
import type { ProgressCallback } from './source';

export interface ReadBodyOptions {
  /** Named in errors. */
  url: string;
  /** Passed to onProgress as the file name. */
  path: string;
  onProgress?: ProgressCallback;
  /** Abort when no chunk arrives for this long. */
  stallTimeoutMs: number;
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
  const announced = announcedLength(response);
  if (!response.body) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    checkComplete(url, bytes.byteLength, announced);
    onProgress?.(path, bytes.byteLength, bytes.byteLength);
    return bytes;
  }
  const reader = response.body.getReader();
  const collector = new ByteCollector(announced);
  onProgress?.(path, 0, announced);
  for (;;) {
    const { done, value } = await readChunk(reader, collector, options);
    if (done) break;
    collector.add(value);
    onProgress?.(path, collector.loaded, collector.total);
  }
  checkComplete(url, collector.loaded, announced);
  return collector.bytes();
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

  constructor(private announced: number | undefined) {
    this.buffer = announced === undefined ? null : new Uint8Array(announced);
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
    const out = new Uint8Array(this.loaded);
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
