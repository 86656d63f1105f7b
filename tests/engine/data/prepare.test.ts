import { describe, expect, it } from 'vitest';
import { pairSequence, prepareImageSamples, prepareTokenSequences, selectSplit, splitsOf } from '../../../src/engine/data/prepare';
import type { ImageDataset, TextDataset, TextExample, TokenEncoder } from '../../../src/engine/data/types';
import { InputFileError } from '../../../src/engine/errors';
import { thrown } from './make-files';

/** One token per character: 'a' → 1, 'b' → 2, ...; EOS 0. */
const letters: TokenEncoder = {
  encode: (text) => [...text].map((char) => char.charCodeAt(0) - 96),
  eosTokenId: 0,
  bosTokenId: null,
};
/** The same, with no EOS token. */
const lettersNoEos: TokenEncoder = { ...letters, eosTokenId: null };
/** The same, adding BOS (99) to every text it encodes, as Llama tokenizers do. */
const lettersWithBos: TokenEncoder = { encode: (text) => [99, ...letters.encode(text)], eosTokenId: 0, bosTokenId: 99 };

function textDataset(...documents: string[]): TextDataset {
  return { task: 'causal-lm', examples: documents.map((text): TextExample => ({ kind: 'text', text, source: 'd.txt' })), files: ['d.txt'], warnings: [] };
}

function pairDataset(...pairs: [string, string][]): TextDataset {
  const examples = pairs.map(([prompt, completion]): TextExample => ({ kind: 'pair', prompt, completion, source: 'qa.jsonl' }));
  return { task: 'causal-lm', examples, files: ['qa.jsonl'], warnings: [] };
}

const ids = (sequence: { ids: Int32Array }) => Array.from(sequence.ids);
const mask = (sequence: { lossMask: Uint8Array | null }) => (sequence.lossMask ? Array.from(sequence.lossMask) : null);

describe('prepareTokenSequences: plain text', () => {
  it('joins documents with EOS between them and cuts full blocks', () => {
    // Stream: a b c 0 d e f (7 tokens) → blocks of 3: [a b c] [0 d e], then the tail.
    const sequences = prepareTokenSequences(textDataset('abc', 'def'), letters, { seqLength: 3 });
    expect(sequences.slice(0, 2).map(ids)).toEqual([
      [1, 2, 3],
      [0, 4, 5],
    ]);
    expect(sequences.slice(0, 2).map(mask)).toEqual([null, null]);
  });

  it('makes the last partial block the final seqLength tokens, counting only new tokens in the loss', () => {
    const sequences = prepareTokenSequences(textDataset('abc', 'def'), letters, { seqLength: 3 });
    expect(sequences).toHaveLength(3);
    // Tail: stream[4..7) = d e f; only f (stream position 6) was in no earlier block.
    expect(ids(sequences[2])).toEqual([4, 5, 6]);
    expect(mask(sequences[2])).toEqual([0, 0, 1]);
  });

  it('makes every block full length and every token a target at most once', () => {
    const text = 'thequickbrownfoxjumpsoverthelazydog';
    for (const seqLength of [2, 3, 5, 7, 8, 34, 35]) {
      const sequences = prepareTokenSequences(textDataset(text), letters, { seqLength });
      expect(sequences.every((sequence) => sequence.ids.length === seqLength)).toBe(true);
      // Targets are positions t ≥ 1 with mask 1; map each back to its stream position.
      const targetPositions: number[] = [];
      sequences.forEach((sequence, block) => {
        const start = block < sequences.length - 1 || !sequence.lossMask ? block * seqLength : text.length - seqLength;
        for (let t = 1; t < seqLength; t++) if (!sequence.lossMask || sequence.lossMask[t]) targetPositions.push(start + t);
      });
      expect(new Set(targetPositions).size).toBe(targetPositions.length);
      expect(Math.max(...targetPositions)).toBe(text.length - 1);
      for (const [block, sequence] of sequences.entries()) {
        const start = block < sequences.length - 1 || !sequence.lossMask ? block * seqLength : text.length - seqLength;
        expect(ids(sequence)).toEqual(letters.encode(text.slice(start, start + seqLength)));
      }
    }
  });

  it('has no tail block when the stream divides evenly', () => {
    const sequences = prepareTokenSequences(textDataset('abcdef'), letters, { seqLength: 3 });
    expect(sequences.map(ids)).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(sequences.map(mask)).toEqual([null, null]);
  });

  it('gives one shorter sequence when the text is shorter than seqLength', () => {
    expect(prepareTokenSequences(textDataset('ab'), letters, { seqLength: 8 }).map(ids)).toEqual([[1, 2]]);
  });

  it('puts nothing between documents when the tokenizer has no EOS', () => {
    expect(prepareTokenSequences(textDataset('ab', 'cd'), lettersNoEos, { seqLength: 4 }).map(ids)).toEqual([[1, 2, 3, 4]]);
  });

  it('rejects a dataset of fewer than 2 tokens, naming its files', () => {
    const error = thrown(() => prepareTokenSequences(textDataset('a'), letters, { seqLength: 4 }));
    expect(error).toBeInstanceOf(InputFileError);
    expect(error.message).toMatch(/^d\.txt: has too little text/);
  });

  it('rejects a seqLength below 2 or not an integer', () => {
    expect(() => prepareTokenSequences(textDataset('abc'), letters, { seqLength: 1 })).toThrow(RangeError);
    expect(() => prepareTokenSequences(textDataset('abc'), letters, { seqLength: 2.5 })).toThrow(/seqLength must be an integer/);
  });

  it('is deterministic', () => {
    const dataset = textDataset('hello', 'world', 'again');
    expect(prepareTokenSequences(dataset, letters, { seqLength: 4 })).toEqual(prepareTokenSequences(dataset, letters, { seqLength: 4 }));
  });
});

