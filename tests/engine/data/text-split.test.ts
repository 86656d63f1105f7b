import { describe, expect, it } from 'vitest';
import { parseTextDataset } from '../../../src/engine/data/text';
import { planTextSplit, SUMMARY_SEQUENCE_LENGTH, splitTextSequences, textSplitCounts } from '../../../src/engine/data/training-data';
import type { TextDataset, TokenEncoder } from '../../../src/engine/data/types';
import { textFile } from './make-files';

/** One token per character, EOS = 0. */
const chars: TokenEncoder = { encode: (text) => [...text].map((c) => c.charCodeAt(0)), eosTokenId: 0, bosTokenId: null };

const quotes = (n: number) => Array.from({ length: n }, (_, i) => `Quotation number ${i}: ${'word '.repeat(5 + (i % 7))}`).join('\n\n');

describe('text: the held-out split the summary shows is the one evaluation reads', () => {
  it('splits a file of blank-line-separated entries by document, and counts documents', () => {
    const dataset = parseTextDataset([textFile('quotes.txt', quotes(40))]);
    const counts = textSplitCounts(dataset, null, 0.1, 0, chars);
    expect(counts).toMatchObject({ train: 36, validation: 4, unit: 'documents', warning: null });
    const split = splitTextSequences(dataset, null, chars, { seqLength: 16, fraction: 0.1, seed: 0 });
    // Evaluation reads exactly the blocks of the 4 held-out documents, and training never sees them.
    const plan = planTextSplit(dataset, null, 0.1, 0);
    const heldText = plan.byDocument!.validation.map((e) => (e.kind === 'text' ? e.text : '')).join('\0');
    const validationTokens = split.validation.reduce((n, s) => n + s.ids.length, 0);
    expect(validationTokens).toBeGreaterThanOrEqual(16);
    expect(split.validation.every((s) => [...s.ids].every((id) => id === 0 || heldText.includes(String.fromCharCode(id))))).toBe(true);
    const trainTokens = split.train.reduce((n, s) => n + s.ids.length, 0);
    const trainText = plan.byDocument!.train.map((e) => (e.kind === 'text' ? e.text : '')).join('\0');
    expect(trainTokens).toBeGreaterThanOrEqual(trainText.length - 16);
  });

  it('splits a single document by token block, and counts blocks at the summary sequence length', () => {
    const dataset = parseTextDataset([textFile('novel.txt', 'x'.repeat(SUMMARY_SEQUENCE_LENGTH * 20))]);
    const counts = textSplitCounts(dataset, null, 0.1, 0, chars);
    expect(counts).toMatchObject({ train: 18, validation: 2, unit: `blocks of ${SUMMARY_SEQUENCE_LENGTH} tokens`, warning: null });
    const split = splitTextSequences(dataset, null, chars, { seqLength: SUMMARY_SEQUENCE_LENGTH, fraction: 0.1, seed: 0 });
    expect([split.train.length, split.validation.length]).toEqual([counts.train, counts.validation]);
  });

  it('warns when a dataset is too small to validate', () => {
    const tiny = parseTextDataset([textFile('tiny.txt', 'abc')]);
    const counts = textSplitCounts(tiny, null, 0.1, 0, chars);
    expect(counts).toMatchObject({ train: 1, validation: 0 });
    expect(counts.warning).toBe(
      'tiny.txt is too small to validate: its one document makes a single block, so no validation score will be computed. ' +
        'Add more text, or give held-out data as its own file (e.g. notes.val.txt)',
    );
    const two = parseTextDataset([textFile('two.txt', 'first entry\n\nsecond entry')]);
    expect(textSplitCounts(two, null, 0.1, 0, chars)).toMatchObject({ train: 1, validation: 1, warning: null });
  });

  it('says nothing is held out when the validation split is 0, without a warning', () => {
    const dataset = parseTextDataset([textFile('quotes.txt', quotes(10))]);
    expect(textSplitCounts(dataset, null, 0, 0, chars)).toMatchObject({ train: 10, validation: 0, warning: null });
  });

  it('holds out the given held-out files whole', () => {
    const train = parseTextDataset([textFile('a.txt', quotes(5))]);
    const held: TextDataset = parseTextDataset([textFile('a.val.txt', quotes(3))]);
    expect(textSplitCounts(train, held, 0.1, 0, chars)).toMatchObject({ train: 5, validation: 3, how: 'the held-out files' });
    const split = splitTextSequences(train, held, chars, { seqLength: 32, fraction: 0.1, seed: 0 });
    expect(split.validation.length).toBeGreaterThan(0);
  });
});
