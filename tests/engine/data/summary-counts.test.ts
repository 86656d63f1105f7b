/**
 * What the data panel shows for text (src/worker/dataset-host.ts, built on
 * planTextSplit): counts in the units evaluation splits by, how the text was
 * split, and a warning when nothing can be validated.
 */
import { describe, expect, it } from 'vitest';
import type { TokenEncoder } from '../../../src/engine/data/types';
import { parseDatasetFiles, summariseDataset } from '../../../src/worker/dataset-host';
import { textFile } from './make-files';

const chars: TokenEncoder = { encode: (text) => [...text].map((c) => c.charCodeAt(0)), eosTokenId: 0, bosTokenId: null };

describe('the data summary of text', () => {
  it('counts the documents of a file of blank-line-separated quotations, as evaluation splits them', () => {
    const quotes = Array.from({ length: 30 }, (_, i) => `“Quotation ${i}, with a few more words.” — Someone`).join('\n\n');
    const loaded = parseDatasetFiles({ train: [textFile('quotes.txt', quotes)], validation: [] }, 'quotes.txt', 0.1, 256);
    const summary = summariseDataset(loaded, chars);
    expect([summary.examples, summary.trainCount, summary.validationCount, summary.splitUnit]).toEqual([30, 27, 3, 'documents']);
    expect(summary.notes).toEqual(['quotes.txt: split at blank lines into 30 documents']);
    expect(summary.splitHow).toBe('a seeded 0.1 of the 30 documents');
    expect(summary.warnings.some((w) => /too small to validate/.test(w))).toBe(false);
  });

  it('warns that a 3-byte file is too small to validate', () => {
    const loaded = parseDatasetFiles({ train: [textFile('tiny.txt', 'abc')], validation: [] }, 'tiny.txt', 0.1, 256);
    const summary = summariseDataset(loaded, chars);
    expect([summary.trainCount, summary.validationCount, summary.splitUnit]).toEqual([1, 0, 'blocks of 64 tokens']);
    expect(summary.warnings).toContain(
      'tiny.txt is too small to validate: its one document makes a single block, so no validation score will be computed. ' +
        'Add more text, or give held-out data as its own file (e.g. notes.val.txt)',
    );
  });
});
