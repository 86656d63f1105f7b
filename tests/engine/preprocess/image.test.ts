/**
 * Image preprocessing reproduces transformers' ViTImageProcessor: Pillow's
 * resize byte for byte, then rescale and normalise in float32. Reference
 * values come from Pillow 9.4 and numpy (pillow-reference.py writes
 * pillow-reference.json).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RgbaImage } from '../../../src/engine/data/types';
import { InputFileError } from '../../../src/engine/errors';
import { MemorySource } from '../../../src/engine/io/source';
import type { ImageClassifierConfig } from '../../../src/engine/models/types';
import { imagePreprocessor, loadImagePreprocessor, preprocessBatch } from '../../../src/engine/preprocess/image';
import { PIL_RESAMPLE, resizePlane } from '../../../src/engine/preprocess/resample';
import { useBackend } from '../../helpers/backend';

interface PillowReference {
  resize: Record<string, number[]>;
  luminance_4x3: number[];
  checker_4x4_to_2x2_bilinear: number[];
  vit_7x5_to_4x4_bilinear_imagenet: number[];
  vit_7x5_shortest4_crop3_bicubic: number[];
  vit_3x2_crop4_padded: number[];
}

const REFERENCE = JSON.parse(
  readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'pillow-reference.json'), 'utf8'),
) as PillowReference;

const IMAGENET = { image_mean: [0.485, 0.456, 0.406], image_std: [0.229, 0.224, 0.225] };

/** The synthetic image of pillow-reference.py, as RGBA with the given alpha. */
function patternImage(width: number, height: number, alpha = 255): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) data[(y * width + x) * 4 + c] = (x * 37 + y * 91 + c * 53 + x * y * 7) % 256;
      data[(y * width + x) * 4 + 3] = alpha;
    }
  }
  return { width, height, data };
}

/** An opaque image whose R, G and B are all `value`. */
function constantImage(width: number, height: number, value: number): RgbaImage {
  const data = new Uint8Array(width * height * 4).fill(value);
  for (let i = 3; i < data.length; i += 4) data[i] = 255;
  return { width, height, data };
}

function vitConfig(imageSize: number, numChannels = 3): ImageClassifierConfig {
  return {
    modelType: 'vit', task: 'image-classification', numLayers: 1, hiddenSize: 8, numHeads: 1, raw: {},
    imageSize, patchSize: 1, numChannels, numLabels: 2, labels: ['a', 'b'],
  };
}

/** (C, H, W) planes back to interleaved RGB, the layout of Pillow's tobytes(). */
function interleave(planes: Uint8Array[]): number[] {
  return Array.from({ length: planes[0].length * planes.length }, (_, i) => planes[i % planes.length][Math.floor(i / planes.length)]);
}

function plane(image: RgbaImage, channel: number): Uint8Array {
  return Uint8Array.from({ length: image.width * image.height }, (_, p) => image.data[p * 4 + channel]);
}

describe('resizing, as Pillow does', () => {
  it.each(Object.keys(REFERENCE.resize))('%s (W×H -> W×H @ PIL filter) matches Pillow byte for byte', (key) => {
    const [w, h, ow, oh, filter] = key.match(/^(\d+)x(\d+)->(\d+)x(\d+)@(\d)$/)!.slice(1).map(Number);
    const image = patternImage(w, h);
    const planes = [0, 1, 2].map((c) => resizePlane(plane(image, c), w, h, ow, oh, PIL_RESAMPLE[filter]));
    expect(interleave(planes)).toEqual(REFERENCE.resize[key]);
  });

  it('antialiases a 2x downscale of a checkerboard to mid-gray, as Pillow does', () => {
    const checker = Uint8Array.from({ length: 16 }, (_, i) => ((i % 4) + Math.floor(i / 4)) % 2 ? 255 : 0);
    const out = resizePlane(checker, 4, 4, 2, 2, 'bilinear');
    expect([...out]).toEqual(REFERENCE.checker_4x4_to_2x2_bilinear);
    // Point sampling would give 0 or 255; every output pixel averages both colours.
    for (const v of out) expect(Math.abs(v - 127.5)).toBeLessThan(5);
  });

  it('returns the plane unchanged when the size is unchanged', () => {
    const p = Uint8Array.of(1, 2, 3, 4);
    expect(resizePlane(p, 2, 2, 2, 2, 'bicubic')).toBe(p);
  });
});

