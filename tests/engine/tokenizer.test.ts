/**
 * Tokenizers from tokenizer.json (+ tokenizer_config.json). The tokenizers are
 * built here: a GPT-2-style byte-level BPE with a few merges, and the same
 * with a Llama-style template that adds <s>.
 */
import { Tokenizer } from '@huggingface/tokenizers';
import { describe, expect, it, vi } from 'vitest';
import { InputFileError } from '../../src/engine/errors';
import { MemorySource } from '../../src/engine/io/source';
import { createRng } from '../../src/engine/random';
import { checkTokenizerFitsModel, createTokenizer, loadTokenizer, MAX_TOKENIZE_CHARACTERS, type TextTokenizer } from '../../src/engine/tokenizer';

/** GPT-2's reversible map from bytes to printable characters. */
function byteToChar(): string[] {
  const printable = (from: string, to: string) =>
    Array.from({ length: to.charCodeAt(0) - from.charCodeAt(0) + 1 }, (_, i) => from.charCodeAt(0) + i);
  const direct = new Set([...printable('!', '~'), ...printable('¡', '¬'), ...printable('®', 'ÿ')]);
  const chars: string[] = [];
  let shifted = 0;
  for (let b = 0; b < 256; b++) chars.push(String.fromCharCode(direct.has(b) ? b : 256 + shifted++));
  return chars;
}

const BYTES = byteToChar();
const MERGES: Array<[string, string]> = [
  ['h', 'e'], ['l', 'l'], ['he', 'll'], ['hell', 'o'],
  ['Ġ', 'w'], ['o', 'r'], ['Ġw', 'or'], ['Ġwor', 'l'], ['Ġworl', 'd'],
];
const HELLO = 259; // 'hello': byte ids 0..255, then one id per merge from 256
const SPACE_WORLD = 264; // 'Ġworld'
const END_OF_TEXT = 265;
const BOS = 266;
const EOS = 267;

/** A byte-level BPE tokenizer.json: 256 byte tokens, the merges above, <|endoftext|>. */
function gpt2StyleJson(extra: { postProcessor?: unknown; addedTokens?: Array<{ id: number; content: string }> } = {}) {
  const vocab: Record<string, number> = {};
  BYTES.forEach((char, byte) => (vocab[char] = byte));
  MERGES.forEach(([a, b], i) => (vocab[a + b] = 256 + i));
  const added = [{ id: END_OF_TEXT, content: '<|endoftext|>' }, ...(extra.addedTokens ?? [])];
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  return {
    version: '1.0',
    added_tokens: added.map((t) => ({ ...t, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: extra.postProcessor ?? byteLevel,
    decoder: byteLevel,
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges: MERGES },
  };
}

const LLAMA_TEMPLATE = {
  type: 'TemplateProcessing',
  single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
  pair: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '<s>', type_id: 1 } }, { Sequence: { id: 'B', type_id: 1 } }],
  special_tokens: { '<s>': { id: '<s>', ids: [BOS], tokens: ['<s>'] } },
};

function llamaStyleJson() {
  return gpt2StyleJson({
    postProcessor: LLAMA_TEMPLATE,
    addedTokens: [{ id: BOS, content: '<s>' }, { id: EOS, content: '</s>' }],
  });
}

const FILES = { tokenizer: 'tok/tokenizer.json', config: 'tok/tokenizer_config.json' };

function build(json: unknown, config: unknown = {}, options = {}): TextTokenizer {
  return createTokenizer(json, config, FILES, options);
}

function memory(files: Record<string, unknown>): MemorySource {
  const map = new Map<string, Uint8Array>();
  for (const [name, content] of Object.entries(files)) {
    map.set(name, new TextEncoder().encode(typeof content === 'string' ? content : JSON.stringify(content)));
  }
  return new MemorySource('tok', map);
}

