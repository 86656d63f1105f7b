/**
 * PNG and JPEG decoding to 8-bit RGBA with pure-JS decoders (fast-png,
 * jpeg-js), so the same code runs in Node and in a Web Worker (which has no
 * canvas to decode with). The format is read from the bytes, not the name.
 */
import { decode as decodePng, type DecodedPng } from 'fast-png';
import { Unzlib } from 'fflate';
import * as jpeg from 'jpeg-js';
import { InputFileError } from '../errors';
import type { RgbaImage } from './types';

/** Images larger than this many pixels are refused before decoding, to bound memory. */
export const MAX_IMAGE_PIXELS = 40_000_000;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export type ImageFormat = 'png' | 'jpeg';

/** The image format the bytes start with, or null. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | null {
  if (bytes.length >= 8 && PNG_SIGNATURE.every((byte, i) => bytes[i] === byte)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return null;
}

/** Decodes a PNG or JPEG to RGBA; an InputFileError naming `file` when it cannot. */
export function decodeImage(bytes: Uint8Array, file: string): RgbaImage {
  const format = sniffImageFormat(bytes);
  if (!format) throw new InputFileError(file, 'is not a PNG or JPEG image (its first bytes match neither format)');
  let image: RgbaImage;
  try {
    image = format === 'png' ? decodePngToRgba(bytes) : decodeJpegToRgba(bytes);
  } catch (error) {
    throw new InputFileError(file, `is a damaged or unsupported ${format.toUpperCase()} (${(error as Error).message})`);
  }
  if (image.width <= 0 || image.height <= 0) throw new InputFileError(file, `has no pixels (${image.width}×${image.height})`);
  return image;
}

function decodeJpegToRgba(bytes: Uint8Array): RgbaImage {
  const decoded = jpeg.decode(bytes, {
    useTArray: true,
    formatAsRGBA: true,
    maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6,
    // Enough for the largest image accepted (40 MP: 160 MB of RGBA plus its components), no more.
    maxMemoryUsageInMB: 512,
  });
  return { width: decoded.width, height: decoded.height, data: decoded.data };
}

function decodePngToRgba(bytes: Uint8Array): RgbaImage {
  checkPngSize(bytes);
  const png = decodePng(bytes);
  const { width, height } = png;
  const sample = sampleReader(png);
  const out = new Uint8Array(width * height * 4);
  const toRgba = png.palette ? paletteToRgba(png) : png.channels <= 2 ? grayToRgba(png) : colorToRgba(png);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) toRgba(sample, y, x, out, (y * width + x) * 4);
  }
  return { width, height, data: out };
}

/** Reads the header's size before inflating, so a tiny file claiming a huge image fails fast. */
function checkPngSize(bytes: Uint8Array): void {
  if (bytes.length < 33) throw new Error('the file is truncated');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(12) !== IHDR) throw new Error('the first chunk is not IHDR');
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new Error(`${width}×${height} pixels is more than the ${MAX_IMAGE_PIXELS / 1e6} megapixels accepted`);
  }
  checkPngInflation(bytes, view, width, height);
}

const IHDR = 0x49484452;
const IDAT = 0x49444154;
const IEND = 0x49454e44;
/** Samples per pixel of each PNG colour type (0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA). */
const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** Compressed bytes inflated at a time: deflate expands at most ~1032×, so a step makes ≤ ~17 MB. */
const INFLATE_SLICE = 16 * 1024;

/**
 * The image data of a W×H PNG inflates to exactly the bytes its rows need
 * (a filter byte per row; seven passes when interlaced). A file that
 * inflates to more is crafted (a 1×1 header over 300 MB of zeros): inflate
 * it in slices and stop as soon as it passes that size, before the decoder
 * (which would keep all of it) sees it.
 */
