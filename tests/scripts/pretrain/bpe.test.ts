/**
 * The byte-level BPE trainer: what it writes is a GPT-2-style tokenizer.json
 * that @huggingface/tokenizers (through the engine's createTokenizer) loads,
 * whose encoding uses the learned merges, and through which any text —
 * whitespace runs, accents, emoji, invalid surrogates aside — round-trips
 * exactly. Training is deterministic.
 */
import { describe, expect, it } from 'vitest';
import { createTokenizer } from '../../../src/engine/tokenizer';
import { bytesToUnicode, trainByteLevelBpe, GPT2_PRETOKENIZE } from '../../../scripts/lib/pretrain/bpe';
import { tokenizerFiles } from '../../../scripts/lib/pretrain/tokenizer-files';

const CORPUS = [
  'Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse,',
  'and nothing particular to interest me on shore, I thought I would sail about a little and see the watery part of the world.',
  'The jury further said in term-end presentments that the City Executive Committee deserves the praise and thanks of the City.',
  'The whale, the whale! The whale is the whale, and the sea is the sea.',
];

function trained(vocabSize = 300) {
  const bpe = trainByteLevelBpe(CORPUS, { vocabSize, specialTokens: ['<|endoftext|>'] });
  const files = tokenizerFiles(bpe, 64);
  const tokenizer = createTokenizer(files['tokenizer.json'], files['tokenizer_config.json'], {
    tokenizer: 'tokenizer.json',
    config: 'tokenizer_config.json',
  });
  return { bpe, files, tokenizer };
}

describe('GPT-2 byte alphabet', () => {
  it('maps the 256 bytes to 256 distinct printable characters, printable ASCII to itself', () => {
    const table = bytesToUnicode();
    expect(new Set(table).size).toBe(256);
    expect(table['A'.charCodeAt(0)]).toBe('A');
    expect(table[' '.charCodeAt(0)]).toBe('Ġ'); // GPT-2's famous space marker
    expect(table['\n'.charCodeAt(0)]).toBe('Ċ');
  });

  it('pre-tokenises as GPT-2: contractions, words with their leading space, digits, punctuation', () => {
    const pieces = [..."I'll pay 42 dollars, ok?".matchAll(GPT2_PRETOKENIZE)].map((m) => m[0]);
    expect(pieces).toEqual(['I', "'ll", ' pay', ' 42', ' dollars', ',', ' ok', '?']);
  });
});

describe('trainByteLevelBpe', () => {
  it('fills the vocabulary exactly: 256 bytes, then merges, then the special token last', () => {
    const { bpe } = trained(300);
    expect(bpe.vocab.size).toBe(300);
    expect(bpe.merges).toHaveLength(300 - 256 - 1);
    expect(bpe.vocab.get('<|endoftext|>')).toBe(299);
    // Every merge joins two tokens already in the vocabulary into one that is too.
    for (const [a, b] of bpe.merges) {
      expect(bpe.vocab.has(a) && bpe.vocab.has(b) && bpe.vocab.has(a + b)).toBe(true);
    }
  });

  it('merges the most frequent pair first', () => {
    const { bpe } = trained(300);
    // " t" and "he" are the most common pairs in English prose, as in GPT-2's own first merges.
    expect(bpe.merges.slice(0, 3).map((m) => m.join(''))).toContain('Ġt');
  });

  it('is deterministic: the same corpus gives the same files', () => {
    expect(JSON.stringify(trained().files)).toBe(JSON.stringify(trained().files));
  });

  it('stops early when no pair is frequent enough, rather than inventing merges', () => {
    const bpe = trainByteLevelBpe(['ab'], { vocabSize: 1000, specialTokens: ['<|endoftext|>'], minFrequency: 2 });
    expect(bpe.merges).toHaveLength(0);
    expect(bpe.vocab.size).toBe(257);
  });

  it('refuses a vocabulary too small for the byte alphabet', () => {
    expect(() => trainByteLevelBpe(CORPUS, { vocabSize: 200, specialTokens: [] })).toThrow(/vocabSize/);
  });
});

describe('the written tokenizer, loaded by @huggingface/tokenizers', () => {
  const { tokenizer, files } = trained(300);

  it.each([
    'Call me Ishmael.',
    'The whale!  Two spaces,\tand a tab;\n\nand blank lines\n',
    'Ünïcödé — “quotes” and 😀 emoji, 中文',
    "  leading and trailing spaces  ",
    "don't won't it's 1,234.56",
    '',
  ])('round-trips %j exactly', (text) => {
    expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
  });

  it('uses its merges: frequent words become single tokens', () => {
    expect(tokenizer.encode(' the').length).toBe(1);
    expect(tokenizer.encode(' whale').length).toBeLessThan(' whale'.length);
  });

  it('knows <|endoftext|> as BOS and EOS, and never adds it implicitly', () => {
    expect(tokenizer.eosTokenId).toBe(299);
    expect(tokenizer.bosTokenId).toBe(299);
    expect(tokenizer.encode('the sea')).not.toContain(299);
    expect(tokenizer.encode('<|endoftext|>')).toEqual([299]);
  });

  it('declares GPT-2 settings transformers reads: no tokenisation clean-up, ByteLevel pre-tokenizer and decoder', () => {
    const json = files['tokenizer.json'] as Record<string, { type?: string }>;
    expect(json.pre_tokenizer.type).toBe('ByteLevel');
    expect(json.decoder.type).toBe('ByteLevel');
    expect((json.model as { type: string }).type).toBe('BPE');
    expect((files['tokenizer_config.json'] as Record<string, unknown>).clean_up_tokenization_spaces).toBe(false);
  });
});