describe('a GPT-2-style byte-level BPE tokenizer', () => {
  const gpt2Config = { bos_token: '<|endoftext|>', eos_token: '<|endoftext|>', unk_token: '<|endoftext|>' };
  const tokenizer = build(gpt2StyleJson(), gpt2Config);

  it('applies the merges and adds no special tokens', () => {
    expect(tokenizer.encode('hello world')).toEqual([HELLO, SPACE_WORLD]);
    // 'hellx' merges to 'hell' + 'x'; ' x' is 'Ġ' + 'x' (no merge for it).
    expect(tokenizer.encode('hellx x')).toEqual([258, 'x'.charCodeAt(0), ' '.charCodeAt(0), 'x'.charCodeAt(0)]);
    expect(tokenizer.encode('')).toEqual([]);
  });

  it.each(['hello world', 'héllo wörld 🙂', '  leading, trailing  ', 'tabs\tand\nnewlines\r\n', '数字 123 and ünïcödé', 'hello'.repeat(50)])(
    'round-trips %j through encode and decode',
    (text) => {
      expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
    },
  );

  it('reads special ids from tokenizer_config.json', () => {
    expect(tokenizer.bosTokenId).toBe(END_OF_TEXT);
    expect(tokenizer.eosTokenId).toBe(END_OF_TEXT);
    expect(tokenizer.padTokenId).toBeNull();
    expect(tokenizer.vocabSize).toBe(266);
    expect(tokenizer.tokenToId('Ġworld')).toBe(SPACE_WORLD);
    expect(tokenizer.tokenToId('<|endoftext|>')).toBe(END_OF_TEXT);
    expect(tokenizer.tokenToId('not-a-token')).toBeNull();
  });

  it('encodes special tokens written in the text, and skips them on request when decoding', () => {
    const ids = tokenizer.encode('hello<|endoftext|>');
    expect(ids).toEqual([HELLO, END_OF_TEXT]);
    expect(tokenizer.decode(ids)).toBe('hello<|endoftext|>');
    expect(tokenizer.decode(ids, { skipSpecialTokens: true })).toBe('hello');
  });

  it('decodes an empty list, and skips ids beyond the vocabulary (a padded embedding)', () => {
    expect(tokenizer.decode([])).toBe('');
    expect(tokenizer.decode([HELLO, 9999, SPACE_WORLD])).toBe('hello world');
    expect(tokenizer.decode(Int32Array.from([HELLO]))).toBe('hello');
  });

  it('does not "clean up" spaces before punctuation unless the config asks', () => {
    const ids = tokenizer.encode('a , b .');
    expect(tokenizer.decode(ids)).toBe('a , b .');
    expect(build(gpt2StyleJson(), { clean_up_tokenization_spaces: true }).decode(ids)).toBe('a, b.');
  });

  it('takes BOS/EOS from config.json when tokenizer_config.json names none (the hub gpt2 case)', () => {
    const bare = build(gpt2StyleJson(), {}, { bosTokenId: END_OF_TEXT, eosTokenId: END_OF_TEXT });
    expect([bare.bosTokenId, bare.eosTokenId]).toEqual([END_OF_TEXT, END_OF_TEXT]);
    const none = build(gpt2StyleJson(), {});
    expect([none.bosTokenId, none.eosTokenId]).toEqual([null, null]);
  });
});

