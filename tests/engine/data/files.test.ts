import { describe, expect, it } from 'vitest';
import { commonFolder, decodeUtf8, extensionOf, isIgnoredPath, naturalCompare, normalizePath, relativeTo } from '../../../src/engine/data/files';

describe('naturalCompare', () => {
  it('orders digit runs by value, so "2" comes before "10"', () => {
    expect(['10', '2', '1', '0'].sort(naturalCompare)).toEqual(['0', '1', '2', '10']);
    expect(['img10.png', 'img9.png', 'img1.png'].sort(naturalCompare)).toEqual(['img1.png', 'img9.png', 'img10.png']);
  });

  it('orders other text by code point, independent of locale', () => {
    expect(['dog', 'Cat', 'cat', 'ant'].sort(naturalCompare)).toEqual(['Cat', 'ant', 'cat', 'dog']);
  });

  it('is a total order: equal only for equal strings', () => {
    expect(naturalCompare('07', '7')).not.toBe(0);
    expect(naturalCompare('a', 'a')).toBe(0);
    expect(Math.sign(naturalCompare('a1', 'a1b'))).toBe(-1);
  });

  it('compares digit runs too long for a number exactly', () => {
    expect(naturalCompare('99999999999999999999', '100000000000000000000')).toBeLessThan(0);
  });
});

describe('paths', () => {
  it('normalises separators, "." and ".."', () => {
    expect(normalizePath('./a\\b/../c//d.png/')).toBe('a/c/d.png');
  });

  it('finds the folder all paths share', () => {
    expect(commonFolder(['digits/3/a.png', 'digits/5/b.png'])).toBe('digits');
    expect(commonFolder(['x/digits/3/a.png', 'x/digits/5/b.png'])).toBe('x/digits');
    expect(commonFolder(['3/a.png', '5/b.png'])).toBe('');
    expect(commonFolder(['data/imgs.zip'])).toBe('data');
    expect(relativeTo('digits', 'digits/3/a.png')).toBe('3/a.png');
  });

  it('reads extensions case-insensitively', () => {
    expect(extensionOf('A/B.PNG')).toBe('.png');
    expect(extensionOf('.hidden')).toBe('');
    expect(extensionOf('noext')).toBe('');
  });

  it('ignores hidden files, macOS archive metadata and thumbnails', () => {
    expect(isIgnoredPath('digits/.DS_Store')).toBe(true);
    expect(isIgnoredPath('__MACOSX/digits/._1.png')).toBe(true);
    expect(isIgnoredPath('digits/3/Thumbs.db')).toBe(true);
    expect(isIgnoredPath('digits/3/1.png')).toBe(false);
  });
});

describe('decodeUtf8', () => {
  it('returns the text without a byte-order mark', () => {
    expect(decodeUtf8(new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0x69]), 'f.txt')).toBe('hi');
  });

  it('rejects an overlong encoding and a UTF-16 surrogate', () => {
    expect(() => decodeUtf8(new Uint8Array([0x41, 0xc0, 0x80]), 'f.txt')).toThrow(/f\.txt: is not UTF-8 text: invalid byte 0xc0 at byte 1/);
    expect(() => decodeUtf8(new Uint8Array([0xed, 0xa0, 0x80]), 'f.txt')).toThrow(/invalid byte 0xed at byte 0/);
  });
});
