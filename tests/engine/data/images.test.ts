import { describe, expect, it } from 'vitest';
import { parseImageDataset } from '../../../src/engine/data/images';
import type { DataFile } from '../../../src/engine/data/types';
import { InputFileError } from '../../../src/engine/errors';
import { solidJpeg, solidPng, textFile, thrown, zipFile, zipOf } from './make-files';

const RED: [number, number, number, number] = [255, 0, 0, 255];
const BLUE: [number, number, number, number] = [0, 0, 255, 255];

function parseError(files: DataFile[], file: string): InputFileError {
  const error = thrown(() => parseImageDataset(files));
  expect(error).toBeInstanceOf(InputFileError);
  expect((error as InputFileError).file).toBe(file);
  return error as InputFileError;
}

describe('parseImageDataset: class folders', () => {
  it('labels each image by its parent folder and sorts labels numerically', () => {
    const dataset = parseImageDataset([solidPng('digits/10/a.png', RED), solidPng('digits/2/b.png', BLUE), solidJpeg('digits/2/c.jpg', [0, 0, 250])]);
    expect(dataset.task).toBe('image-classification');
    expect(dataset.labels).toEqual(['2', '10']);
    expect(dataset.examples.map((example) => [example.label, example.source])).toEqual([
      ['2', 'digits/2/b.png'],
      ['2', 'digits/2/c.jpg'],
      ['10', 'digits/10/a.png'],
    ]);
    expect(Array.from(dataset.examples[2].image.data.slice(0, 4))).toEqual(RED);
    expect(dataset.warnings).toEqual([]);
  });

  it('works without a common root folder, and with a deeper one', () => {
    expect(parseImageDataset([solidPng('cat/1.png', RED), solidPng('dog/1.png', BLUE)]).labels).toEqual(['cat', 'dog']);
    expect(parseImageDataset([solidPng('a/b/pets/cat/1.png', RED), solidPng('a/b/pets/dog/1.png', BLUE)]).labels).toEqual(['cat', 'dog']);
  });

  it('reads the split from a train/val/test folder above the class folders', () => {
    const dataset = parseImageDataset([
      solidPng('digits/train/0/a.png', RED),
      solidPng('digits/train/1/a.png', BLUE),
      solidPng('digits/val/0/b.png', RED),
      solidPng('digits/test/1/c.png', BLUE),
    ]);
    expect(dataset.labels).toEqual(['0', '1']);
    expect(dataset.examples.map((example) => `${example.split}:${example.label}`)).toEqual(['test:1', 'train:0', 'train:1', 'validation:0']);
  });

  it('leaves the split out when the folders name none', () => {
    const dataset = parseImageDataset([solidPng('pets/cat/1.png', RED), solidPng('pets/dog/1.png', BLUE)]);
    expect(dataset.examples.every((example) => !('split' in example))).toBe(true);
  });

  it('skips hidden files and macOS metadata', () => {
    const dataset = parseImageDataset([solidPng('d/a/1.png', RED), solidPng('d/b/1.png', BLUE), textFile('d/.DS_Store', 'x'), textFile('d/a/._1.png', 'x')]);
    expect(dataset.examples).toHaveLength(2);
  });

  it('rejects an image directly in the root folder as unlabelled, naming it', () => {
    const error = parseError([solidPng('pets/cat/1.png', RED), solidPng('pets/loose.png', BLUE), solidPng('pets/stray.png', BLUE)], 'pets/loose.png');
    expect(error.message).toBe('pets/loose.png: is unlabelled (and 1 other image): put each image in a folder named after its class, e.g. "cat/loose.png"');
  });

  it('says a folder of one class holds only one class, naming the class', () => {
    expect(parseError([solidPng('pets/cat/1.png', RED), solidPng('pets/cat/2.png', RED)], 'pets/cat').message).toBe(
      'pets/cat: holds only one class (cat): classification needs at least two; give the folder that holds "cat" and the other class folders beside it',
    );
  });

  it('says loose images given with no folder have no class folders', () => {
    expect(parseError([solidPng('1.png', RED), solidPng('2.png', BLUE)], '1.png (and 1 other file)').message).toMatch(/has no class folders/);
  });

  it('rejects a dataset with fewer than 2 classes', () => {
    const zip = zipOf('pets.zip', [solidPng('cat/1.png', RED), solidPng('cat/2.png', RED)]);
    expect(parseError([zip], 'pets.zip').message).toBe('pets.zip: holds only one class (cat): classification needs at least two (one folder per class)');
    const files = [solidPng('x/cat/1.png', RED), solidPng('y/cat/2.png', RED)];
    expect(parseError(files, 'x/cat/1.png (and 1 other file)').message).toMatch(/holds only one class \(cat\)/);
  });

  it('rejects files that are not images, naming the file', () => {
    expect(parseError([solidPng('d/a/1.png', RED), textFile('d/a/notes.txt', 'hi')], 'd/a/notes.txt').message).toMatch(/is not an image/);
  });

  it('fails on an undecodable image, naming it and every other bad file', () => {
    const files = [solidPng('d/a/1.png', RED), textFile('d/a/2.png', 'not a png'), textFile('d/b/3.jpg', 'nor a jpeg'), solidPng('d/b/4.png', BLUE)];
    const error = parseError(files, 'd/a/2.png');
    expect(error.message).toBe(
      'd/a/2.png: is not a PNG or JPEG image (its first bytes match neither format); 1 more image cannot be decoded either: d/b/3.jpg. Remove or replace them and try again.',
    );
  });

  it('rejects an empty list', () => {
    expect(() => parseImageDataset([])).toThrow(/no image files were given/);
  });
});