describe('prepareTokenSequences: prompt/completion pairs', () => {
  it('makes one sequence per pair: prompt, completion, EOS; the mask marks completion and EOS', () => {
    const [sequence] = prepareTokenSequences(pairDataset(['ab', 'cd']), letters, { seqLength: 16 });
    expect(ids(sequence)).toEqual([1, 2, 3, 4, 0]);
    expect(mask(sequence)).toEqual([0, 0, 1, 1, 1]);
  });

  it('leaves EOS out when the tokenizer has none', () => {
    const [sequence] = prepareTokenSequences(pairDataset(['ab', 'cd']), lettersNoEos, { seqLength: 16 });
    expect(ids(sequence)).toEqual([1, 2, 3, 4]);
    expect(mask(sequence)).toEqual([0, 0, 1, 1]);
  });

  it('drops the BOS an encoder puts before the completion, keeping the prompt one', () => {
    const [sequence] = prepareTokenSequences(pairDataset(['ab', 'c']), lettersWithBos, { seqLength: 16 });
    expect(ids(sequence)).toEqual([99, 1, 2, 3, 0]);
    expect(mask(sequence)).toEqual([0, 0, 0, 1, 1]);
  });

  it('truncates a long pair from the start of its prompt, and says so', () => {
    const warnings: string[] = [];
    const [sequence, short] = prepareTokenSequences(pairDataset(['abcdef', 'xy'], ['a', 'b']), letters, { seqLength: 5, onWarning: (m) => warnings.push(m) });
    // Completion x y EOS (3 tokens) fits; the prompt keeps its last 2 tokens.
    expect(ids(sequence)).toEqual([5, 6, 24, 25, 0]);
    expect(mask(sequence)).toEqual([0, 0, 1, 1, 1]);
    expect(ids(short)).toEqual([1, 2, 0]);
    expect(warnings).toEqual(['1 of 2 prompt/completion pairs are longer than 5 tokens and were truncated (prompt start first)']);
  });

  it('never loses the whole completion: one prompt token stays and the completion is cut from its end', () => {
    const sequence = pairSequence([1, 2, 3], [10, 11, 12, 13, 14, 0], 4);
    expect(Array.from(sequence.ids)).toEqual([3, 10, 11, 12]);
    expect(Array.from(sequence.lossMask ?? [])).toEqual([0, 1, 1, 1]);
  });

  it('handles an empty prompt', () => {
    const sequence = pairSequence([], [7, 8, 0], 2);
    expect(Array.from(sequence.ids)).toEqual([7, 8]);
    expect(Array.from(sequence.lossMask ?? [])).toEqual([1, 1]);
  });

  it('keeps every sequence within seqLength', () => {
    for (let promptLength = 0; promptLength < 6; promptLength++) {
      for (let completionLength = 1; completionLength < 6; completionLength++) {
        const prompt = Array.from({ length: promptLength }, (_, i) => i + 1);
        const completion = Array.from({ length: completionLength }, (_, i) => 50 + i);
        const sequence = pairSequence(prompt, completion, 4);
        expect(sequence.ids.length).toBe(Math.min(4, promptLength + completionLength));
        // The first kept completion token is always the completion's first.
        const firstTarget = sequence.lossMask?.indexOf(1) ?? -1;
        expect(sequence.ids[firstTarget]).toBe(50);
        if (promptLength > 0) expect(firstTarget).toBeGreaterThanOrEqual(1);
      }
    }
  });
});

describe('prepareImageSamples', () => {
  const image = { width: 1, height: 1, data: new Uint8Array(4) };
  const dataset: ImageDataset = {
    task: 'image-classification',
    examples: [
      { image, label: '10', source: 'd/10/a.png', split: 'train' },
      { image, label: '2', source: 'd/2/b.png', split: 'validation' },
    ],
    labels: ['2', '10'],
    files: ['d'],
    warnings: [],
  };

  it('indexes labels by the dataset label order by default', () => {
    expect(prepareImageSamples(dataset).map((sample) => sample.label)).toEqual([1, 0]);
  });

  it('indexes labels by a given order, e.g. a model head', () => {
    expect(prepareImageSamples(dataset, ['0', '1', '2', '10']).map((sample) => sample.label)).toEqual([3, 2]);
  });

  it('rejects a label the given order does not know, naming the image', () => {
    const error = thrown(() => prepareImageSamples(dataset, ['2', '3']));
    expect(error).toBeInstanceOf(InputFileError);
    expect(error.message).toBe('d/10/a.png: has the label "10", which is not one of the 2 expected: 2, 3');
  });

  it('selects the examples of one split, keeping all labels', () => {
    expect(splitsOf(dataset)).toEqual(['train', 'validation']);
    const validation = selectSplit(dataset, 'validation');
    expect(validation.examples.map((example) => example.source)).toEqual(['d/2/b.png']);
    expect(validation.labels).toEqual(['2', '10']);
  });
});
