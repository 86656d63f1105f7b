import { encode as encodePng } from 'fast-png';
import * as jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { MAX_IMAGE_PIXELS, decodeImage, sniffImageFormat } from '../../../src/engine/data/decode';
import { InputFileError } from '../../../src/engine/errors';
import { thrown } from './make-files';

/** RGBA bytes of a decoded image as [r, g, b, a] per pixel. */
function pixels(bytes: Uint8Array): number[][] {
  const image = decodeImage(bytes, 'test.png');
  return Array.from({ length: image.width * image.height }, (_, i) => Array.from(image.data.slice(i * 4, i * 4 + 4)));
}

describe('decodeImage: PNG variants all become 8-bit RGBA', () => {
  it('8-bit RGBA', () => {
    const data = new Uint8Array([255, 0, 0, 255, 0, 255, 0, 128]);
    const png = encodePng({ width: 2, height: 1, data, channels: 4, depth: 8 });
    expect(decodeImage(png, 'a.png')).toMatchObject({ width: 2, height: 1 });
    expect(pixels(png)).toEqual([
      [255, 0, 0, 255],
      [0, 255, 0, 128],
    ]);
  });

  it('8-bit RGB (opaque)', () => {
    const png = encodePng({ width: 1, height: 2, data: new Uint8Array([1, 2, 3, 4, 5, 6]), channels: 3, depth: 8 });
    expect(pixels(png)).toEqual([
      [1, 2, 3, 255],
      [4, 5, 6, 255],
    ]);
  });

  it('8-bit grayscale and grayscale with alpha', () => {
    expect(pixels(encodePng({ width: 2, height: 1, data: new Uint8Array([0, 200]), channels: 1, depth: 8 }))).toEqual([
      [0, 0, 0, 255],
      [200, 200, 200, 255],
    ]);
    expect(pixels(encodePng({ width: 1, height: 1, data: new Uint8Array([90, 30]), channels: 2, depth: 8 }))).toEqual([[90, 90, 90, 30]]);
  });

  it('1-, 2- and 4-bit grayscale, bit-packed with byte-aligned rows, scaled to 0..255', () => {
    // 1 bit, 3×2: rows 101 and 010, each padded to a byte.
    const oneBit = encodePng({ width: 3, height: 2, data: new Uint8Array([0b10100000, 0b01000000]), channels: 1, depth: 1 });
    expect(pixels(oneBit).map((p) => p[0])).toEqual([255, 0, 255, 0, 255, 0]);
    // 2 bits, 3×1: values 0, 1, 3 → 0, 85, 255.
    const twoBit = encodePng({ width: 3, height: 1, data: new Uint8Array([0b00011100]), channels: 1, depth: 2 });
    expect(pixels(twoBit).map((p) => p[0])).toEqual([0, 85, 255]);
    // 4 bits, 2×1: values 15, 5 → 255, 85.
    const fourBit = encodePng({ width: 2, height: 1, data: new Uint8Array([0xf5]), channels: 1, depth: 4 });
    expect(pixels(fourBit).map((p) => p[0])).toEqual([255, 85]);
  });

  it('16-bit RGBA and grayscale keep the high byte', () => {
    const rgba16 = encodePng({ width: 1, height: 1, data: new Uint16Array([0xffff, 0x8000, 0x0100, 0xff00]), channels: 4, depth: 16 });
    expect(pixels(rgba16)).toEqual([[255, 128, 1, 255]]);
    const gray16 = encodePng({ width: 1, height: 1, data: new Uint16Array([0x4000]), channels: 1, depth: 16 });
    expect(pixels(gray16)).toEqual([[64, 64, 64, 255]]);
  });

  it('palette images, with and without transparency', () => {
    const palette = [
      [10, 20, 30],
      [200, 100, 50],
    ];
    const indexed = encodePng({ width: 2, height: 1, data: new Uint8Array([1, 0]), channels: 1, depth: 8, palette });
    expect(pixels(indexed)).toEqual([
      [200, 100, 50, 255],
      [10, 20, 30, 255],
    ]);
    const withAlpha = encodePng({
      width: 3,
      height: 1,
      data: new Uint8Array([0b00011000]), // indices 0, 1, 2 at 2 bits each
      channels: 1,
      depth: 2,
      palette: [
        [0, 0, 0, 0],
        [9, 9, 9, 99],
        [255, 255, 255, 255],
      ],
    });
    expect(pixels(withAlpha)).toEqual([
      [0, 0, 0, 0],
      [9, 9, 9, 99],
      [255, 255, 255, 255],
    ]);
  });
});

describe('decodeImage: JPEG', () => {
  it('decodes to RGBA close to the encoded colours', () => {
    const data = new Uint8Array(8 * 8 * 4);
    for (let i = 0; i < data.length; i += 4) data.set([200, 40, 90, 255], i);
    const bytes = new Uint8Array(jpeg.encode({ width: 8, height: 8, data }, 100).data);
    const image = decodeImage(bytes, 'photo.jpg');
    expect(image).toMatchObject({ width: 8, height: 8 });
    const [r, g, b, a] = image.data.slice(0, 4);
    expect(Math.abs(r - 200)).toBeLessThanOrEqual(3);
    expect(Math.abs(g - 40)).toBeLessThanOrEqual(3);
    expect(Math.abs(b - 90)).toBeLessThanOrEqual(3);
    expect(a).toBe(255);
  });
});

describe('decodeImage: errors name the file', () => {
  it('rejects bytes that are neither PNG nor JPEG', () => {
    const error = thrown(() => decodeImage(new TextEncoder().encode('hello'), 'cats/notes.png'));
    expect(error).toBeInstanceOf(InputFileError);
    expect(error.message).toBe('cats/notes.png: is not a PNG or JPEG image (its first bytes match neither format)');
  });

  it('rejects a truncated PNG', () => {
    const png = encodePng({ width: 4, height: 4, data: new Uint8Array(64).fill(7), channels: 4, depth: 8 });
    expect(() => decodeImage(png.slice(0, 40), 'cut.png')).toThrow(/^cut\.png: is a damaged or unsupported PNG/);
  });

  it('rejects a truncated JPEG', () => {
    const data = new Uint8Array(16 * 16 * 4).fill(100);
    const bytes = new Uint8Array(jpeg.encode({ width: 16, height: 16, data }, 90).data);
    expect(() => decodeImage(bytes.slice(0, 30), 'cut.jpg')).toThrow(/^cut\.jpg: is a damaged or unsupported JPEG/);
  });

  it('refuses a PNG claiming more pixels than allowed before inflating it', () => {
    const png = encodePng({ width: 1, height: 1, data: new Uint8Array(4), channels: 4, depth: 8 });
    const view = new DataView(png.buffer, png.byteOffset);
    view.setUint32(16, 100_000);
    view.setUint32(20, 100_000);
    expect(() => decodeImage(png, 'huge.png')).toThrow(new RegExp(`huge\\.png: .*more than the ${MAX_IMAGE_PIXELS / 1e6} megapixels`));
  });
});

describe('sniffImageFormat', () => {
  it('reads the format from the first bytes, not the name', () => {
    const png = encodePng({ width: 1, height: 1, data: new Uint8Array(4), channels: 4, depth: 8 });
    expect(sniffImageFormat(png)).toBe('png');
    expect(sniffImageFormat(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]))).toBe('jpeg');
    expect(sniffImageFormat(new Uint8Array([0x47, 0x49, 0x46]))).toBeNull();
  });
});