describe('parseImageDataset: .zip', () => {
  const inner = [solidPng('train/cat/1.png', RED), solidPng('train/dog/1.png', BLUE), solidPng('val/cat/2.png', RED)];

  it('reads class folders inside a zip, naming images by their place in it', () => {
    const dataset = parseImageDataset([zipOf('pets.zip', [...inner, textFile('__MACOSX/train/cat/._1.png', 'x'), textFile('.hidden', 'x')])]);
    expect(dataset.labels).toEqual(['cat', 'dog']);
    expect(dataset.examples.map((example) => example.source)).toEqual(['pets.zip/train/cat/1.png', 'pets.zip/train/dog/1.png', 'pets.zip/val/cat/2.png']);
    expect(dataset.examples.map((example) => example.split)).toEqual(['train', 'train', 'validation']);
  });

  it('reads a zip with its own top folder, and a zip in a folder', () => {
    const wrapped = zipOf('pets.zip', inner.map((file) => ({ ...file, path: `pets/${file.path}` })));
    expect(parseImageDataset([wrapped]).examples).toHaveLength(3);
    expect(parseImageDataset([{ ...wrapped, path: 'downloads/pets.zip' }]).labels).toEqual(['cat', 'dog']);
  });

  it('rejects an image at the root of the zip as unlabelled', () => {
    const zip = zipOf('pets.zip', [solidPng('cat/1.png', RED), solidPng('dog/1.png', BLUE), solidPng('loose.png', RED)]);
    expect(parseError([zip], 'pets.zip/loose.png').message).toMatch(/is unlabelled/);
  });

  it('rejects a file that is not a zip', () => {
    expect(parseError([textFile('pets.zip', 'not a zip at all')], 'pets.zip').message).toMatch(/is not a readable \.zip archive/);
  });

  it('rejects an empty zip', () => {
    expect(parseError([zipFile('empty.zip', {})], 'empty.zip').message).toMatch(/empty archive/);
  });

  it('names an undecodable image inside the zip', () => {
    const zip = zipOf('pets.zip', [solidPng('cat/1.png', RED), textFile('dog/bad.png', 'garbage')]);
    expect(parseError([zip], 'pets.zip/dog/bad.png').message).toMatch(/is not a PNG or JPEG/);
  });
});

