import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { datasetSummary, parseDataset } from '../../../src/engine/data';
import { readDataFiles } from '../../../src/engine/data/node-files';
import type { TokenEncoder } from '../../../src/engine/data/types';
import { InputFileError } from '../../../src/engine/errors';
import { jsonlFile, solidPng, textFile, thrown, zipOf } from './make-files';

const RED: [number, number, number, number] = [255, 0, 0, 255];
const BLUE: [number, number, number, number] = [0, 0, 255, 255];

describe('parseDataset chooses the task from the files', () => {
  it('text files make a language-modelling dataset', () => {
    expect(parseDataset([textFile('a.txt', 'hello'), jsonlFile('b.jsonl', [{ text: 'x' }])]).task).toBe('causal-lm');
  });

  it('a CSV with a text column is text', () => {
    expect(parseDataset([textFile('a.csv', 'id,text\n1,hello\n')]).task).toBe('causal-lm');
  });

  it('images in class folders make an image-classification dataset', () => {
    expect(parseDataset([solidPng('d/a/1.png', RED), solidPng('d/b/1.png', BLUE)]).task).toBe('image-classification');
  });

  it('a zip of images, or images with a path,label CSV, is an image dataset', () => {
    expect(parseDataset([zipOf('d.zip', [solidPng('a/1.png', RED), solidPng('b/1.png', BLUE)])]).task).toBe('image-classification');
    const csv = textFile('labels.csv', 'path,label\n1.png,a\n2.png,b\n');
    expect(parseDataset([csv, solidPng('1.png', RED), solidPng('2.png', BLUE)]).task).toBe('image-classification');
    const zipped = zipOf('d.zip', [csv, solidPng('1.png', RED), solidPng('2.png', BLUE)]);
    expect(parseDataset([zipped]).task).toBe('image-classification');
  });

  it('a zip of text files is text', () => {
    expect(parseDataset([zipOf('t.zip', [textFile('a.txt', 'x'), textFile('b.csv', 'text\ny\n')])]).task).toBe('causal-lm');
  });

  it('rejects text mixed with images, naming a file of each kind', () => {
    const error = thrown(() => parseDataset([solidPng('d/a/1.png', RED), textFile('d/notes.txt', 'hi')]));
    expect(error).toBeInstanceOf(InputFileError);
    expect(error.message).toBe(
      'd/notes.txt: is text, but d/a/1.png is an image: a dataset is either text (for language models) or images (for image classifiers), not both',
    );
  });

  it('rejects a mix inside a zip, naming the entries', () => {
    const zip = zipOf('d.zip', [solidPng('a/1.png', RED), textFile('readme.txt', 'hi')]);
    expect(() => parseDataset([zip])).toThrow(/^d\.zip\/readme\.txt: is text, but d\.zip\/a\/1\.png is an image/);
  });

  it('rejects a file of no supported format, listing the formats', () => {
    expect(() => parseDataset([textFile('model.safetensors', 'x')])).toThrow(
      /^model\.safetensors: is not a supported dataset file \(\.safetensors\); use text \(\.txt, \.jsonl, \.json, \.csv\), images \(\.png, \.jpg, \.jpeg\)/,
    );
  });

  it('rejects no files, and only hidden files', () => {
    expect(() => parseDataset([])).toThrow(/no data files were given/);
    expect(() => parseDataset([textFile('.DS_Store', 'x')])).toThrow(/\.DS_Store: no data files were given/);
  });
});

describe('datasetSummary', () => {
  const letters: TokenEncoder = { encode: (text) => [...text].map((c) => c.charCodeAt(0)), eosTokenId: 0, bosTokenId: null };

  it('counts examples, characters and tokens of a text dataset, with a clipped preview', () => {
    const dataset = parseDataset([jsonlFile('d.jsonl', [{ text: 'hello' }, { text: 'x'.repeat(1000) }])]);
    const summary = datasetSummary(dataset, letters);
    expect(summary).toMatchObject({ task: 'causal-lm', kind: 'text', exampleCount: 2, characterCount: 1005, tokenCount: 1005 });
    if (summary.task !== 'causal-lm') throw new Error('expected a text summary');
    expect(summary.preview[1]).toEqual({ kind: 'text', text: `${'x'.repeat(300)}…`, source: 'd.jsonl' });
    expect(datasetSummary(dataset).task === 'causal-lm' && datasetSummary(dataset)).toMatchObject({ tokenCount: null });
  });

  it('says when a text dataset is prompt/completion pairs', () => {
    const summary = datasetSummary(parseDataset([jsonlFile('qa.jsonl', [{ prompt: 'Q?', completion: ' A' }])]));
    expect(summary).toMatchObject({ kind: 'pairs', exampleCount: 1, characterCount: 4 });
  });

  it('counts images per label and per split, with sizes and one preview per label', () => {
    const dataset = parseDataset([
      solidPng('d/train/b/1.png', BLUE, 4, 3),
      solidPng('d/train/a/1.png', RED),
      solidPng('d/train/a/2.png', RED),
      solidPng('d/val/a/3.png', RED, 5, 5),
    ]);
    const summary = datasetSummary(dataset);
    expect(summary).toMatchObject({
      task: 'image-classification',
      exampleCount: 4,
      labelCounts: [
        { label: 'a', count: 3 },
        { label: 'b', count: 1 },
      ],
      splitCounts: [
        { split: 'train', count: 3 },
        { split: 'validation', count: 1 },
      ],
      sizes: { minWidth: 2, maxWidth: 5, minHeight: 2, maxHeight: 5 },
    });
    if (summary.task !== 'image-classification') throw new Error('expected an image summary');
    expect(summary.preview.map((item) => [item.label, item.source])).toEqual([
      ['a', 'd/train/a/1.png'],
      ['b', 'd/train/b/1.png'],
    ]);
  });
});

describe('readDataFiles (Node)', () => {
  const root = mkdtempSync(join(tmpdir(), 'wegeft-data-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("names a folder's files from the folder's parent, in natural order, skipping hidden files", async () => {
    const folder = join(root, 'pets');
    for (const sub of ['cat', 'dog', '.git']) mkdirSync(join(folder, sub), { recursive: true });
    writeFileSync(join(folder, 'cat', '10.png'), solidPng('x', RED).bytes);
    writeFileSync(join(folder, 'cat', '9.png'), solidPng('x', RED).bytes);
    writeFileSync(join(folder, 'dog', '1.png'), solidPng('x', BLUE).bytes);
    writeFileSync(join(folder, '.git', 'HEAD'), 'ref');
    writeFileSync(join(folder, '.DS_Store'), 'x');
    const files = await readDataFiles(folder);
    expect(files.map((file) => file.path)).toEqual(['pets/cat/9.png', 'pets/cat/10.png', 'pets/dog/1.png']);
    expect(parseDataset(files)).toMatchObject({ labels: ['cat', 'dog'] });
  });

  it('names a single file by its base name', async () => {
    writeFileSync(join(root, 'notes.txt'), 'some text');
    const files = await readDataFiles([join(root, 'notes.txt')]);
    expect(files.map((file) => [file.path, new TextDecoder().decode(file.bytes)])).toEqual([['notes.txt', 'some text']]);
  });

  it('rejects a path that does not exist, naming it', async () => {
    await expect(readDataFiles(join(root, 'missing'))).rejects.toThrow(/missing: not found/);
  });
});