describe('imagePreprocessor', () => {
  it('matches ViTImageProcessor: bilinear resize, rescale 1/255, ImageNet mean/std, channels first', () => {
    const pre = imagePreprocessor({ do_resize: true, size: { height: 4, width: 4 }, resample: 2, ...IMAGENET }, vitConfig(4));
    expect([...pre.preprocess(patternImage(7, 5))]).toEqual(REFERENCE.vit_7x5_to_4x4_bilinear_imagenet);
  });

  it('supports shortest_edge resizing with a centre crop (DeiT-style configs), bicubic', () => {
    const config = { size: { shortest_edge: 4 }, resample: 3, do_center_crop: true, crop_size: { height: 3, width: 3 } };
    const pre = imagePreprocessor(config, vitConfig(3));
    expect([...pre.preprocess(patternImage(7, 5))]).toEqual(REFERENCE.vit_7x5_shortest4_crop3_bicubic);
  });

  it('pads with zeros when the centre crop is larger than the image, as transformers does', () => {
    const pre = imagePreprocessor({ do_resize: false, do_center_crop: true, crop_size: 4 }, vitConfig(4));
    expect([...pre.preprocess(patternImage(3, 2))]).toEqual(REFERENCE.vit_3x2_crop4_padded);
  });

  it('normalises constant images to known values', () => {
    const pre = imagePreprocessor(null, vitConfig(2));
    expect([...pre.preprocess(constantImage(5, 3, 255))]).toEqual(new Array(12).fill(1));
    expect([...pre.preprocess(constantImage(5, 3, 0))]).toEqual(new Array(12).fill(-1));
    const mid = Math.fround(Math.fround(Math.fround(128 / 255) - 0.5) / 0.5);
    expect([...pre.preprocess(constantImage(1, 1, 128))]).toEqual(new Array(12).fill(mid));
    const imagenet = imagePreprocessor({ ...IMAGENET, size: 2 }, vitConfig(2)).preprocess(constantImage(2, 2, 255));
    IMAGENET.image_mean.forEach((mean, c) => {
      const expected = Math.fround(Math.fround(1 - Math.fround(mean)) / Math.fround(IMAGENET.image_std[c]));
      expect([...imagenet.subarray(c * 4, c * 4 + 4)]).toEqual([expected, expected, expected, expected]);
    });
  });

  it('without preprocessor_config.json uses ViT defaults and says so', () => {
    const pre = imagePreprocessor(null, vitConfig(16));
    expect(pre.settings).toEqual({
      resize: { height: 16, width: 16 }, resample: 'bilinear', centerCrop: null, rescaleFactor: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5],
    });
    expect(pre.notes[0]).toMatch(/^no preprocessor_config.json: using ViT defaults/);
    expect([pre.channels, pre.height, pre.width]).toEqual([3, 16, 16]);
  });

  it('honours do_rescale and do_normalize set to false', () => {
    const pre = imagePreprocessor({ do_resize: false, do_rescale: false, do_normalize: false }, vitConfig(3));
    const image = patternImage(3, 3);
    expect([...pre.preprocess(image)]).toEqual([0, 1, 2].flatMap((c) => [...plane(image, c)]));
  });

  it('composites transparent pixels on white before dropping alpha', () => {
    const pre = imagePreprocessor({ do_resize: false, do_rescale: false, do_normalize: false }, vitConfig(4));
    const white = new Float32Array(3 * 4 * 4).fill(255);
    // Fully transparent: white whatever the colour underneath (an icon's RGB = 0 must not come out black).
    expect(pre.preprocess(patternImage(4, 4, 0))).toEqual(white);
    expect(pre.preprocess(patternImage(4, 4, 255))).toEqual(new Float32Array([0, 1, 2].flatMap((c) => [...plane(patternImage(4, 4), c)])));
    expect(pre.notes).toContain("transparent pixels are composited on white (as transformers' convert_to_rgb), then alpha is dropped");
  });

  it('composites partial alpha as Pillow alpha_composite over white', () => {
    const pre = imagePreprocessor({ do_resize: false, do_rescale: false, do_normalize: false }, vitConfig(1));
    // Black at alpha 128 over white: round(255 · 127 / 255) = 127 (Pillow's rounded fixed point); 200 at alpha 64: 241.
    const image: RgbaImage = { width: 1, height: 1, data: new Uint8Array([0, 200, 255, 128]) };
    expect([...pre.preprocess(image)]).toEqual([127, 227, 255]);
    const quarter: RgbaImage = { width: 1, height: 1, data: new Uint8Array([200, 0, 100, 64]) };
    expect([...pre.preprocess(quarter)]).toEqual([241, 191, 216]);
  });

  it('fits an image to the resize target at once, with the same result as preprocessing the original', () => {
    for (const channels of [1, 3]) {
      const pre = imagePreprocessor({ size: 4, resample: 3 }, vitConfig(4, channels));
      const large = patternImage(13, 9, 200);
      const fitted = pre.fit(large);
      expect([fitted.width, fitted.height]).toEqual([4, 4]);
      expect(fitted.data.filter((_, i) => i % 4 === 3).every((a) => a === 255)).toBe(true);
      expect(pre.preprocess(fitted)).toEqual(pre.preprocess(large));
    }
    const pre = imagePreprocessor({ size: 16 }, vitConfig(16));
    const small = patternImage(8, 8);
    expect(pre.fit(small)).toBe(small);
  });

  it('feeds a 1-channel model the luminance, as Pillow convert("L")', () => {
    const pre = imagePreprocessor({ do_resize: false, do_center_crop: true, crop_size: 4, do_rescale: false, do_normalize: false }, vitConfig(4, 1));
    const out = pre.preprocess(patternImage(4, 3));
    // The 4×3 image is padded to 4×4 with one zero row on top.
    expect([...out]).toEqual([0, 0, 0, 0, ...REFERENCE.luminance_4x3]);
  });

  it('accepts mean and std as single numbers, and size as one number', () => {
    const pre = imagePreprocessor({ size: 2, image_mean: 0.5, image_std: 0.25 }, vitConfig(2));
    expect(pre.settings.mean).toEqual([0.5, 0.5, 0.5]);
    expect(pre.settings.resize).toEqual({ height: 2, width: 2 });
    expect(pre.preprocess(constantImage(2, 2, 255))[0]).toBe(2);
  });

  it('rejects an image whose bytes do not match its size', () => {
    const pre = imagePreprocessor(null, vitConfig(2));
    expect(() => pre.preprocess({ width: 2, height: 2, data: new Uint8Array(15) })).toThrow('a 2×2 RGBA image needs 16 bytes, got 15');
    expect(() => pre.preprocess({ width: 0, height: 2, data: new Uint8Array(0) })).toThrow(/positive whole width and height/);
  });

  it('rejects an image of the wrong size when resizing is off', () => {
    const pre = imagePreprocessor({ do_resize: false }, vitConfig(4));
    expect(() => pre.preprocess(patternImage(5, 4))).toThrow('a 5×4 image became 5×4, but the model takes 4×4');
  });
});

