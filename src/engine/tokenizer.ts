/**
 * Text tokenizers from a checkpoint's tokenizer.json (+ tokenizer_config.json),
 * run by @huggingface/tokenizers (pure JS; BPE, WordPiece, Unigram, with the
 * normalizers, pre-tokenizers, post-processors and decoders of the Rust crate).
 *
 * Special tokens: `encode(text)` behaves like transformers'
 * `tokenizer(text)["input_ids"]`, whose default is `add_special_tokens=True`:
 * whatever the tokenizer.json post-processor adds, is added. GPT-2 and
 * GPT-Neo/TinyStories have a ByteLevel post-processor that adds nothing, so
 * `encode` returns the text's tokens alone; Llama-family tokenizers have a
 * TemplateProcessing that adds `<s>`, so `encode` starts with BOS there. When
 * tokenizer_config.json sets `add_bos_token` / `add_eos_token` explicitly,
 * the template is rebuilt from those flags (`[bos] $A [eos]`), as
 * transformers' fast tokenizers do (LlamaTokenizerFast.update_post_processor).
 *
 * Where transformers' Rust backend differs from the JS library, we follow Rust:
 * ids the vocabulary lacks are dropped when decoding, characters without a
 * token (no `unk_token`) are dropped when encoding, and decoding does not
 * "clean up tokenization spaces" unless the config asks for it (transformers
 * 5 defaults to false; the JS library to true).
 */
import { Tokenizer } from '@huggingface/tokenizers';
import { InputFileError, quoted } from './errors';
import type { TokenEncoder } from './data/types';
import { readJson, type FileSource } from './io/source';
import { CONFIG_LIMITS } from './models/config-fields';

export const TOKENIZER_FILE = 'tokenizer.json';
export const TOKENIZER_CONFIG_FILE = 'tokenizer_config.json';

/** tokenizer.json of large vocabularies runs to tens of megabytes (Gemma's: 34 MB); settings files stay small. */
export const MAX_TOKENIZER_JSON_BYTES = 256 * 1024 * 1024;

export interface DecodeOptions {
  /** Leave out special tokens (BOS, EOS, padding, ...). Default false, as in transformers. */
  skipSpecialTokens?: boolean;
}

export interface TextTokenizer extends TokenEncoder {
  /**
   * Token ids of `text`, with the special tokens the post-processor adds (see
   * the file comment). `origin` (the text's file, e.g. `corpus.txt`) is named
   * when the text cannot be tokenised: too long, or the library fails on it.
   */
  encode(text: string, origin?: string): number[];
  decode(ids: ArrayLike<number>, options?: DecodeOptions): string;
  /** One more than the largest id the tokenizer can produce (added tokens included). */
  readonly vocabSize: number;
  /** A token's id, or null when the vocabulary lacks it. */
  tokenToId(token: string): number | null;
  readonly bosTokenId: number | null;
  readonly eosTokenId: number | null;
  readonly padTokenId: number | null;
  /** Where the tokenizer came from, for messages. */
  readonly file: string;
}

export interface TokenizerOptions {
  /** Fallbacks for config.json's ids when tokenizer_config.json names no BOS / EOS token. */
  bosTokenId?: number | null;
  eosTokenId?: number | null;
  /** The longest text `encode` accepts, in UTF-16 units; default MAX_TOKENIZE_CHARACTERS. */
  maxTextCharacters?: number;
}

/**
 * The longest single text `encode` tokenises. The library holds every
 * pre-token and its ids at once: measured in Node, 8 M characters peak at
 * about 0.5 GB and 32 M at 2 GB (27 s), and a 400 MB document ends in a bare
 * RangeError. A longer document is refused up front, saying so; the data
 * formats let a corpus be split (several files, .jsonl lines, blank lines).
 */
export const MAX_TOKENIZE_CHARACTERS = 16 * 1024 * 1024;

/** Reads tokenizer.json and, when present, tokenizer_config.json from a checkpoint. */
export async function loadTokenizer(source: FileSource, options: TokenizerOptions = {}): Promise<TextTokenizer> {
  const file = source.describe(TOKENIZER_FILE);
  if (!(await source.has(TOKENIZER_FILE))) {
    throw new InputFileError(
      file,
      'not found: language models need the tokenizer.json of a "fast" tokenizer beside config.json ' +
        '(save it with `AutoTokenizer.from_pretrained(...).save_pretrained(folder)`)',
    );
  }
  const tokenizerJson = await readJson(source, TOKENIZER_FILE, { maxBytes: MAX_TOKENIZER_JSON_BYTES });
  const configFile = source.describe(TOKENIZER_CONFIG_FILE);
  const config = (await source.has(TOKENIZER_CONFIG_FILE)) ? await readJson(source, TOKENIZER_CONFIG_FILE) : {};
  return createTokenizer(tokenizerJson, config, { tokenizer: file, config: configFile }, options);
}

