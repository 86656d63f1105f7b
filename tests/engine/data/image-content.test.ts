import { encode as encodePng } from 'fast-png';
import { zlibSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../../src/engine/data/decode';
import { datasetSummary } from '../../../src/engine/data/summary';
import { parseImageDataset } from '../../../src/engine/data/images';
import { crc32 } from '../../../src/engine/data/zip';
import { InputFileError } from '../../../src/engine/errors';
import type { ImageClassifierConfig } from '../../../src/engine/models/types';
import { imagePreprocessor } from '../../../src/engine/preprocess/image';
import type { DataFile, ImageDatasetSummary } from '../../../src/engine/data';
import { solidPng, thrown } from './make-files';

/** A size×size icon whose shape lives only in alpha (RGB = 0 everywhere), as the icons of issue 11. */
function alphaIcon(path: string, shape: 'disc' | 'bar' | 'cross', size = 24, shift = 0): DataFile {
  const data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dx = x - size / 2 - shift;
      const dy = y - size / 2;
      const inside = shape === 'disc' ? dx * dx + dy * dy < (size / 3) ** 2 : shape === 'bar' ? Math.abs(dy) < size / 8 : Math.abs(dx) < 3 || Math.abs(dy) < 3;
      data[(y * size + x) * 4 + 3] = inside ? 255 : 0;
    }
  }
  return { path, bytes: encodePng({ width: size, height: size, data, channels: 4 }) };
}

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(body, 8);
  view.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}

/** A PNG whose header says width×height RGBA but whose IDAT inflates to `inflated` bytes. */
function pngClaiming(width: number, height: number, inflated: number): Uint8Array {
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr.set([8, 6, 0, 0, 0], 8);
  const parts = [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', zlibSync(new Uint8Array(inflated))), chunk('IEND', new Uint8Array(0))];
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) (bytes.set(part, at), (at += part.length));
  return bytes;
}

const vit = (imageSize: number): ImageClassifierConfig => ({
  modelType: 'vit', task: 'image-classification', numLayers: 1, hiddenSize: 8, numHeads: 1, raw: {},
  imageSize, patchSize: 1, numChannels: 3, numLabels: 2, labels: ['a', 'b'],
});

describe('transparent images', () => {
  it('are composited on white, so an icon drawn only in alpha keeps its shape, and the summary says so', () => {
    const files = [alphaIcon('icons/disc/1.png', 'disc'), alphaIcon('icons/bar/1.png', 'bar'), alphaIcon('icons/cross/1.png', 'cross')];
    const dataset = parseImageDataset(files);
    const disc = dataset.examples.find((e) => e.label === 'disc')!.image;
    const centre = (12 * 24 + 12) * 4;
    expect([...disc.data.slice(centre, centre + 4)]).toEqual([0, 0, 0, 255]); // the shape: black, opaque
    expect([...disc.data.slice(0, 4)]).toEqual([255, 255, 255, 255]); // the transparent corner: white
    expect(dataset.notes).toEqual(['3 images had transparency: composited on white']);
    const summary = datasetSummary(dataset) as ImageDatasetSummary;
    expect(summary).toMatchObject({ transparentImages: 3, blankImages: 0, identicalImages: 0 });
    expect(summary.warnings).toEqual([]);
  });

  it('warns when images are blank or identical after preprocessing', () => {
    const blank = [solidPng('d/a/1.png', [0, 0, 0, 0]), solidPng('d/b/1.png', [9, 9, 9, 0]), alphaIcon('d/b/2.png', 'disc')];
    const summary = datasetSummary(parseImageDataset(blank)) as ImageDatasetSummary;
    expect(summary.blankImages).toBe(2);
    // Fully transparent black and fully transparent grey are both plain white once composited.
    expect(summary.identicalImages).toBe(1);
    expect(summary.warnings).toEqual([
      '2 of 3 images are blank (a single colour) after preprocessing: d/a/1.png, d/b/1.png',
      '1 of 3 images are identical to another after preprocessing: d/b/1.png = d/a/1.png',
    ]);
    const same = [alphaIcon('s/a/1.png', 'bar'), alphaIcon('s/b/1.png', 'bar'), alphaIcon('s/b/2.png', 'bar')];
    expect((datasetSummary(parseImageDataset(same)) as ImageDatasetSummary).warnings).toEqual([
      'All 3 images are identical after preprocessing: the model cannot tell the classes apart',
    ]);
  });
});

describe('decoded pixels are bounded', () => {
  it('shrinks each image to the model input as soon as it is decoded', () => {
    const pre = imagePreprocessor(null, vit(8));
    const dataset = parseImageDataset([alphaIcon('i/disc/1.png', 'disc', 64), alphaIcon('i/bar/1.png', 'bar', 64)], { fitImage: (image) => pre.fit(image) });
    expect(dataset.examples.map((e) => [e.image.width, e.image.height])).toEqual([[8, 8], [8, 8]]);
  });

  it('stops at a total budget of decoded bytes, naming the file that crossed it', () => {
    const files = [alphaIcon('i/disc/1.png', 'disc', 32), alphaIcon('i/bar/1.png', 'bar', 32), alphaIcon('i/bar/2.png', 'bar', 32, 2)];
    const error = thrown(() => parseImageDataset(files, { maxDecodedBytes: 2 * 32 * 32 * 4 + 100 }));
    expect(error).toBeInstanceOf(InputFileError);
    // Images are read in label order: bar/1, bar/2, then disc/1 crosses the budget.
    expect((error as InputFileError).file).toBe('i/disc/1.png');
    expect(error.message).toMatch(/takes the decoded images of i past 0\.00\d+ MiB \(at image 3 of 3\)/);
  });

  it('refuses a PNG whose data inflates past what its declared size needs, quickly', () => {
    const bomb = pngClaiming(1, 1, 20_000_000);
    const started = performance.now();
    const error = thrown(() => decodeImage(bomb, 'tiny.png'));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(error.message).toBe('tiny.png: is a damaged or unsupported PNG (its image data inflates to more than the 5 bytes a 1×1 image needs (a crafted or damaged file))');
    // The same construction with exactly the bytes a 2×2 RGBA image needs decodes.
    expect(decodeImage(pngClaiming(2, 2, 2 * (1 + 8)), 'ok.png')).toMatchObject({ width: 2, height: 2 });
  });
});
