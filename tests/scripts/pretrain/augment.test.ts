/**
 * Random shifts of the ViT's pretraining images: a shift moves every pixel
 * by exactly (dx, dy), fills what comes in with opaque black, and the
 * shifts drawn repeat from the seed.
 */
import { describe, expect, it } from 'vitest';
import type { RgbaImage } from '../../../src/engine/data/types';
import { shiftImage, withRandomShifts } from '../../../scripts/lib/pretrain/augment';

/** A w×h grey image whose pixel (x, y) has value 1 + x + w·y (never 0, the fill). */
function numbered(width: number, height: number): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set([1 + i, 1 + i, 1 + i, 255], 4 * i);
  return { width, height, data };
}

function grey(image: RgbaImage, x: number, y: number): number {
  return image.data[4 * (y * image.width + x)];
}

describe('shiftImage', () => {
  it.each([
    [1, 0],
    [-2, 0],
    [0, 3],
    [2, -1],
    [-1, -2],
  ])('moves pixel (x, y) to (x + %i, y + %i) and fills the rest with opaque black', (dx, dy) => {
    const image = numbered(5, 4);
    const shifted = shiftImage(image, dx, dy);
    expect(shifted.width).toBe(5);
    expect(shifted.height).toBe(4);
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 5; x++) {
        const sx = x - dx;
        const sy = y - dy;
        const inside = sx >= 0 && sx < 5 && sy >= 0 && sy < 4;
        expect(grey(shifted, x, y), `pixel (${x}, ${y})`).toBe(inside ? grey(image, sx, sy) : 0);
        expect(shifted.data[4 * (y * 5 + x) + 3]).toBe(255);
      }
    }
  });

  it('leaves the image unchanged for (0, 0), and blank for a shift past its edge', () => {
    const image = numbered(4, 4);
    expect(Array.from(shiftImage(image, 0, 0).data)).toEqual(Array.from(image.data));
    const gone = shiftImage(image, 4, 0);
    for (let i = 0; i < 16; i++) expect(gone.data[4 * i]).toBe(0);
  });
});

describe('withRandomShifts', () => {
  /** Records the shift of each call: where the single bright pixel of a 7×7 image went. */
  function drawnShifts(maxShift: number, seed: number, calls: number): Array<[number, number]> {
    const image: RgbaImage = { width: 7, height: 7, data: new Uint8Array(7 * 7 * 4) };
    image.data.set([200, 200, 200, 255], 4 * (3 * 7 + 3)); // the centre
    const seen: Array<[number, number]> = [];
    const preprocess = withRandomShifts(
      (shifted) => {
        const at = Array.from({ length: 49 }, (_, i) => shifted.data[4 * i]).indexOf(200);
        seen.push([(at % 7) - 3, Math.floor(at / 7) - 3]);
        return new Float32Array(1);
      },
      maxShift,
      seed,
    );
    for (let i = 0; i < calls; i++) preprocess(image);
    return seen;
  }

  it('shifts by at most maxShift along each axis, reaching every shift in range', () => {
    const shifts = drawnShifts(2, 7, 400);
    for (const [dx, dy] of shifts) {
      expect(Math.abs(dx)).toBeLessThanOrEqual(2);
      expect(Math.abs(dy)).toBeLessThanOrEqual(2);
    }
    expect(new Set(shifts.map(([dx, dy]) => `${dx},${dy}`)).size).toBe(25);
  });

  it('draws the same shifts for the same seed, and others for another seed', () => {
    expect(drawnShifts(3, 42, 50)).toEqual(drawnShifts(3, 42, 50));
    expect(drawnShifts(3, 43, 50)).not.toEqual(drawnShifts(3, 42, 50));
  });

  it('is the plain preprocessing for maxShift 0, and rejects a bad maxShift', () => {
    const preprocess = (image: RgbaImage) => new Float32Array(image.data.length);
    expect(withRandomShifts(preprocess, 0, 1)).toBe(preprocess);
    expect(() => withRandomShifts(preprocess, -1, 1)).toThrow(/maxShift must be a whole number ≥ 0, got -1/);
    expect(() => withRandomShifts(preprocess, 1.5, 1)).toThrow(/maxShift/);
  });
});