function checkPngInflation(bytes: Uint8Array, view: DataView, width: number, height: number): void {
  const depth = bytes[24];
  const channels = PNG_CHANNELS[bytes[25]];
  if (!channels || ![1, 2, 4, 8, 16].includes(depth)) throw new Error(`unsupported colour type ${bytes[25]} with bit depth ${depth}`);
  const expected = bytes[28] === 1 ? adam7Bytes(width, height, channels * depth) : height * (1 + Math.ceil((width * channels * depth) / 8));
  let inflated = 0;
  const inflater = new Unzlib((chunk) => {
    inflated += chunk.length;
    if (inflated > expected) {
      throw new Error(`its image data inflates to more than the ${expected} bytes a ${width}×${height} image needs (a crafted or damaged file)`);
    }
  });
  for (let at = 8; at + 12 <= bytes.length; ) {
    const length = view.getUint32(at);
    const type = view.getUint32(at + 4);
    if (type === IEND) break;
    if (type === IDAT) {
      const end = Math.min(bytes.length, at + 8 + length);
      for (let slice = at + 8; slice < end; slice += INFLATE_SLICE) inflater.push(bytes.subarray(slice, Math.min(end, slice + INFLATE_SLICE)));
    }
    at += 12 + length;
  }
}

/** Bytes of an interlaced image's seven reduced images, each row with its filter byte. */
function adam7Bytes(width: number, height: number, bitsPerPixel: number): number {
  const passes = [
    [0, 0, 8, 8],
    [4, 0, 8, 8],
    [0, 4, 4, 8],
    [2, 0, 4, 4],
    [0, 2, 2, 4],
    [1, 0, 2, 2],
    [0, 1, 1, 2],
  ];
  let total = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const w = Math.ceil((width - x0) / dx);
    const h = Math.ceil((height - y0) / dy);
    if (w > 0 && h > 0) total += h * (1 + Math.ceil((w * bitsPerPixel) / 8));
  }
  return total;
}

/** sample(y, x, channel): the raw sample value, whatever the bit depth (rows of depth < 8 are bit-packed). */
type SampleReader = (y: number, x: number, channel: number) => number;
type PixelWriter = (sample: SampleReader, y: number, x: number, out: Uint8Array, offset: number) => void;

function sampleReader(png: DecodedPng): SampleReader {
  const { width, channels, depth, data } = png;
  if (depth >= 8) return (y, x, c) => data[(y * width + x) * channels + c];
  const rowBytes = Math.ceil((width * channels * depth) / 8);
  const mask = (1 << depth) - 1;
  return (y, x, c) => {
    const bit = (x * channels + c) * depth;
    const byte = data[y * rowBytes + (bit >> 3)];
    return (byte >> (8 - depth - (bit & 7))) & mask;
  };
}

/** Scales a sample of `depth` bits to 0..255. */
function to8Bit(value: number, depth: number): number {
  if (depth === 8) return value;
  if (depth === 16) return value >> 8;
  return Math.round((value * 255) / ((1 << depth) - 1));
}

function grayToRgba(png: DecodedPng): PixelWriter {
  const { depth, channels } = png;
  // A tRNS chunk on a gray image names one gray level that is transparent.
  const transparent = png.transparency && png.transparency.length > 0 ? png.transparency[0] : -1;
  return (sample, y, x, out, offset) => {
    const raw = sample(y, x, 0);
    const gray = to8Bit(raw, depth);
    out[offset] = out[offset + 1] = out[offset + 2] = gray;
    out[offset + 3] = channels === 2 ? to8Bit(sample(y, x, 1), depth) : raw === transparent ? 0 : 255;
  };
}

function colorToRgba(png: DecodedPng): PixelWriter {
  const { depth, channels } = png;
  // A tRNS chunk on an RGB image names one colour that is transparent.
  const key = png.transparency && png.transparency.length >= 3 ? png.transparency : null;
  return (sample, y, x, out, offset) => {
    const r = sample(y, x, 0);
    const g = sample(y, x, 1);
    const b = sample(y, x, 2);
    out[offset] = to8Bit(r, depth);
    out[offset + 1] = to8Bit(g, depth);
    out[offset + 2] = to8Bit(b, depth);
    const keyed = key !== null && r === key[0] && g === key[1] && b === key[2];
    out[offset + 3] = channels === 4 ? to8Bit(sample(y, x, 3), depth) : keyed ? 0 : 255;
  };
}

function paletteToRgba(png: DecodedPng): PixelWriter {
  const palette = png.palette ?? [];
  return (sample, y, x, out, offset) => {
    const index = sample(y, x, 0);
    const color = palette[index];
    if (!color) throw new Error(`pixel (${x}, ${y}) uses colour ${index}, beyond the ${palette.length}-colour palette`);
    out[offset] = color[0];
    out[offset + 1] = color[1];
    out[offset + 2] = color[2];
    out[offset + 3] = color.length > 3 ? color[3] : 255;
  };
}
