/** config.json patched in its own text: values outside the patch keep their spelling. */
import { describe, expect, it } from 'vitest';
import { patchJsonObjectText } from '../../../src/engine/io/json-text';

const CONFIG = '{\n  "attn_pdrop": 0.0,\n  "id2label": {\n    "0": "LABEL_0"\n  },\n  "note": "a \\"}\\" inside",\n  "rope_theta": 10000.0,\n  "eps": 1e-05\n}\n';

describe('patchJsonObjectText', () => {
  it('replaces a member in place and appends a new one, leaving every other byte', () => {
    const out = patchJsonObjectText(CONFIG, { id2label: { 0: 'cat', 1: 'dog' }, tie_word_embeddings: false });
    expect(out).toBe(
      '{\n  "attn_pdrop": 0.0,\n  "id2label": {\n    "0": "cat",\n    "1": "dog"\n  },\n  "note": "a \\"}\\" inside",\n' +
        '  "rope_theta": 10000.0,\n  "eps": 1e-05,\n  "tie_word_embeddings": false\n}\n',
    );
    expect(JSON.parse(out).note).toBe('a "}" inside');
  });

  it('replaces scalars at the end and the start, and leaves the text alone with nothing to patch', () => {
    expect(patchJsonObjectText(CONFIG, { eps: 0.5, attn_pdrop: 0.1 })).toBe(CONFIG.replace('0.0', '0.1').replace('1e-05', '0.5'));
    expect(patchJsonObjectText(CONFIG, {})).toBe(CONFIG);
    expect(patchJsonObjectText(CONFIG, { eps: undefined })).toBe(CONFIG);
  });

  it('patches an empty object, and refuses what is not an object', () => {
    expect(JSON.parse(patchJsonObjectText('{}', { a: [1] }))).toEqual({ a: [1] });
    expect(() => patchJsonObjectText('[1]', { a: 1 })).toThrow(/not a JSON object/);
  });
});
