/**
 * Language-modelling datasets from the user's files, as pure functions.
 *
 * Formats (chosen by extension):
 * - `.txt`: one document per blank-line-separated block when the file is
 *   made of several (quotations, speeches, entries: as `datasets`' text
 *   loader with sample_by="paragraph"); else the whole file is one document.
 *   Line ends are normalised to "\n"; the split is said in `notes`.
 * - `.jsonl`: one JSON object per line, with `text`, or with `prompt` and
 *   `completion` (strings); other keys are ignored; blank lines are skipped.
 * - `.json`: an array of such objects.
 * - `.csv`: a header row is required; the `text` column, or the `prompt` and
 *   `completion` columns, are used; a file with a single column is read as
 *   text whatever the column is called.
 * - `.zip`: any of the above inside (folders and hidden files allowed).
 *
 * A dataset holds one kind: plain text or prompt/completion pairs. Records
 * with empty text (or an empty completion) are skipped with a warning; a file
 * left with nothing is an error. Every error names the file and, where there
 * is one, the line. Files are taken in natural path order ("2.txt" before
 * "10.txt"), whatever order they were given in.
 */
import { InputFileError } from '../errors';
import { expandArchives } from './archive';
import { parseCsvTable } from './csv';
import { TEXT_EXTENSIONS, decodeUtf8, extensionOf, isIgnoredPath, lineOfIndex, naturalCompare } from './files';
import type { DataFile, DatasetParseOptions, TextDataset, TextExample } from './types';

/** One record as read from a file, before checks. */
interface RawRecord {
  value: unknown;
  /** "line 3" or "item 3": where the user finds it. */
  where: string;
}

/** Parses text files (and .zip archives of them) into one language-modelling dataset. */
export function parseTextDataset(files: readonly DataFile[], options: Pick<DatasetParseOptions, 'archiveBudget'> = {}): TextDataset {
  // Natural path order: the same dataset however the browser or OS listed the files.
  const dataFiles = expandArchives(files, options.archiveBudget)
    .filter((file) => !isIgnoredPath(file.path))
    .sort((a, b) => naturalCompare(a.path, b.path));
  if (dataFiles.length === 0) throw new InputFileError(files[0]?.path ?? 'dataset', 'no text files were given');
  const examples: TextExample[] = [];
  const warnings: string[] = [];
  const notes: string[] = [];
  let firstFile: { path: string; kind: TextExample['kind'] } | null = null;
  for (const file of dataFiles) {
    const parsed = parseTextFile(file);
    if (firstFile && parsed.examples[0].kind !== firstFile.kind) {
      throw new InputFileError(
        file.path,
        `holds ${describeKind(parsed.examples[0].kind)} but ${firstFile.path} holds ${describeKind(firstFile.kind)}; ` +
          'a dataset must be all plain text or all prompt/completion pairs',
      );
    }
    firstFile ??= { path: file.path, kind: parsed.examples[0].kind };
    examples.push(...parsed.examples);
    warnings.push(...parsed.warnings);
    notes.push(...(parsed.notes ?? []));
  }
  return { task: 'causal-lm', examples, files: dataFiles.map((file) => file.path), warnings, notes };
}

/** Whether a file is one of the text formats (by extension). */
export function isTextDataFile(path: string): boolean {
  return (TEXT_EXTENSIONS as readonly string[]).includes(extensionOf(path));
}

function describeKind(kind: TextExample['kind']): string {
  return kind === 'text' ? 'plain text' : 'prompt/completion pairs';
}

/** Parses one text file; never returns an empty list. */
export function parseTextFile(file: DataFile): { examples: TextExample[]; warnings: string[]; notes?: string[] } {
  const extension = extensionOf(file.path);
  if (!isTextDataFile(file.path)) {
    throw new InputFileError(
      file.path,
      `is not a supported text format (${extension || 'no extension'}); use .txt, .jsonl, .json or .csv (or a .zip of them)`,
    );
  }
  const text = decodeUtf8(file.bytes, file.path).replace(/\r\n?/g, '\n');
  if (text.trim() === '') throw new InputFileError(file.path, 'is empty');
  if (extension === '.txt') return plainTextDocuments(text, file.path);
  const records =
    extension === '.jsonl' ? readJsonLines(text, file.path) : extension === '.json' ? readJsonArray(text, file.path) : readCsvRecords(text, file.path);
  return recordsToExamples(records, file.path);
}

/** A blank line: a line end, then only spaces or tabs up to the next line end (and any more such lines). */
const BLANK_LINES = /\n[ \t]*\n(?:[ \t]*\n)*/;

/** A .txt's documents: its blank-line-separated blocks when there are several, else the whole text. */
function plainTextDocuments(text: string, file: string): { examples: TextExample[]; warnings: string[]; notes: string[] } {
  const blocks = text.split(BLANK_LINES).filter((block) => block.trim() !== '');
  if (blocks.length < 2) {
    return { examples: [{ kind: 'text', text, source: file }], warnings: [], notes: [`${file}: one document (it has no blank lines between entries)`] };
  }
  return {
    examples: blocks.map((block) => ({ kind: 'text', text: block.replace(/^\n+|\s+$/g, ''), source: file })),
    warnings: [],
    notes: [`${file}: split at blank lines into ${blocks.length.toLocaleString('en-US')} documents`],
  };
}

