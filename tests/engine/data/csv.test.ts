import { describe, expect, it } from 'vitest';
import { parseCsv, parseCsvTable } from '../../../src/engine/data/csv';
import { InputFileError } from '../../../src/engine/errors';
import { thrown } from './make-files';

const fields = (text: string) => parseCsv(text, 'data.csv').map((record) => record.fields);

describe('parseCsv (RFC 4180)', () => {
  it('splits records on LF and CRLF and fields on commas', () => {
    expect(fields('a,b\n1,2\r\n3,4')).toEqual([['a', 'b'], ['1', '2'], ['3', '4']]);
  });

  it('keeps commas, newlines and CRLFs inside quoted fields, and unescapes doubled quotes', () => {
    expect(fields('text\n"one, two"\n"line 1\r\nline 2"\n"say ""hi"""\n')).toEqual([['text'], ['one, two'], ['line 1\nline 2'], ['say "hi"']]);
  });

  it('reports the line each record starts on, counting newlines inside quotes', () => {
    const records = parseCsv('h\n"a\nb\nc"\nd\n', 'data.csv');
    expect(records.map((record) => record.line)).toEqual([1, 2, 5]);
  });

  it('skips blank lines but keeps empty fields and an empty quoted field', () => {
    expect(fields('a,b\n\n,\n""\n')).toEqual([['a', 'b'], ['', ''], ['']]);
  });

  it('reads a last record with no line end', () => {
    expect(fields('a\nlast')).toEqual([['a'], ['last']]);
    expect(fields('a,')).toEqual([['a', '']]);
  });

  it('keeps a lone carriage return inside a field', () => {
    expect(fields('a\rb\n')).toEqual([['a\rb']]);
  });

  it('rejects a quote inside an unquoted field, naming the line', () => {
    const error = thrown(() => parseCsv('h\nok\nbad"field\n', 'data.csv'));
    expect(error).toBeInstanceOf(InputFileError);
    expect(error.message).toMatch(/^data\.csv: line 3: a quote/);
  });

  it('rejects text after a closing quote', () => {
    expect(() => parseCsv('"a"b\n', 'data.csv')).toThrow(/data\.csv: line 1: unexpected character "b" after a closing quote/);
  });

  it('rejects a quote that is never closed, naming the line it opened on', () => {
    expect(() => parseCsv('h\nx\n"open\nmore\n', 'data.csv')).toThrow(/data\.csv: line 3: a quoted field is never closed/);
  });

  it('parses a large file in linear time', () => {
    const big = 'text\n' + '"a ""quoted"" value, with a comma"\n'.repeat(200_000);
    const start = performance.now();
    expect(parseCsv(big, 'big.csv')).toHaveLength(200_001);
    expect(performance.now() - start).toBeLessThan(5_000);
  });
});

describe('parseCsvTable', () => {
  it('lower-cases and trims header names', () => {
    expect(parseCsvTable(' Text ,Label\nx,y\n', 'data.csv').columns).toEqual(['text', 'label']);
  });

  it('rejects a row with the wrong number of fields, naming the line', () => {
    expect(() => parseCsvTable('a,b\n1,2\n3\n', 'data.csv')).toThrow(/data\.csv: line 3: expected 2 fields \(as in the header\), found 1/);
  });

  it('checks a header of 200,000 columns for duplicates in linear time', () => {
    const names = Array.from({ length: 200_000 }, (_, i) => `c${i}`);
    const row = names.map(() => '1').join(',');
    let started = performance.now();
    expect(parseCsvTable(`${names.join(',')}\n${row}\n`, 'wide.csv').columns).toHaveLength(200_000);
    expect(performance.now() - started).toBeLessThan(2000);
    started = performance.now();
    expect(() => parseCsvTable(`${[...names, 'c199999'].join(',')}\n${row},1\n`, 'wide.csv')).toThrow(/names the column "c199999" twice/);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('rejects a header naming a column twice', () => {
    expect(() => parseCsvTable('text,Text\n1,2\n', 'data.csv')).toThrow(/names the column "text" twice/);
  });

  it('rejects an empty file', () => {
    expect(() => parseCsvTable('\n\n', 'data.csv')).toThrow(/data\.csv: is empty/);
  });
});
