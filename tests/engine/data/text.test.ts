import { describe, expect, it } from 'vitest';
import { parseTextDataset } from '../../../src/engine/data/text';
import { InputFileError } from '../../../src/engine/errors';
import { jsonlFile, textFile, thrown, zipOf } from './make-files';

/** The error parseTextDataset throws for these files, checked to be an InputFileError naming `file`. */
function parseError(files: Parameters<typeof parseTextDataset>[0], file: string): InputFileError {
  const error = thrown(() => parseTextDataset(files));
  expect(error).toBeInstanceOf(InputFileError);
  expect((error as InputFileError).file).toBe(file);
  return error as InputFileError;
}

describe('parseTextDataset: .txt', () => {
  it('splits a file of blank-line-separated entries into one document each, and says so', () => {
    const quotes = 'Be yourself.\nEveryone else is taken.\n\n  \nSimplicity is the soul of wit.\r\n\r\nBrevity, too.\n\n\n';
    const dataset = parseTextDataset([textFile('quotes.txt', quotes)]);
    expect(dataset.examples.map((example) => example.kind === 'text' && example.text)).toEqual([
      'Be yourself.\nEveryone else is taken.',
      'Simplicity is the soul of wit.',
      'Brevity, too.',
    ]);
    expect(dataset.notes).toEqual(['quotes.txt: split at blank lines into 3 documents']);
  });

  it('keeps a file with no blank lines as one document, and says so', () => {
    const dataset = parseTextDataset([textFile('one.txt', 'line one\nline two\n')]);
    expect(dataset.examples).toEqual([{ kind: 'text', text: 'line one\nline two\n', source: 'one.txt' }]);
    expect(dataset.notes).toEqual(['one.txt: one document (it has no blank lines between entries)']);
  });

  it('reads each file as one document, with line ends normalised', () => {
    const dataset = parseTextDataset([textFile('a.txt', 'Call me Ishmael.\r\nSome years ago'), textFile('b.txt', 'second')]);
    expect(dataset.task).toBe('causal-lm');
    expect(dataset.examples).toEqual([
      { kind: 'text', text: 'Call me Ishmael.\nSome years ago', source: 'a.txt' },
      { kind: 'text', text: 'second', source: 'b.txt' },
    ]);
    expect(dataset.files).toEqual(['a.txt', 'b.txt']);
    expect(dataset.warnings).toEqual([]);
  });

  it('drops a UTF-8 byte-order mark and keeps non-ASCII text', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('café – naïve')]);
    expect(parseTextDataset([{ path: 'bom.txt', bytes }]).examples[0]).toMatchObject({ text: 'café – naïve' });
  });

  it('rejects an empty or whitespace-only file', () => {
    expect(parseError([textFile('ok.txt', 'fine'), textFile('empty.txt', ' \n\t\n')], 'empty.txt').message).toBe('empty.txt: is empty');
  });

  it('rejects bytes that are not UTF-8, saying where', () => {
    const bytes = new Uint8Array([...new TextEncoder().encode('line one\nline '), 0xff, 0x41]);
    expect(parseError([{ path: 'latin1.txt', bytes }], 'latin1.txt').message).toMatch(/is not UTF-8 text: invalid byte 0xff at byte 14 \(line 2\)/);
  });

  it('rejects a truncated multi-byte character', () => {
    const bytes = new Uint8Array([0x61, 0xe2, 0x82]);
    expect(parseError([{ path: 'cut.txt', bytes }], 'cut.txt').message).toMatch(/invalid byte 0xe2 at byte 1/);
  });

  it('rejects a binary file that happens to be valid UTF-8', () => {
    const bytes = new Uint8Array([0x61, 0x0a, 0x00, 0x01]);
    expect(parseError([{ path: 'blob.txt', bytes }], 'blob.txt').message).toMatch(/binary file.*line 2/);
  });
});