function readJsonLines(text: string, file: string): RawRecord[] {
  const records: RawRecord[] = [];
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      records.push({ value: JSON.parse(line), where: `line ${index + 1}` });
    } catch (error) {
      throw new InputFileError(file, `line ${index + 1}: invalid JSON (${(error as Error).message})`);
    }
  });
  return records;
}

function readJsonArray(text: string, file: string): RawRecord[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message);
    const where = position ? `line ${lineOfIndex(text, Number(position[1]))}: ` : '';
    throw new InputFileError(file, `${where}invalid JSON (${message})`);
  }
  if (!Array.isArray(value)) {
    throw new InputFileError(file, 'must hold a JSON array of objects with "text", or with "prompt" and "completion"');
  }
  return value.map((item, index) => ({ value: item, where: `item ${index + 1}` }));
}

/** CSV rows as records keyed by column name. */
function readCsvRecords(text: string, file: string): RawRecord[] {
  const { columns, rows } = parseCsvTable(text, file);
  const textColumn = columns.length === 1 ? 0 : columns.indexOf('text');
  const promptColumn = columns.indexOf('prompt');
  const completionColumn = columns.indexOf('completion');
  const hasPairs = promptColumn >= 0 && completionColumn >= 0;
  if (textColumn >= 0 && hasPairs) {
    throw new InputFileError(file, 'has both a "text" column and "prompt"/"completion" columns; keep one kind');
  }
  if (textColumn < 0 && !hasPairs) {
    throw new InputFileError(
      file,
      `needs a "text" column, or "prompt" and "completion" columns (line 1 is the header); found: ${columns.map((c) => `"${c}"`).join(', ')}`,
    );
  }
  return rows.map((row) => ({
    value: textColumn >= 0 ? { text: row.fields[textColumn] } : { prompt: row.fields[promptColumn], completion: row.fields[completionColumn] },
    where: `line ${row.line}`,
  }));
}

/** Checks every record and turns it into an example, keeping one kind per file. */
function recordsToExamples(records: RawRecord[], file: string): { examples: TextExample[]; warnings: string[] } {
  const examples: TextExample[] = [];
  const skipped: string[] = [];
  let first: { kind: TextExample['kind']; where: string } | null = null;
  for (const record of records) {
    const example = recordToExample(record, file);
    first ??= { kind: example.kind, where: record.where };
    if (example.kind !== first.kind) {
      throw new InputFileError(
        file,
        `${record.where} has ${example.kind === 'text' ? '"text"' : '"prompt"/"completion"'} but ${first.where} has ` +
          `${first.kind === 'text' ? '"text"' : '"prompt"/"completion"'}; a file must hold one kind of record`,
      );
    }
    if (isEmptyExample(example)) skipped.push(record.where);
    else examples.push(example);
  }
  if (examples.length === 0) {
    throw new InputFileError(file, records.length === 0 ? 'has no records' : `has no usable records (all ${records.length} are empty)`);
  }
  const warnings = skipped.length === 0 ? [] : [`${file}: skipped ${skipped.length} empty record${skipped.length === 1 ? '' : 's'} (${listSome(skipped)})`];
  return { examples, warnings };
}

function isEmptyExample(example: TextExample): boolean {
  return example.kind === 'text' ? example.text.trim() === '' : example.completion.trim() === '';
}

function recordToExample(record: RawRecord, file: string): TextExample {
  const { value, where } = record;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputFileError(file, `${where}: expected an object with "text", or with "prompt" and "completion"; found ${describeJson(value)}`);
  }
  const fields = value as Record<string, unknown>;
  const hasText = 'text' in fields;
  const hasPair = 'prompt' in fields || 'completion' in fields;
  if (hasText && hasPair) throw new InputFileError(file, `${where}: has both "text" and "prompt"/"completion"; keep one kind`);
  if (hasText) return { kind: 'text', text: stringField(fields, 'text', where, file), source: file };
  if (!hasPair) throw new InputFileError(file, `${where}: has no "text", nor "prompt" and "completion"`);
  for (const key of ['prompt', 'completion']) {
    if (!(key in fields)) throw new InputFileError(file, `${where}: has "${key === 'prompt' ? 'completion' : 'prompt'}" but no "${key}"`);
  }
  return { kind: 'pair', prompt: stringField(fields, 'prompt', where, file), completion: stringField(fields, 'completion', where, file), source: file };
}

function stringField(fields: Record<string, unknown>, key: string, where: string, file: string): string {
  const value = fields[key];
  if (typeof value !== 'string') throw new InputFileError(file, `${where}: "${key}" must be a string; found ${describeJson(value)}`);
  return value.replace(/\r\n?/g, '\n');
}

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** "line 2, line 5, line 9 and 4 more": a short list for a message. */
export function listSome(items: readonly string[], limit = 5): string {
  const shown = items.slice(0, limit).join(', ');
  return items.length > limit ? `${shown} and ${items.length - limit} more` : shown;
}
