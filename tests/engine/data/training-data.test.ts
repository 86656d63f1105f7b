import { describe, expect, it } from 'vitest';
import { assertDatasetSuitsTask, headLabels, splitImageExamples, splitSequences } from '../../../src/engine/data/training-data';
import type { DataSplit, ImageDataset, ImageExample, TextDataset } from '../../../src/engine/data/types';
import { InputFileError } from '../../../src/engine/errors';
import type { ImageClassifierConfig } from '../../../src/engine/models/types';

const pixel = { width: 1, height: 1, data: new Uint8ClampedArray([0, 0, 0, 255]) };
const example = (label: string, i: number, split?: DataSplit): ImageExample => ({ image: pixel, label, source: `${label}/${i}.png`, split });
const imageDataset = (examples: ImageExample[]): ImageDataset => ({
  task: 'image-classification',
  examples,
  labels: [...new Set(examples.map((e) => e.label))].sort(),
  files: ['digits'],
  warnings: [],
});
const textDataset: TextDataset = { task: 'causal-lm', examples: [{ text: 'hello' }], files: ['a.txt'], warnings: [] } as unknown as TextDataset;

describe('assertDatasetSuitsTask', () => {
  it('accepts data of the model task and names the data otherwise', () => {
    expect(() => assertDatasetSuitsTask('causal-lm', textDataset, 'a.txt')).not.toThrow();
    expect(() => assertDatasetSuitsTask('image-classification', textDataset, 'a.txt')).toThrow(InputFileError);
    expect(() => assertDatasetSuitsTask('image-classification', textDataset, 'a.txt')).toThrow(/a\.txt.*holds text/);
    expect(() => assertDatasetSuitsTask('causal-lm', imageDataset([example('a', 0)]), 'pics.zip')).toThrow(/pics\.zip.*holds images/);
  });
});

describe('headLabels', () => {
  const config = { labels: ['T-shirt', 'Trouser'] } as ImageClassifierConfig;
  it("keeps the checkpoint's order when the data has exactly its classes", () => {
    expect(headLabels(config, imageDataset([example('Trouser', 0), example('T-shirt', 1)]))).toEqual(['T-shirt', 'Trouser']);
  });
  it("uses the data's sorted labels for other classes, even at the same count", () => {
    expect(headLabels(config, imageDataset([example('one', 0), example('zero', 1)]))).toEqual(['one', 'zero']);
    expect(headLabels(config, imageDataset([example('b', 0), example('a', 1), example('c', 2)]))).toEqual(['a', 'b', 'c']);
  });
});

describe('splitImageExamples', () => {
  const many = ['a', 'b'].flatMap((label) => Array.from({ length: 10 }, (_, i) => example(label, i)));
  it('uses held-out files when given', () => {
    const held = [example('a', 99)];
    const split = splitImageExamples(many, held, 0.5, 0);
    expect(split.train).toHaveLength(20);
    expect(split.validation).toEqual(held);
  });
  it("uses the dataset's own validation or test folder", () => {
    const withTest = [...many, example('a', 50, 'test'), example('b', 51, 'test')];
    const split = splitImageExamples(withTest, null, 0.5, 0);
    expect(split.validation.map((e) => e.source)).toEqual(['a/50.png', 'b/51.png']);
    expect(split.train).toHaveLength(20);
    expect(split.how).toMatch(/test split/);
  });
  it('otherwise holds out a seeded share stratified by class, the same for the same seed', () => {
    const split = splitImageExamples(many, null, 0.2, 7);
    expect(split.validation.filter((e) => e.label === 'a')).toHaveLength(2);
    expect(split.validation.filter((e) => e.label === 'b')).toHaveLength(2);
    expect(split.train).toHaveLength(16);
    expect(splitImageExamples(many, null, 0.2, 7).validation).toEqual(split.validation);
    const seen = new Set([...split.train, ...split.validation].map((e) => e.source));
    expect(seen.size).toBe(20);
  });
});

describe('splitSequences', () => {
  it('uses held-out sequences when given, else a seeded share', () => {
    const items = Array.from({ length: 10 }, (_, i) => i);
    expect(splitSequences(items, [42], 0.3, 0)).toMatchObject({ train: items, validation: [42] });
    const split = splitSequences(items, null, 0.3, 0);
    expect(split.validation).toHaveLength(3);
    expect([...split.train, ...split.validation].sort((a, b) => a - b)).toEqual(items);
  });
});
