/**
 * A byte-level BPE *trainer*, GPT-2 style, writing a Hugging Face
 * tokenizer.json. Encoding and decoding are never done here: the engine
 * loads the result with @huggingface/tokenizers, like any hub tokenizer.
 *
 * Training, as the `tokenizers` library's BpeTrainer does it:
 * 1. pre-tokenise with GPT-2's regex (the ByteLevel pre-tokenizer), map each
 *    piece's UTF-8 bytes to GPT-2's printable byte alphabet, count pieces;
 * 2. start from the 256 byte symbols, so every string is encodable and
 *    decoding round-trips exactly;
 * 3. repeatedly merge the most frequent adjacent pair (ties: the pair whose
 *    ids are smallest, so the result is deterministic) until the vocabulary
 *    is full or no pair occurs `minFrequency` times.
 *
 * Pair counts are updated incrementally: a merge only revisits the words
 * that contain the merged pair.
 */

/** GPT-2's pre-tokenisation pattern, as the ByteLevel pre-tokenizer applies it. */
export const GPT2_PRETOKENIZE = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

export interface BpeTrainingOptions {
  /** Total vocabulary, special tokens included (≥ 256 + specials). */
  vocabSize: number;
  /** Added after the merges, e.g. `<|endoftext|>` (GPT-2 puts it last too). */
  specialTokens: string[];
  /** A pair must occur at least this often to be merged; default 2. */
  minFrequency?: number;
}

export interface ByteLevelBpe {
  /** Token string (in the byte alphabet) → id. */
  vocab: Map<string, number>;
  /** Merges in priority order, as pairs of token strings. */
  merges: Array<[string, string]>;
  specialTokens: string[];
}

/**
 * GPT-2's bytes_to_unicode: printable bytes map to themselves, the others
 * to code points from 256 up, so every token is a printable string.
 */
export function bytesToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const table: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    table[b] = printable.includes(b) ? String.fromCodePoint(b) : String.fromCodePoint(256 + extra++);
  }
  return table;
}

interface Word {
  symbols: number[];
  count: number;
}

/** Pairs as one number: ids stay below 2^16 for any vocabulary we train. */
const PAIR_BASE = 65536;
const pairKey = (a: number, b: number) => a * PAIR_BASE + b;

export function trainByteLevelBpe(texts: Iterable<string>, options: BpeTrainingOptions): ByteLevelBpe {
  const minFrequency = options.minFrequency ?? 2;
  const targetMerges = options.vocabSize - 256 - options.specialTokens.length;
  if (targetMerges < 0 || options.vocabSize > PAIR_BASE) {
    throw new Error(`vocabSize must be between ${256 + options.specialTokens.length} and ${PAIR_BASE}, got ${options.vocabSize}`);
  }
  const symbols = bytesToUnicode(); // id → token string; ids 0..255 are the bytes
  const words = countWords(texts);
  const pairs = new PairIndex(words);
  const merges: Array<[string, string]> = [];
  while (merges.length < targetMerges) {
    const best = pairs.mostFrequent();
    if (!best || best.count < minFrequency) break;
    const a = Math.floor(best.key / PAIR_BASE);
    const b = best.key % PAIR_BASE;
    const merged = symbols.length;
    symbols.push(symbols[a] + symbols[b]);
    merges.push([symbols[a], symbols[b]]);
    pairs.merge(best.key, a, b, merged);
  }
  const vocab = new Map<string, number>(symbols.map((s, id) => [s, id]));
  for (const special of options.specialTokens) vocab.set(special, vocab.size);
  return { vocab, merges, specialTokens: options.specialTokens };
}

/** Pre-tokenised pieces with their counts, as words of byte ids. */
function countWords(texts: Iterable<string>): Word[] {
  const counts = new Map<string, number>();
  const encoder = new TextEncoder();
  for (const text of texts) {
    for (const match of text.matchAll(GPT2_PRETOKENIZE)) {
      const piece = match[0];
      counts.set(piece, (counts.get(piece) ?? 0) + 1);
    }
  }
  const words: Word[] = [];
  for (const [piece, count] of counts) {
    words.push({ symbols: Array.from(encoder.encode(piece)), count });
  }
  return words;
}

/** Counts of adjacent symbol pairs, and which words contain each pair. */
class PairIndex {
  private readonly counts = new Map<number, number>();
  private readonly wordsWith = new Map<number, Set<number>>();

  constructor(private readonly words: Word[]) {
    words.forEach((word, index) => this.addWordPairs(word, index, +1));
  }

  mostFrequent(): { key: number; count: number } | null {
    let bestKey = -1;
    let bestCount = 0;
    for (const [key, count] of this.counts) {
      if (count > bestCount || (count === bestCount && key < bestKey)) {
        bestKey = key;
        bestCount = count;
      }
    }
    return bestKey < 0 ? null : { key: bestKey, count: bestCount };
  }

  /** Replaces every (a, b) by `merged` in the words that contain it. */
  merge(key: number, a: number, b: number, merged: number): void {
    const affected = [...(this.wordsWith.get(key) ?? [])];
    for (const index of affected) {
      const word = this.words[index];
      this.addWordPairs(word, index, -1);
      word.symbols = mergeSymbols(word.symbols, a, b, merged);
      this.addWordPairs(word, index, +1);
    }
    this.counts.delete(key);
    this.wordsWith.delete(key);
  }

  private addWordPairs(word: Word, index: number, sign: 1 | -1): void {
    const s = word.symbols;
    for (let i = 0; i + 1 < s.length; i++) {
      const key = pairKey(s[i], s[i + 1]);
      const count = (this.counts.get(key) ?? 0) + sign * word.count;
      if (count > 0) {
        this.counts.set(key, count);
        if (sign > 0) this.wordsFor(key).add(index);
      } else {
        this.counts.delete(key);
        this.wordsWith.delete(key);
      }
    }
  }

  private wordsFor(key: number): Set<number> {
    let set = this.wordsWith.get(key);
    if (!set) this.wordsWith.set(key, (set = new Set()));
    return set;
  }
}

/** Left-to-right, non-overlapping replacement of (a, b), as BPE applies a merge. */
function mergeSymbols(symbols: number[], a: number, b: number, merged: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < symbols.length; i++) {
    if (i + 1 < symbols.length && symbols[i] === a && symbols[i + 1] === b) {
      out.push(merged);
      i++;
    } else {
      out.push(symbols[i]);
    }
  }
  return out;
}
