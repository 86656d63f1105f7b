/**
 * A trained byte-level BPE as the files transformers writes for GPT-2:
 * tokenizer.json (the `tokenizers` library's format) and tokenizer_config.json.
 */
import type { ByteLevelBpe } from './bpe';

export interface TokenizerFiles {
  'tokenizer.json': object;
  'tokenizer_config.json': object;
}

/**
 * The files for a GPT-2-style tokenizer whose first special token is
 * bos = eos = unk (`<|endoftext|>`), as GPT-2's own.
 */
export function tokenizerFiles(bpe: ByteLevelBpe, maxLength: number): TokenizerFiles {
  const endOfText = bpe.specialTokens[0];
  if (endOfText === undefined) throw new Error('a GPT-2 style tokenizer needs an end-of-text special token');
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: bpe.specialTokens.map((content) => ({
      id: bpe.vocab.get(content)!,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: true,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: byteLevel,
    // GPT-2's post-processor adds no tokens; trim_offsets only affects offsets.
    post_processor: { ...byteLevel, trim_offsets: false },
    decoder: byteLevel,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: Object.fromEntries(
        [...bpe.vocab].filter(([token]) => !bpe.specialTokens.includes(token)),
      ),
      merges: bpe.merges,
    },
  };
  const tokenizerConfig = {
    tokenizer_class: 'GPT2Tokenizer',
    add_bos_token: false,
    add_prefix_space: false,
    bos_token: endOfText,
    eos_token: endOfText,
    unk_token: endOfText,
    pad_token: null,
    model_max_length: maxLength,
    // transformers' default (true) rewrites " ." as "." on decode: text would not round-trip.
    clean_up_tokenization_spaces: false,
    errors: 'replace',
    added_tokens_decoder: Object.fromEntries(
      bpe.specialTokens.map((content) => [
        String(bpe.vocab.get(content)),
        { content, lstrip: false, normalized: true, rstrip: false, single_word: false, special: true },
      ]),
    ),
  };
  return { 'tokenizer.json': tokenizerJson, 'tokenizer_config.json': tokenizerConfig };
}