/** Builds a tokenizer from the two parsed JSON files; `files` names them in errors. */
export function createTokenizer(
  tokenizerJson: unknown,
  tokenizerConfig: unknown,
  files: { tokenizer: string; config: string },
  options: TokenizerOptions = {},
): TextTokenizer {
  const json = checkTokenizerJson(tokenizerJson, files.tokenizer);
  const config = normaliseConfig(tokenizerConfig, files.config);
  const special = (key: string) => config[key] as string | undefined;
  json.post_processor = applyAddTokenFlags(json, config, files.config);

  let library: Tokenizer;
  try {
    library = new Tokenizer(json, { ...config, clean_up_tokenization_spaces: config.clean_up_tokenization_spaces ?? false });
    library.encode('Hello world 123'); // patterns are compiled lazily: fail now, naming the file
  } catch (error) {
    throw new InputFileError(files.tokenizer, `could not be used as a tokenizer (${(error as Error).message})`);
  }
  const tokenToId = (token: string | undefined) => (token === undefined ? null : (library.token_to_id(token) ?? null));
  const idOf = (key: string, fallback: number | null | undefined) => {
    const token = special(key);
    const id = tokenToId(token);
    if (token !== undefined && id === null) {
      throw new InputFileError(files.config, `its ${key} "${token}" is not in the vocabulary of ${files.tokenizer}`);
    }
    return id ?? fallback ?? null;
  };
  const vocabSize = largestId(library) + 1;

  return {
    file: files.tokenizer,
    vocabSize,
    bosTokenId: idOf('bos_token', options.bosTokenId),
    eosTokenId: idOf('eos_token', options.eosTokenId),
    padTokenId: idOf('pad_token', null),
    tokenToId: (token) => tokenToId(token),
    encode: (text, origin) => encodeBounded(library, text, files.tokenizer, origin, options.maxTextCharacters ?? MAX_TOKENIZE_CHARACTERS),
    decode: (ids, decodeOptions = {}) => {
      // Rust's decoder skips ids it has no token for; the JS one would print "undefined".
      const known = Array.from(ids).filter((id) => library.id_to_token(id) !== undefined);
      if (known.length === 0) return '';
      return library.decode(known, { skip_special_tokens: decodeOptions.skipSpecialTokens ?? false });
    },
  };
}

/**
 * The library's encode with its failures in words: a text over `limit` is
 * refused before any work, and an error the library throws (a RangeError on
 * a huge text) names the text's file and the tokenizer.
 */
function encodeBounded(library: Tokenizer, text: string, tokenizerFile: string, origin: string | undefined, limit: number): number[] {
  const what = origin ?? `a text given to ${tokenizerFile}`;
  if (text.length > limit) {
    throw new InputFileError(
      what,
      `is too long to tokenize in one piece: ${text.length} characters, more than the ${limit} a document may have ` +
        '(split it into several files, .jsonl lines, or paragraphs separated by blank lines)',
    );
  }
  try {
    return library.encode(text).ids.filter((id) => Number.isInteger(id));
  } catch (error) {
    const reason = error instanceof RangeError ? 'ran out of room (too long a text?)' : 'failed';
    throw new InputFileError(what, `could not be tokenized with ${tokenizerFile}: the tokenizer ${reason}: ${(error as Error).message}`);
  }
}

/**
 * A tokenizer whose ids reach past the model's embedding would index rows
 * that do not exist (tfjs' gather returns zeros there on WebGPU: silent
 * garbage), so a mismatched pair is refused, naming the tokenizer file. A
 * model with more rows than the tokenizer has ids (padded embeddings) is fine.
 */
export function checkTokenizerFitsModel(tokenizer: TextTokenizer, modelVocabSize: number): void {
  if (tokenizer.vocabSize > modelVocabSize) {
    throw new InputFileError(
      tokenizer.file,
      `has ${tokenizer.vocabSize} token ids but the model's vocabulary (config.json vocab_size) has only ${modelVocabSize}: ` +
        'are the tokenizer and the model from the same checkpoint?',
    );
  }
}

