import { describe, expect, it } from 'vitest';
import { parseDatasetManifest, parseModelManifest } from '../../src/ui/manifests';
import datasets from '../../public/datasets/index.json';

describe('bundled manifests', () => {
  it('read the bundled datasets manifest, held-out files included', () => {
    const list = parseDatasetManifest(datasets);
    const digits = list.find((d) => d.id === 'digits')!;
    expect(digits).toMatchObject({ task: 'image-classification', files: ['digits.zip'], validationFiles: [] });
    expect(digits.licence).toMatch(/CC BY-SA/);
    expect(list.find((d) => d.id === 'sotu')?.validationFiles).toEqual(['sotu.val.jsonl']);
  });

  it('skip entries without a name or files, and accept a bare list', () => {
    expect(parseDatasetManifest([{ id: 'x' }, { id: 'y', files: ['y.txt'] }, 3, null]).map((d) => d.id)).toEqual(['y']);
    const models = [{ name: 'tiny-vit', title: 'Tiny ViT', task: 'image-classification', parameters: 1234, demo: { dataset: 'digits' } }, { title: 'nameless' }];
    expect(parseModelManifest({ models })).toEqual([
      { name: 'tiny-vit', title: 'Tiny ViT', description: '', task: 'image-classification', parameters: 1234, demoDataset: 'digits' },
    ]);
    expect(parseModelManifest(null)).toEqual([]);
  });
});