describe('a Llama-style tokenizer (TemplateProcessing adds <s>)', () => {
  const config = {
    tokenizer_class: 'LlamaTokenizer',
    bos_token: { __type: 'AddedToken', content: '<s>', lstrip: false, normalized: false, rstrip: false, single_word: false },
    eos_token: '</s>',
    pad_token: null,
  };

  it('adds BOS as transformers does by default (add_special_tokens=True)', () => {
    const tokenizer = build(llamaStyleJson(), config);
    expect(tokenizer.bosTokenId).toBe(BOS);
    expect(tokenizer.eosTokenId).toBe(EOS);
    expect(tokenizer.encode('hello')).toEqual([BOS, HELLO]);
    expect(tokenizer.decode(tokenizer.encode('hello world'), { skipSpecialTokens: true })).toBe('hello world');
    expect(tokenizer.decode(tokenizer.encode('hello'))).toBe('<s>hello');
  });

  it('follows add_bos_token / add_eos_token from tokenizer_config.json', () => {
    expect(build(llamaStyleJson(), { ...config, add_bos_token: false }).encode('hello')).toEqual([HELLO]);
    expect(build(llamaStyleJson(), { ...config, add_bos_token: true, add_eos_token: true }).encode('hello')).toEqual([BOS, HELLO, EOS]);
    expect(build(llamaStyleJson(), { ...config, add_eos_token: true }).encode('hello')).toEqual([HELLO, EOS]);
  });

  it('rejects a flag that asks for a token the config does not name', () => {
    expect(() => build(llamaStyleJson(), { add_eos_token: true })).toThrow(
      new InputFileError(FILES.config, 'sets add_eos_token but names no eos_token'),
    );
  });
});