describe('parseTextDataset: .jsonl', () => {
  it('reads "text" records and ignores other keys and blank lines', () => {
    const file = textFile('d.jsonl', '{"text":"one","year":1790}\n\n  \n{"text":"two"}\n');
    expect(parseTextDataset([file]).examples).toEqual([
      { kind: 'text', text: 'one', source: 'd.jsonl' },
      { kind: 'text', text: 'two', source: 'd.jsonl' },
    ]);
  });

  it('reads prompt/completion records as pairs', () => {
    const file = jsonlFile('qa.jsonl', [{ prompt: 'Q: 2+2?\nA:', completion: ' 4' }]);
    expect(parseTextDataset([file]).examples).toEqual([{ kind: 'pair', prompt: 'Q: 2+2?\nA:', completion: ' 4', source: 'qa.jsonl' }]);
  });

  it('rejects invalid JSON, naming the line', () => {
    expect(parseError([textFile('d.jsonl', '{"text":"ok"}\n{"text": oops}\n')], 'd.jsonl').message).toMatch(/^d\.jsonl: line 2: invalid JSON/);
  });

  it('rejects a line that is not an object', () => {
    expect(parseError([textFile('d.jsonl', '{"text":"a"}\n["text"]\n')], 'd.jsonl').message).toMatch(/line 2: expected an object .* found an array/);
    expect(parseError([textFile('d.jsonl', '"just a string"\n')], 'd.jsonl').message).toMatch(/line 1: expected an object .* found a string/);
  });

  it('rejects missing fields, naming the line and the field', () => {
    expect(parseError([jsonlFile('d.jsonl', [{ title: 'x' }])], 'd.jsonl').message).toMatch(/line 1: has no "text", nor "prompt" and "completion"/);
    expect(parseError([jsonlFile('d.jsonl', [{ prompt: 'p', completion: 'c' }, { prompt: 'p' }])], 'd.jsonl').message).toMatch(
      /line 2: has "prompt" but no "completion"/,
    );
    expect(parseError([jsonlFile('d.jsonl', [{ completion: 'c' }])], 'd.jsonl').message).toMatch(/line 1: has "completion" but no "prompt"/);
  });

  it('rejects fields that are not strings', () => {
    expect(parseError([jsonlFile('d.jsonl', [{ text: 42 }])], 'd.jsonl').message).toMatch(/line 1: "text" must be a string; found a number/);
    expect(parseError([jsonlFile('d.jsonl', [{ prompt: 'p', completion: null }])], 'd.jsonl').message).toMatch(/"completion" must be a string; found null/);
  });

  it('rejects a record with both kinds of fields', () => {
    expect(parseError([jsonlFile('d.jsonl', [{ text: 't', prompt: 'p', completion: 'c' }])], 'd.jsonl').message).toMatch(/line 1: has both/);
  });

  it('rejects a file mixing text and pairs, naming the first line of the other kind', () => {
    const file = textFile('mix.jsonl', '{"text":"a"}\n\n{"text":"b"}\n{"prompt":"p","completion":"c"}\n');
    expect(parseError([file], 'mix.jsonl').message).toBe(
      'mix.jsonl: line 4 has "prompt"/"completion" but line 1 has "text"; a file must hold one kind of record',
    );
  });

  it('skips empty texts and empty completions with a warning listing their lines', () => {
    const dataset = parseTextDataset([jsonlFile('d.jsonl', [{ text: 'a' }, { text: '' }, { text: '  ' }, { text: 'b' }])]);
    expect(dataset.examples.map((example) => (example.kind === 'text' ? example.text : ''))).toEqual(['a', 'b']);
    expect(dataset.warnings).toEqual(['d.jsonl: skipped 2 empty records (line 2, line 3)']);
    const pairs = parseTextDataset([jsonlFile('p.jsonl', [{ prompt: 'p', completion: '' }, { prompt: '', completion: 'c' }])]);
    expect(pairs.examples).toHaveLength(1);
    expect(pairs.warnings).toEqual(['p.jsonl: skipped 1 empty record (line 1)']);
  });

  it('rejects a file whose records are all empty', () => {
    expect(parseError([jsonlFile('d.jsonl', [{ text: '' }])], 'd.jsonl').message).toMatch(/no usable records \(all 1 are empty\)/);
  });
});

describe('parseTextDataset: .json', () => {
  it('reads an array of records', () => {
    const file = textFile('d.json', JSON.stringify([{ text: 'a' }, { text: 'b' }]));
    expect(parseTextDataset([file]).examples).toHaveLength(2);
  });

  it('names the item of a bad record', () => {
    expect(parseError([textFile('d.json', '[{"text":"a"},{"txt":"b"}]')], 'd.json').message).toMatch(/item 2: has no "text"/);
  });

  it('rejects JSON that is not an array', () => {
    expect(parseError([textFile('d.json', '{"text":"a"}')], 'd.json').message).toMatch(/must hold a JSON array/);
  });

  it('rejects invalid JSON', () => {
    expect(parseError([textFile('d.json', '[\n{"text": "a"},\n{"text": }\n]')], 'd.json').message).toMatch(/invalid JSON/);
  });

  it('rejects an empty array', () => {
    expect(parseError([textFile('d.json', '[]')], 'd.json').message).toMatch(/has no records/);
  });
});

