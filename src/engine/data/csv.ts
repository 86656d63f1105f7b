/**
 * A strict RFC 4180 CSV reader: comma-separated, fields optionally in double
 * quotes, "" for a quote inside quotes, CRLF or LF line ends, newlines
 * allowed inside quoted fields. One pass over the text, so garbage input
 * costs linear time and ends in a clear error, never a hang.
 */
import { InputFileError } from '../errors';

export interface CsvRecord {
  fields: string[];
  /** The 1-based line the record starts on (records can span lines). */
  line: number;
}

/**
 * Splits CSV text into records. Blank lines are skipped. A quote inside an
 * unquoted field, text after a closing quote, or a quote never closed is an
 * error naming the line, since guessing there silently shifts columns.
 */
export function parseCsv(text: string, file: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  const special = /[",\r\n]/g;
  let fields: string[] = [];
  let field = '';
  let inRecord = false;
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  let i = 0;
  const endRecord = () => {
    fields.push(field);
    const blank = fields.length === 1 && fields[0] === '' && !quoted;
    if (!blank) records.push({ fields, line: recordLine });
    fields = [];
    field = '';
    inRecord = false;
    quoted = false;
  };
  while (i < text.length) {
    special.lastIndex = i;
    const next = special.exec(text)?.index ?? text.length;
    if (next > i) {
      field += text.slice(i, next);
      inRecord = true;
      i = next;
      continue;
    }
    const char = text[i];
    if (char === '"') {
      if (field !== '') throw new InputFileError(file, `line ${line}: a quote (") inside an unquoted field; quote the whole field and double the quote ("")`);
      const read = readQuotedField(text, i, line, file);
      field = read.value;
      line = read.line;
      i = read.end;
      inRecord = true;
      quoted = true;
      if (i < text.length && !isFieldEnd(text, i)) {
        throw new InputFileError(file, `line ${line}: unexpected character ${JSON.stringify(text[i])} after a closing quote`);
      }
    } else if (char === ',') {
      fields.push(field);
      field = '';
      inRecord = true;
      i++;
    } else if (char === '\n' || text[i + 1] === '\n') {
      i += char === '\r' ? 2 : 1;
      endRecord();
      line++;
      recordLine = line;
    } else {
      // A lone carriage return (not a line end here) stays in the field.
      field += char;
      inRecord = true;
      i++;
    }
  }
  if (inRecord) endRecord();
  return records;
}

function isFieldEnd(text: string, i: number): boolean {
  const char = text[i];
  return char === ',' || char === '\n' || (char === '\r' && text[i + 1] === '\n');
}

/** Reads a quoted field starting at the opening quote; returns its value and the index after the closing quote. */
function readQuotedField(text: string, start: number, startLine: number, file: string): { value: string; end: number; line: number } {
  let value = '';
  let line = startLine;
  let i = start + 1;
  for (;;) {
    const close = text.indexOf('"', i);
    if (close < 0) throw new InputFileError(file, `line ${startLine}: a quoted field is never closed (missing ")`);
    const chunk = text.slice(i, close);
    line += countNewlines(chunk);
    value += chunk;
    if (text[close + 1] === '"') {
      value += '"';
      i = close + 2;
      continue;
    }
    return { value: value.replace(/\r\n/g, '\n'), end: close + 1, line };
  }
}

function countNewlines(text: string): number {
  let count = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) count++;
  return count;
}

/** A CSV file's header (trimmed, lower-cased names) and data rows. A header row is required. */
export interface CsvTable {
  columns: string[];
  rows: CsvRecord[];
}

/** Parses CSV whose first record is a header, checking every row has as many fields as the header. */
export function parseCsvTable(text: string, file: string): CsvTable {
  const records = parseCsv(text, file);
  if (records.length === 0) throw new InputFileError(file, 'is empty');
  const [header, ...rows] = records;
  const columns = header.fields.map((name) => name.trim().toLowerCase());
  const duplicate = firstDuplicate(columns);
  if (duplicate !== null) throw new InputFileError(file, `line ${header.line}: the header names the column "${duplicate}" twice`);
  for (const row of rows) {
    if (row.fields.length !== columns.length) {
      throw new InputFileError(
        file,
        `line ${row.line}: expected ${columns.length} field${columns.length === 1 ? '' : 's'} (as in the header), found ${row.fields.length}`,
      );
    }
  }
  return { columns, rows };
}

/** The first non-empty name that occurs twice, in one pass (a header may have hundreds of thousands of columns). */
function firstDuplicate(names: readonly string[]): string | null {
  const seen = new Set<string>();
  for (const name of names) {
    if (name === '') continue;
    if (seen.has(name)) return name;
    seen.add(name);
  }
  return null;
}
