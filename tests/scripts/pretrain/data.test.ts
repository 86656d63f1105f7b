/**
 * The pretraining data readers: IDX files (plain or gzip'd) with errors that
 * name the file, Fashion-MNIST images as the RGBA the engine decodes any
 * picture to, and the Brown Corpus's tagged text turned back into prose.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InputFileError } from '../../../src/engine/errors';
import { detokeniseBrown } from '../../../scripts/lib/pretrain/corpus';
import { imageSamples, rgbaImageAt } from '../../../scripts/lib/pretrain/fashion-mnist';
import { imageSetFromIdx, parseIdx } from '../../../scripts/lib/pretrain/idx';

function idx(shape: number[], data: number[]): Uint8Array {
  const header = new Uint8Array(4 + 4 * shape.length);
  header.set([0, 0, 0x08, shape.length]);
  shape.forEach((size, i) => new DataView(header.buffer).setUint32(4 + 4 * i, size, false));
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(data, header.length);
  return out;
}

describe('parseIdx', () => {
  const images = idx([2, 2, 3], [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);

  it('reads the shape and the bytes, gzip\'d or not', () => {
    for (const bytes of [images, new Uint8Array(gzipSync(images))]) {
      const parsed = parseIdx(bytes, 'images.idx');
      expect(parsed.shape).toEqual([2, 2, 3]);
      expect(Array.from(parsed.data)).toEqual([0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
    }
  });

  it.each([
    ['a truncated file', images.subarray(0, images.length - 1), /holds 11 data bytes but its header \[2 × 2 × 3\] needs 12/],
    ['a header cut short', images.subarray(0, 9), /truncated IDX header/],
    ['not IDX at all', new TextEncoder().encode('hello, world'), /not an IDX file/],
    ['float elements', Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 0]), /element type 0xd/],
    ['broken gzip', Uint8Array.from([0x1f, 0x8b, 1, 2, 3]), /not valid gzip/],
  ])('rejects %s with an InputFileError naming the file', (_, bytes, message) => {
    expect(() => parseIdx(bytes, 'data/images.idx')).toThrow(InputFileError);
    expect(() => parseIdx(bytes, 'data/images.idx')).toThrow(message);
    expect(() => parseIdx(bytes, 'data/images.idx')).toThrow(/^data\/images\.idx: /);
  });

  it('pairs images with labels, and says so when their counts differ', () => {
    const labels = parseIdx(idx([2], [7, 3]), 'labels.idx');
    const set = imageSetFromIdx(parseIdx(images, 'images.idx'), labels, 'images.idx', 'labels.idx');
    expect(set).toMatchObject({ count: 2, rows: 2, cols: 3 });
    const three = parseIdx(idx([3], [1, 2, 3]), 'labels.idx');
    expect(() => imageSetFromIdx(parseIdx(images, 'images.idx'), three, 'images.idx', 'labels.idx')).toThrow(
      /labels\.idx: has 3 labels but images\.idx has 2 images/,
    );
  });
});

describe('Fashion-MNIST images', () => {
  const set = imageSetFromIdx(
    parseIdx(idx([2, 1, 2], [10, 20, 30, 40]), 'i'),
    parseIdx(idx([2], [9, 4]), 'l'),
    'i',
    'l',
  );

  it('become opaque RGBA with R = G = B, as a decoded grey PNG would', () => {
    const image = rgbaImageAt(set, 1);
    expect(image).toMatchObject({ width: 2, height: 1 });
    expect(Array.from(image.data)).toEqual([30, 30, 30, 255, 40, 40, 40, 255]);
  });

  it('become labelled samples, optionally only the first n', () => {
    expect(imageSamples(set).map((s) => s.label)).toEqual([9, 4]);
    expect(imageSamples(set, 1)).toHaveLength(1);
  });
});

describe('detokeniseBrown', () => {
  it('strips the tags and re-attaches punctuation and quotes', () => {
    const tagged =
      '\n\n\tThe/at Fulton/np-tl County/nn-tl said/vbd ``/`` no/at evidence/nn \'\'/\'\' that/cs any/dti ' +
      'irregularities/nns took/vbd place/nn ./.\n\tIt/pps said/vbd (/( in/in part/nn )/) :/: yes/rb ,/, it/pps did/dod ./.\n\n' +
      '\tA/at new/jj paragraph/nn ?/.\n';
    expect(detokeniseBrown(tagged)).toBe(
      'The Fulton County said "no evidence" that any irregularities took place. It said (in part): yes, it did.\n\nA new paragraph?',
    );
  });

  it('keeps slashes inside words, splitting at the last one', () => {
    expect(detokeniseBrown('\t1/2/cd inch/nn ./.')).toBe('1/2 inch.');
  });
});
