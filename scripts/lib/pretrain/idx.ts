/**
 * IDX files (the MNIST / Fashion-MNIST format), optionally gzip'd:
 *
 *   bytes 0-1  zero
 *   byte  2    element type (0x08 = unsigned byte; the only one these datasets use)
 *   byte  3    number of dimensions n
 *   n × int32  big-endian sizes
 *   data       row-major
 *
 * Images are (count, rows, cols) = 3 dimensions, labels (count) = 1.
 */
import { gunzipSync } from 'node:zlib';
import { InputFileError } from '../../../src/engine/errors';

export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

const UNSIGNED_BYTE = 0x08;
const GZIP_MAGIC = [0x1f, 0x8b];

/** Parses IDX bytes (gzip'd or not); InputFileError naming `file` when they are not a ubyte IDX array. */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  const raw = isGzip(bytes) ? gunzip(bytes, file) : bytes;
  if (raw.length < 4) throw new InputFileError(file, `is ${raw.length} bytes: too short for an IDX header`);
  if (raw[0] !== 0 || raw[1] !== 0) throw new InputFileError(file, 'is not an IDX file (its first two bytes are not zero)');
  if (raw[2] !== UNSIGNED_BYTE) {
    throw new InputFileError(file, `has IDX element type 0x${raw[2].toString(16)}; only unsigned bytes (0x08) are supported`);
  }
  const rank = raw[3];
  const headerLength = 4 + 4 * rank;
  if (rank === 0 || raw.length < headerLength) throw new InputFileError(file, `has a truncated IDX header (rank ${rank})`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const shape = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const size = shape.reduce((a, b) => a * b, 1);
  if (raw.length - headerLength !== size) {
    throw new InputFileError(
      file,
      `holds ${raw.length - headerLength} data bytes but its header [${shape.join(' × ')}] needs ${size}: the file is truncated or corrupt`,
    );
  }
  return { shape, data: raw.subarray(headerLength) };
}

/** Images (count, rows, cols) with their labels (count), checked against each other. */
export interface IdxImageSet {
  count: number;
  rows: number;
  cols: number;
  /** count × rows × cols grey levels 0..255, row-major. */
  pixels: Uint8Array;
  labels: Uint8Array;
}

export function imageSetFromIdx(images: IdxArray, labels: IdxArray, imagesFile: string, labelsFile: string): IdxImageSet {
  if (images.shape.length !== 3) {
    throw new InputFileError(imagesFile, `must hold images (count, rows, cols), but has shape [${images.shape}]`);
  }
  if (labels.shape.length !== 1) throw new InputFileError(labelsFile, `must hold labels (count), but has shape [${labels.shape}]`);
  const [count, rows, cols] = images.shape;
  if (labels.shape[0] !== count) {
    throw new InputFileError(labelsFile, `has ${labels.shape[0]} labels but ${imagesFile} has ${count} images`);
  }
  return { count, rows, cols, pixels: images.data, labels: labels.data };
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];
}

function gunzip(bytes: Uint8Array, file: string): Uint8Array {
  try {
    return new Uint8Array(gunzipSync(bytes));
  } catch (error) {
    throw new InputFileError(file, `is not valid gzip: ${(error as Error).message}`);
  }
}