describe('loadTokenizer from a checkpoint folder', () => {
  it('reads tokenizer.json and tokenizer_config.json', async () => {
    const tokenizer = await loadTokenizer(memory({ 'tokenizer.json': llamaStyleJson(), 'tokenizer_config.json': { bos_token: '<s>', eos_token: '</s>' } }));
    expect(tokenizer.file).toBe('tok/tokenizer.json');
    expect(tokenizer.encode('hello world')).toEqual([BOS, HELLO, SPACE_WORLD]);
    expect(tokenizer.eosTokenId).toBe(EOS);
  });

  it('works without tokenizer_config.json', async () => {
    const tokenizer = await loadTokenizer(memory({ 'tokenizer.json': gpt2StyleJson() }), { eosTokenId: END_OF_TEXT });
    expect(tokenizer.encode('hello')).toEqual([HELLO]);
    expect(tokenizer.eosTokenId).toBe(END_OF_TEXT);
    expect(tokenizer.bosTokenId).toBeNull();
  });

  async function loadError(files: Record<string, unknown>): Promise<string> {
    const error = await loadTokenizer(memory(files)).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(InputFileError);
    return (error as InputFileError).message;
  }

  it('names tokenizer.json when it is missing', async () => {
    expect(await loadError({ 'config.json': {} })).toMatch(/^tok\/tokenizer.json: not found: language models need the tokenizer.json/);
  });

  it('names tokenizer.json when it is not JSON', async () => {
    expect(await loadError({ 'tokenizer.json': '{"model": ' })).toMatch(/^tok\/tokenizer.json: is not valid JSON/);
  });

  it('names tokenizer.json when it is JSON but not a tokenizer', async () => {
    expect(await loadError({ 'tokenizer.json': [1, 2, 3] })).toMatch(/^tok\/tokenizer.json: must be a JSON object/);
    expect(await loadError({ 'tokenizer.json': { version: '1.0' } })).toMatch(/^tok\/tokenizer.json: has no "model" with a "vocab"/);
    expect(await loadError({ 'tokenizer.json': { ...gpt2StyleJson(), added_tokens: 'x' } })).toMatch(/"added_tokens" must be a list/);
  });

  it('names tokenizer.json when the library cannot build or run it', async () => {
    const noMerges = gpt2StyleJson();
    delete (noMerges.model as { merges?: unknown }).merges;
    expect(await loadError({ 'tokenizer.json': noMerges })).toMatch(/^tok\/tokenizer.json: could not be used as a tokenizer \(/);
    const badDecoder = { ...gpt2StyleJson(), decoder: { type: 'NoSuchDecoder' } };
    expect(await loadError({ 'tokenizer.json': badDecoder })).toMatch(/^tok\/tokenizer.json: could not be used as a tokenizer \(Unknown Decoder type: NoSuchDecoder\)/);
  });

  it('names tokenizer_config.json when it is malformed', async () => {
    const json = gpt2StyleJson();
    expect(await loadError({ 'tokenizer.json': json, 'tokenizer_config.json': '[]' })).toBe('tok/tokenizer_config.json: must be a JSON object');
    expect(await loadError({ 'tokenizer.json': json, 'tokenizer_config.json': { eos_token: 5 } })).toMatch(/"eos_token" must be a token string/);
    expect(await loadError({ 'tokenizer.json': json, 'tokenizer_config.json': { add_bos_token: 'yes' } })).toMatch(/"add_bos_token" must be true or false/);
    expect(await loadError({ 'tokenizer.json': json, 'tokenizer_config.json': { eos_token: '</nope>' } })).toBe(
      'tok/tokenizer_config.json: its eos_token "</nope>" is not in the vocabulary of tok/tokenizer.json',
    );
  });
});

describe('checkTokenizerFitsModel', () => {
  const tokenizer = build(gpt2StyleJson()); // ids 0..265

  it('accepts a model with as many or more embedding rows (padded vocabularies)', () => {
    expect(() => checkTokenizerFitsModel(tokenizer, 266)).not.toThrow();
    expect(() => checkTokenizerFitsModel(tokenizer, 320)).not.toThrow();
  });

  it('refuses a model too small for the ids, naming the tokenizer file', () => {
    expect(() => checkTokenizerFitsModel(tokenizer, 96)).toThrow(
      new InputFileError(
        FILES.tokenizer,
        "has 266 token ids but the model's vocabulary (config.json vocab_size) has only 96: are the tokenizer and the model from the same checkpoint?",
      ),
    );
  });
});

describe('texts too long to tokenize', () => {
  it('a text over the limit is refused before any work, naming its file and the limit', () => {
    const tokenizer = build(gpt2StyleJson(), {}, { maxTextCharacters: 100 });
    expect(tokenizer.encode('hello world'.repeat(9), 'corpus.txt').length).toBeGreaterThan(0); // 99 characters: fine
    const encode = () => tokenizer.encode('x'.repeat(101), 'data/corpus.txt');
    expect(encode).toThrow(InputFileError);
    expect(encode).toThrow(
      'data/corpus.txt: is too long to tokenize in one piece: 101 characters, more than the 100 a document may have ' +
        '(split it into several files, .jsonl lines, or paragraphs separated by blank lines)',
    );
  });

  it('without a file name, the tokenizer is named', () => {
    const tokenizer = build(gpt2StyleJson(), {}, { maxTextCharacters: 10 });
    expect(() => tokenizer.encode('x'.repeat(11))).toThrow(/^a text given to tok\/tokenizer\.json: is too long to tokenize/);
  });

  it('the default limit is 16 Mi characters', () => {
    expect(MAX_TOKENIZE_CHARACTERS).toBe(16 * 1024 * 1024);
  });

  it('a RangeError inside the library (a huge document) becomes an error naming the file and the tokenizer', () => {
    const tokenizer = build(gpt2StyleJson());
    const spy = vi.spyOn(Tokenizer.prototype, 'encode').mockImplementation(() => {
      throw new RangeError('Invalid array length');
    });
    try {
      expect(() => tokenizer.encode('hello', 'big.txt')).toThrow(
        'big.txt: could not be tokenized with tok/tokenizer.json: the tokenizer ran out of room (too long a text?): Invalid array length',
      );
    } finally {
      spy.mockRestore();
    }
  });

  it('a tokenizer.json over 256 MiB is refused as too large, not as bad JSON (a fake length: nothing is allocated)', async () => {
    const huge = { byteLength: 300 * 1024 * 1024 } as Uint8Array;
    const source = new MemorySource('tok', new Map([['tokenizer.json', huge]]));
    await expect(loadTokenizer(source)).rejects.toThrow(
      'tok/tokenizer.json: is too large: 300 MiB (314572800 bytes), more than the 256 MiB limit for this file',
    );
  });
});

describe('seeded random corruption of tokenizer.json', () => {
  const HOSTILE: unknown[] = [null, -1, 0, 1e9, 1.5, 'x', '', [], {}, true, { type: 'Nope' }, [['a', 'b']], 'Ġ'];
  const SEED = 4242;
  const TRIALS = 150;

  /** Every [container, key] in the JSON tree, vocab entries sampled (256 of them would drown the rest). */
  function slots(node: unknown, out: Array<[Record<string, unknown> | unknown[], string | number]> = []): typeof out {
    if (Array.isArray(node)) node.forEach((child, i) => (out.push([node, i]), slots(child, out)));
    else if (node && typeof node === 'object') {
      const entries = Object.entries(node);
      const sample = entries.length > 40 ? entries.filter((_, i) => i % 16 === 0) : entries;
      for (const [key, child] of sample) {
        out.push([node as Record<string, unknown>, key]);
        slots(child, out);
      }
    }
    return out;
  }

  it(`${TRIALS} corrupted tokenizers each build and tokenise to valid ids, or fail naming the file`, { timeout: 60_000 }, () => {
    const random = createRng(SEED);
    const counts = { built: 0, refused: 0 };
    for (let trial = 0; trial < TRIALS; trial++) {
      const json = structuredClone(gpt2StyleJson()) as unknown as Record<string, unknown>;
      const all = slots(json);
      for (let e = 1 + Math.floor(random() * 3); e > 0; e--) {
        const [container, key] = all[Math.floor(random() * all.length)];
        const value = HOSTILE[Math.floor(random() * HOSTILE.length)];
        if (Array.isArray(container)) container[key as number] = value;
        else if (random() < 0.2) delete container[key as string];
        else container[key as string] = value;
      }
      const start = performance.now();
      const snapshot = JSON.stringify(json);
      try {
        const tokenizer = build(json);
        const ids = tokenizer.encode('hello world, héllo 123 <|endoftext|>', 'sample.txt');
        expect(ids.every((id) => Number.isInteger(id) && id >= 0 && id < tokenizer.vocabSize), `trial ${trial}`).toBe(true);
        expect(typeof tokenizer.decode(ids)).toBe('string');
        counts.built++;
      } catch (error) {
        expect(error, `trial ${trial}: ${String(error)}`).toBeInstanceOf(InputFileError);
        expect((error as InputFileError).file).toMatch(/^(tok\/tokenizer(_config)?\.json|sample\.txt)$/);
        counts.refused++;
      }
      expect(performance.now() - start, `trial ${trial}: ${snapshot.replace(/"vocab":\{[^}]*\}/, '"vocab":{…}')}`).toBeLessThan(2_000);
    }
    console.log(`tokenizer.json fuzz: seed ${SEED}, ${TRIALS} trials, ${counts.built} built, ${counts.refused} refused`);
  });
});

describe('token ids in tokenizer.json (found by the fuzz)', () => {
  it('a vocabulary id of 10^9 is refused at once, not a minute spent building a 10^9-entry table', () => {
    const json = gpt2StyleJson();
    (json.model.vocab as Record<string, number>)['°'] = 1e9;
    const start = performance.now();
    expect(() => build(json)).toThrow('tok/tokenizer.json: "model.vocab" gives "°" the id 1000000000; ids are integers from 0 to 4194303');
    expect(performance.now() - start).toBeLessThan(1_000);
  });

  it.each([[-1], [1.5], ['3']])('a vocabulary id of %j is refused', (id) => {
    const json = gpt2StyleJson();
    (json.model.vocab as Record<string, unknown>).h = id;
    expect(() => build(json)).toThrow(/"model\.vocab" gives "h" the id/);
  });

  it('an added token without an integer id is refused', () => {
    const json = { ...gpt2StyleJson(), added_tokens: [{ content: '<x>', id: 'seven' }] };
    expect(() => build(json)).toThrow(/"added_tokens" entries need a "content" string and an integer "id"/);
  });
});
