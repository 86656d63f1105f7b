/** Builders for dataset files in tests: text files, PNGs, JPEGs and zips made in memory. */
import { encode as encodePng } from 'fast-png';
import { zipSync } from 'fflate';
import * as jpeg from 'jpeg-js';
import type { DataFile } from '../../../src/engine/data/types';

export function textFile(path: string, text: string): DataFile {
  return { path, bytes: new TextEncoder().encode(text) };
}

export function jsonlFile(path: string, records: unknown[]): DataFile {
  return textFile(path, records.map((record) => JSON.stringify(record)).join('\n') + '\n');
}

/** A width×height 8-bit RGBA PNG whose pixels are all `rgba`. */
export function solidPng(path: string, rgba: [number, number, number, number], width = 2, height = 2): DataFile {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < data.length; i += 4) data.set(rgba, i);
  return { path, bytes: encodePng({ width, height, data, channels: 4, depth: 8 }) };
}

/** A 2×2 RGB JPEG of one colour (at top quality, so decoded values are close to it). */
export function solidJpeg(path: string, rgb: [number, number, number], width = 8, height = 8): DataFile {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < data.length; i += 4) data.set([...rgb, 255], i);
  const encoded = jpeg.encode({ width, height, data }, 100);
  return { path, bytes: new Uint8Array(encoded.data) };
}

/** A zip holding `entries` (name → bytes), named `path`. */
export function zipFile(path: string, entries: Record<string, Uint8Array>): DataFile {
  return { path, bytes: zipSync(entries) };
}

/** Moves files into a zip, under their own paths. */
export function zipOf(path: string, files: DataFile[]): DataFile {
  return zipFile(path, Object.fromEntries(files.map((file) => [file.path, file.bytes])));
}

/** Runs `fn` and returns the error it throws (failing the test if it throws none). */
export function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error, but none was thrown');
}