describe('parseTextDataset: .csv', () => {
  it('reads the "text" column, whatever other columns there are', () => {
    const file = textFile('d.csv', 'id,Text\n1,"Hello, world"\n2,"two\nlines"\n');
    expect(parseTextDataset([file]).examples.map((example) => example.kind === 'text' && example.text)).toEqual(['Hello, world', 'two\nlines']);
  });

  it('reads "prompt" and "completion" columns as pairs', () => {
    const file = textFile('d.csv', 'prompt,completion\r\n"Q: capital of France?",  Paris\r\n');
    expect(parseTextDataset([file]).examples).toEqual([{ kind: 'pair', prompt: 'Q: capital of France?', completion: '  Paris', source: 'd.csv' }]);
  });

  it('reads a single column as text whatever its header says', () => {
    const file = textFile('d.csv', 'sentence\nfirst\nsecond\n');
    expect(parseTextDataset([file]).examples).toHaveLength(2);
  });

  it('requires a header naming the columns it reads', () => {
    expect(parseError([textFile('d.csv', 'a,b\n1,2\n')], 'd.csv').message).toMatch(/needs a "text" column.*found: "a", "b"/);
  });

  it('rejects a header with both kinds of columns', () => {
    expect(parseError([textFile('d.csv', 'text,prompt,completion\n1,2,3\n')], 'd.csv').message).toMatch(/both a "text" column/);
  });

  it('rejects a header with no rows', () => {
    expect(parseError([textFile('d.csv', 'text\n')], 'd.csv').message).toMatch(/has no records/);
  });

  it('names the line of a malformed row', () => {
    expect(parseError([textFile('d.csv', 'text,id\nok,1\n"bad,2\n')], 'd.csv').message).toMatch(/line 3: a quoted field is never closed/);
  });
});

describe('parseTextDataset: datasets of several files', () => {
  it('rejects plain text mixed with pairs across files, naming both files', () => {
    const error = parseError([textFile('a.txt', 'text'), jsonlFile('b.jsonl', [{ prompt: 'p', completion: 'c' }])], 'b.jsonl');
    expect(error.message).toBe('b.jsonl: holds prompt/completion pairs but a.txt holds plain text; a dataset must be all plain text or all prompt/completion pairs');
  });

  it('rejects an unknown extension, naming the file and the supported formats', () => {
    expect(parseError([textFile('notes.md', '# hi')], 'notes.md').message).toMatch(/not a supported text format \(\.md\); use \.txt, \.jsonl, \.json or \.csv/);
  });

  it('rejects an empty list of files', () => {
    expect(() => parseTextDataset([])).toThrow(/no text files were given/);
  });

  it('reads text files inside a .zip, naming them by their place in the archive', () => {
    const zip = zipOf('texts.zip', [textFile('corpus/a.txt', 'alpha'), textFile('corpus/.DS_Store', '\0'), textFile('__MACOSX/corpus/._a.txt', '\0')]);
    const dataset = parseTextDataset([zip]);
    expect(dataset.examples).toEqual([{ kind: 'text', text: 'alpha', source: 'texts.zip/corpus/a.txt' }]);
  });

  it('names a bad file inside a .zip by its place in the archive', () => {
    const zip = zipOf('texts.zip', [jsonlFile('d.jsonl', [{ text: 1 }])]);
    expect(parseError([zip], 'texts.zip/d.jsonl').message).toMatch(/line 1: "text" must be a string/);
  });

  it('returns the same dataset for the same bytes', () => {
    const files = [textFile('a.txt', 'x'), jsonlFile('b.jsonl', [{ text: 'y' }])];
    expect(parseTextDataset(files)).toEqual(parseTextDataset(files));
  });

  it('parses a large garbage file quickly and with a clear error', () => {
    const garbage = textFile('junk.jsonl', '{'.repeat(2_000_000));
    const start = performance.now();
    expect(parseError([garbage], 'junk.jsonl').message).toMatch(/line 1: invalid JSON/);
    expect(performance.now() - start).toBeLessThan(5_000);
  });
});

describe('parseTextDataset: file order', () => {
  it('takes files in natural path order, whatever order they were given in', () => {
    const dataset = parseTextDataset([textFile('part10.txt', 'ten'), textFile('part2.txt', 'two'), textFile('part1.txt', 'one')]);
    expect(dataset.files).toEqual(['part1.txt', 'part2.txt', 'part10.txt']);
    expect(dataset.examples.map((example) => example.source)).toEqual(['part1.txt', 'part2.txt', 'part10.txt']);
  });
});