describe('parseImageDataset: labels .csv', () => {
  const images = [solidPng('data/img/a.png', RED), solidPng('data/img/b.png', BLUE), solidPng('data/img/c.png', RED)];

  it('labels images by a path,label CSV with paths relative to it', () => {
    const csv = textFile('data/labels.csv', 'path,label\nimg/a.png,red\nimg/b.png,blue\n"img/c.png",red\n');
    const dataset = parseImageDataset([csv, ...images]);
    expect(dataset.labels).toEqual(['blue', 'red']);
    expect(dataset.examples.map((example) => [example.source, example.label])).toEqual([
      ['data/img/a.png', 'red'],
      ['data/img/b.png', 'blue'],
      ['data/img/c.png', 'red'],
    ]);
    expect(dataset.warnings).toEqual([]);
  });

  it('accepts other column names and orders, and a split column', () => {
    const csv = textFile('data/labels.csv', 'Class,Filename,Split\nred,img/a.png,train\nblue,img/b.png,val\nred,img/c.png,\n');
    const dataset = parseImageDataset([csv, ...images]);
    expect(dataset.examples.map((example) => example.split)).toEqual(['train', 'validation', undefined]);
  });

  it('finds the images inside a zip given alongside the CSV, as if extracted in place', () => {
    const zip = zipOf('data/images.zip', images.map((file) => ({ ...file, path: file.path.replace('data/', '') })));
    const csv = textFile('data/labels.csv', 'path,label\nimg/a.png,red\nimg/b.png,blue\n');
    const dataset = parseImageDataset([csv, zip]);
    expect(dataset.examples.map((example) => example.source)).toEqual(['data/images.zip/img/a.png', 'data/images.zip/img/b.png']);
    expect(dataset.warnings).toEqual(['1 image is not listed in the labels CSV and was left out: data/images.zip/img/c.png']);
  });

  it('reads a CSV inside the zip too', () => {
    const zip = zipOf('set.zip', [...images.map((file) => ({ ...file, path: file.path.replace('data/', '') })), textFile('labels.csv', 'path,label\nimg/a.png,x\nimg/b.png,y\nimg/c.png,x\n')]);
    expect(parseImageDataset([zip]).labels).toEqual(['x', 'y']);
  });

  it('rejects a row whose image is missing, naming the CSV and line', () => {
    const csv = textFile('data/labels.csv', 'path,label\nimg/a.png,red\nimg/zzz.png,blue\n');
    expect(parseError([csv, ...images], 'data/labels.csv').message).toBe(
      'data/labels.csv: line 3: image "img/zzz.png" not found among the given files (looked for "img/zzz.png")',
    );
  });

  it('rejects an empty label as unlabelled, naming the line', () => {
    const csv = textFile('data/labels.csv', 'path,label\nimg/a.png,red\nimg/b.png, \n');
    expect(parseError([csv, ...images], 'data/labels.csv').message).toBe('data/labels.csv: line 3: "img/b.png" is unlabelled (the label is empty)');
  });

  it('rejects an image listed twice', () => {
    const csv = textFile('data/labels.csv', 'path,label\nimg/a.png,red\nimg/b.png,blue\n./img/a.png,blue\n');
    expect(parseError([csv, ...images], 'data/labels.csv').message).toMatch(/line 4: image "\.\/img\/a\.png" is already listed \(data\/labels\.csv line 2\)/);
  });

  it('rejects a CSV without path and label columns, or with no rows', () => {
    expect(parseError([textFile('data/l.csv', 'file,name\na,b\n'), ...images], 'data/l.csv').message).toMatch(/must name a "path" and a "label" column/);
    expect(parseError([textFile('data/l.csv', 'path,label\n'), ...images], 'data/l.csv').message).toMatch(/lists no images/);
  });

  it('rejects an unknown split name', () => {
    const csv = textFile('data/l.csv', 'path,label,split\nimg/a.png,red,holdout\n');
    expect(parseError([csv, ...images], 'data/l.csv').message).toMatch(/line 2: unknown split "holdout"/);
  });
});

describe('parseImageDataset: determinism', () => {
  it('gives the same dataset whatever order the files come in', () => {
    const files = [solidPng('d/b/2.png', BLUE), solidPng('d/a/10.png', RED), solidPng('d/a/9.png', RED)];
    const forward = parseImageDataset(files);
    const backward = parseImageDataset(files.slice().reverse());
    expect(backward).toEqual(forward);
    expect(forward.examples.map((example) => example.source)).toEqual(['d/a/9.png', 'd/a/10.png', 'd/b/2.png']);
  });
});