describe('preprocessor_config.json errors name the file', () => {
  const FILE = 'my-vit/preprocessor_config.json';
  it.each([
    [{ image_mean: [0.5, 0.5] }, '"image_mean" has 2 values but the model takes 3 channel(s)'],
    [{ image_std: [0.5, 0, 0.5] }, '"image_std" must not contain 0'],
    [{ image_mean: 'imagenet' }, '"image_mean" must be a number or a list of numbers'],
    [{ resample: 7 }, '"resample" 7 is not a Pillow filter (0–5)'],
    [{ size: { height: 8, width: 8 } }, 'produces 8×8 images but the model (config.json image_size) takes 4×4'],
    [{ size: { shortest_edge: 8, longest_edge: 10 } }, '"size" must be a number, {"height", "width"} or {"shortest_edge"}; got {"shortest_edge":8,"longest_edge":10}'],
    [{ size: { height: -4, width: 4 } }, '"size.height" must be a positive whole number, got -4'],
    [{ do_resize: 'yes' }, '"do_resize" must be true or false'],
    [{ rescale_factor: '1/255' }, '"rescale_factor" must be a number'],
    [[1, 2], 'must be a JSON object'],
  ])('%j', (config, problem) => {
    expect(() => imagePreprocessor(config, vitConfig(4), FILE)).toThrow(new InputFileError(FILE, problem));
  });

  it('a model with a channel count no image gives', () => {
    expect(() => imagePreprocessor(null, vitConfig(4, 2), FILE)).toThrow(/takes 2 channels; only 1 \(gray\) or 3 \(RGB\)/);
  });
});

describe('loadImagePreprocessor and preprocessBatch', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  const source = (files: Record<string, string>) =>
    new MemorySource('vit', new Map(Object.entries(files).map(([k, v]) => [k, new TextEncoder().encode(v)])));

  it('reads preprocessor_config.json from the checkpoint, or falls back to the defaults', async () => {
    const withFile = await loadImagePreprocessor(source({ 'preprocessor_config.json': JSON.stringify({ size: 4, ...IMAGENET }) }), vitConfig(4));
    expect(withFile.settings.mean).toEqual(IMAGENET.image_mean);
    expect(withFile.notes.some((n) => n.startsWith('no preprocessor_config.json'))).toBe(false);
    const without = await loadImagePreprocessor(source({}), vitConfig(4));
    expect(without.notes[0]).toMatch(/^no preprocessor_config.json/);
    const broken = await loadImagePreprocessor(source({ 'preprocessor_config.json': '{' }), vitConfig(4)).catch((e: unknown) => e);
    expect(broken).toBeInstanceOf(InputFileError);
    expect((broken as Error).message).toMatch(/^vit\/preprocessor_config.json: is not valid JSON/);
  });

  it('stacks images into float32 (B, C, H, W) pixel values, leaking nothing', async () => {
    const pre = imagePreprocessor({ size: 4, ...IMAGENET }, vitConfig(4));
    const images = [patternImage(7, 5), constantImage(3, 3, 200), patternImage(4, 4)];
    const before = tf.memory().numTensors;
    const batch = preprocessBatch(images, pre);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(batch.shape).toEqual([3, 3, 4, 4]);
    expect(batch.dtype).toBe('float32');
    const values = await batch.data();
    images.forEach((image, i) => expect(values.subarray(i * 48, (i + 1) * 48)).toEqual(pre.preprocess(image)));
    batch.dispose();
  });
});