/** A loop, not Math.max(...ids): a 256k vocabulary exceeds the engine's argument limit. */
function largestId(library: Tokenizer): number {
  let largest = -1;
  for (const id of library.get_vocab(true).values()) if (id > largest) largest = id;
  return largest;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The parts the library needs, present (null where a tokenizer has none). */
function checkTokenizerJson(raw: unknown, file: string): Json & { post_processor: unknown } {
  if (!isObject(raw)) throw new InputFileError(file, 'must be a JSON object (a "fast" tokenizer file)');
  const model = raw.model;
  if (!isObject(model) || !('vocab' in model)) {
    throw new InputFileError(file, 'has no "model" with a "vocab": is this a tokenizer.json written by the tokenizers library?');
  }
  if (raw.added_tokens !== undefined && !Array.isArray(raw.added_tokens)) {
    throw new InputFileError(file, '"added_tokens" must be a list');
  }
  checkTokenIds(raw, model, file);
  return {
    ...raw,
    added_tokens: raw.added_tokens ?? [],
    normalizer: raw.normalizer ?? null,
    pre_tokenizer: raw.pre_tokenizer ?? null,
    post_processor: raw.post_processor ?? null,
    decoder: raw.decoder ?? null,
  };
}

/**
 * Token ids must be integers in [0, CONFIG_LIMITS.vocab): the library
 * builds a dense id-to-token table up to the largest id, so one id of 10^9
 * in a 300-token vocabulary cost a minute and gigabytes before this check.
 */
function checkTokenIds(raw: Json, model: Json, file: string): void {
  const limit = CONFIG_LIMITS.vocab;
  const bad = (id: unknown) => typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0 || id >= limit;
  const vocab = model.vocab;
  if (Array.isArray(vocab)) {
    // Unigram: a list of [token, score]; ids are positions.
    if (vocab.length > limit) throw new InputFileError(file, `"model.vocab" has ${vocab.length} tokens, more than the ${limit} supported`);
  } else if (isObject(vocab)) {
    for (const [token, id] of Object.entries(vocab)) {
      if (bad(id)) {
        throw new InputFileError(file, `"model.vocab" gives ${quoted(token, 40)} the id ${quoted(id)}; ids are integers from 0 to ${limit - 1}`);
      }
    }
  } else {
    throw new InputFileError(file, '"model.vocab" must be an object (token to id) or a list (Unigram)');
  }
  for (const token of (raw.added_tokens as unknown[] | undefined) ?? []) {
    if (!isObject(token) || typeof token.content !== 'string' || bad(token.id)) {
      throw new InputFileError(file, `"added_tokens" entries need a "content" string and an integer "id" from 0 to ${limit - 1}, got ${quoted(token, 80)}`);
    }
  }
}

const SPECIAL_TOKEN_KEYS = ['bos_token', 'eos_token', 'unk_token', 'pad_token', 'sep_token', 'cls_token', 'mask_token'];

/**
 * tokenizer_config.json with special tokens as plain strings: files written
 * by transformers may store them as AddedToken objects ({"content": "<s>", ...}).
 */
function normaliseConfig(raw: unknown, file: string): Json {
  if (!isObject(raw)) throw new InputFileError(file, 'must be a JSON object');
  const config: Json = { ...raw };
  const asString = (value: unknown, key: string): string | undefined => {
    if (value === null || value === undefined) return undefined;
    if (typeof value === 'string') return value;
    if (isObject(value) && typeof value.content === 'string') return value.content;
    throw new InputFileError(file, `"${key}" must be a token string or an object with "content"`);
  };
  for (const key of SPECIAL_TOKEN_KEYS) config[key] = asString(raw[key], key);
  if (raw.additional_special_tokens !== undefined) {
    if (!Array.isArray(raw.additional_special_tokens)) throw new InputFileError(file, '"additional_special_tokens" must be a list');
    config.additional_special_tokens = raw.additional_special_tokens.map((t) => asString(t, 'additional_special_tokens'));
  }
  for (const key of ['add_bos_token', 'add_eos_token', 'clean_up_tokenization_spaces']) {
    if (raw[key] !== undefined && raw[key] !== null && typeof raw[key] !== 'boolean') {
      throw new InputFileError(file, `"${key}" must be true or false`);
    }
  }
  return config;
}

/**
 * The post-processor transformers would use: tokenizer.json's own, unless
 * tokenizer_config.json sets add_bos_token / add_eos_token, in which case
 * `[bos] $A [eos]` (and `[bos] $A [eos] [bos] $B [eos]` for pairs).
 */
function applyAddTokenFlags(json: Json, config: Json, configFile: string): unknown {
  const addBos = config.add_bos_token;
  const addEos = config.add_eos_token;
  if (typeof addBos !== 'boolean' && typeof addEos !== 'boolean') return json.post_processor;
  const tokenItem = (key: 'bos_token' | 'eos_token', typeId: number) => {
    const token = config[key];
    if (typeof token !== 'string') throw new InputFileError(configFile, `sets add_${key} but names no ${key}`);
    return { SpecialToken: { id: token, type_id: typeId } };
  };
  const sequence = (id: 'A' | 'B', typeId: number) => [
    ...(addBos === true ? [tokenItem('bos_token', typeId)] : []),
    { Sequence: { id, type_id: typeId } },
    ...(addEos === true ? [tokenItem('eos_token', typeId)] : []),
  ];
  return { type: 'TemplateProcessing', single: sequence('A', 0), pair: [...sequence('A', 0), ...sequence('B', 1)] };
}
