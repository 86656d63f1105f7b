/**
 * A text too large for the engine is reported as too large (with the limit),
 * not as bad UTF-8; and a tokenizer failure names the dataset file the text
 * came from, not only tokenizer.json.
 */
import { describe, expect, it } from 'vitest';
import { decodeUtf8 } from '../../../src/engine/data/files';
import { prepareTokenSequences } from '../../../src/engine/data/prepare';
import { parseTextDataset } from '../../../src/engine/data/text';
import type { TokenEncoder } from '../../../src/engine/data/types';
import { InputFileError } from '../../../src/engine/errors';

describe('text size and origin', () => {
  it('a 600 MiB text is "too large", with the limit, naming the file (before any decoding)', () => {
    // Only the length is read before the size check, so a fake length tests it without allocating 600 MiB.
    const huge = { byteLength: 600 * 2 ** 20 } as unknown as Uint8Array;
    let error: unknown;
    try {
      decodeUtf8(huge, 'speeches.txt');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputFileError);
    expect((error as Error).message).toMatch(/^speeches\.txt: is too large: 600 MiB .*limit/);
    expect((error as Error).message).not.toMatch(/UTF-8/);
  });

  it('the tokenizer is told which file each text and each prompt/completion came from', () => {
    const origins: (string | undefined)[] = [];
    const tokenizer: TokenEncoder = {
      encode(text, origin) {
        origins.push(origin);
        return Array.from(text, (c) => c.charCodeAt(0) % 50);
      },
      eosTokenId: 0,
      bosTokenId: null,
    };
    const enc = new TextEncoder();
    for (const file of [
      { path: 'notes.txt', bytes: enc.encode('some plain text to learn from') },
      { path: 'pairs.jsonl', bytes: enc.encode('{"prompt":"Q: hi","completion":" hello"}\n') },
    ]) {
      prepareTokenSequences(parseTextDataset([file]), tokenizer, { seqLength: 8 });
    }
    expect(new Set(origins)).toEqual(new Set(['notes.txt', 'pairs.jsonl']));
  });
});
