/**
 * Seeded fuzzing of every input the user hands the playground: valid files
 * (the reference fixtures, the bundled model's tokenizer, the demo digits
 * and speeches) corrupted by bit flips, truncation, insertions, length-field
 * edits and splices (./mutate.ts). Every case must end in a result or in an
 * error that names the file, within a time bound; an archive that is
 * accepted must not have lost any of its files.
 *
 * Budget: about 24 s in `npm test`. Longer runs:
 *   FUZZ_CASES=20000 npx vitest run tests/fuzz      (cases in all, shared by the kinds)
 *   FUZZ_SECONDS=300 npx vitest run tests/fuzz      (seconds in all)
 *   FUZZ_SEED=7 ...                                 (another seed; the default is fixed)
 * Each kind prints its seed and counts; a failing case prints its index and
 * mutations, and replays with the same FUZZ_SEED and case count.
 */
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { encode as encodePng } from 'fast-png';
import { zipSync } from 'fflate';
import * as jpeg from 'jpeg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetSummary, parseDataset } from '../../src/engine/data/index';
import { splitTextSequences } from '../../src/engine/data/training-data';
import type { DataFile, TextDataset, TokenEncoder } from '../../src/engine/data/types';
import { MemorySource } from '../../src/engine/io/source';
import { loadModel } from '../../src/engine/models/load';
import type { ImageClassifierConfig } from '../../src/engine/models/types';
import { imagePreprocessor } from '../../src/engine/preprocess/image';
import { deriveSeed } from '../../src/engine/random';
import { loadTokenizer } from '../../src/engine/tokenizer';
import { useBackend } from '../helpers/backend';
import { jpegLengths, mutate, pngLengths, safetensorsHeader, safetensorsLengths, zipLengths, type FormatShape } from './mutate';

const ROOT = path.resolve(__dirname, '../..');
const REFERENCE = path.join(ROOT, 'tests/fixtures/reference');
const PUBLIC = path.join(ROOT, 'public');
const read = (file: string) => new Uint8Array(readFileSync(file));

const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
const TOTAL_CASES = process.env.FUZZ_CASES ? Number(process.env.FUZZ_CASES) : null;
const TOTAL_SECONDS = process.env.FUZZ_SECONDS ? Number(process.env.FUZZ_SECONDS) : TOTAL_CASES ? null : 24;
/** A case taking longer than this is a failure (parsing is synchronous: this measures, it cannot interrupt). */
const CASE_BOUND_MS = 5000;

interface Outcome {
  /** For archives: the examples read, to check that an accepted archive lost none. */
  examples?: number;
}

interface FuzzTarget {
  kind: string;
  /** The name every error about the corrupted file must carry. */
  file: string;
  /**
   * Other files an error may name instead: a corrupted config.json that no
   * longer matches its weights is reported against the weights it was
   * checked with, and the other way round.
   */
  alsoNamed?: string[];
  format: FormatShape;
  /** Valid originals; cases cycle through them. */
  seeds: Uint8Array[];
  run(bytes: Uint8Array, seedIndex: number): Promise<Outcome>;
}

interface Tally {
  kind: string;
  cases: number;
  results: number;
  namedErrors: number;
  failures: string[];
  lost: number;
  slowestMs: number;
}

const tallies: Tally[] = [];

// ---------------------------------------------------------------------------
// Valid inputs

const MODEL_CASES = ['vit', 'gpt2', 'llama'];
const modelFiles = MODEL_CASES.map((name) => ({ config: read(path.join(REFERENCE, name, 'config.json')), weights: read(path.join(REFERENCE, name, 'model.safetensors')) }));
const TOKENIZER = read(path.join(PUBLIC, 'models/gpt2-tiny-moby-brown/tokenizer.json'));
const VIT_PREPROCESSOR = JSON.parse(readFileSync(path.join(PUBLIC, 'models/vit-tiny-fashion-mnist/preprocessor_config.json'), 'utf8'));
const VIT: ImageClassifierConfig = {
  modelType: 'vit', task: 'image-classification', numLayers: 1, hiddenSize: 8, numHeads: 1, raw: {},
  imageSize: 28, patchSize: 7, numChannels: 3, numLabels: 10, labels: [],
};

function digitPngs(split: string, digits: string[], perDigit: number): DataFile[] {
  return digits.flatMap((digit) => {
    const folder = path.join(PUBLIC, 'datasets/digits', split, digit);
    return readdirSync(folder).sort().slice(0, perDigit).map((name) => ({ path: `digits/${split}/${digit}/${name}`, bytes: read(path.join(folder, name)) }));
  });
}

/** A bundled digit as RGBA with its strokes in alpha only, as a transparent icon would be. */
function alphaDigit(png: Uint8Array): Uint8Array {
  const gray = readDigit(png);
  const data = new Uint8Array(28 * 28 * 4);
  gray.forEach((value, p) => (data[p * 4 + 3] = value));
  return encodePng({ width: 28, height: 28, data, channels: 4 });
}

function readDigit(png: Uint8Array): Uint8Array {
  const decoded = parseDataset([{ path: 'a/x/1.png', bytes: png }, { path: 'a/y/1.png', bytes: png }]);
  if (decoded.task !== 'image-classification') throw new Error('not an image');
  const { data } = decoded.examples[0].image;
  return Uint8Array.from({ length: 28 * 28 }, (_, p) => data[p * 4]);
}

function digitJpeg(png: Uint8Array, quality: number): Uint8Array {
  const gray = readDigit(png);
  const data = new Uint8Array(28 * 28 * 4);
  gray.forEach((value, p) => data.set([value, 255 - value, value >> 1, 255], p * 4));
  return new Uint8Array(jpeg.encode({ width: 28, height: 28, data }, quality).data);
}

const jsonLines = (file: string, count: number) => new TextEncoder().encode(readFileSync(file, 'utf8').split('\n').slice(0, count).join('\n') + '\n');

function csvOf(rows: Record<string, string>[], columns: string[]): Uint8Array {
  const quote = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
  return new TextEncoder().encode([columns.join(','), ...rows.map((row) => columns.map((c) => quote(row[c])).join(','))].join('\r\n') + '\r\n');
}

const records = (file: string, count: number) => readFileSync(file, 'utf8').split('\n').filter(Boolean).slice(0, count).map((line) => JSON.parse(line) as Record<string, string>);

// ---------------------------------------------------------------------------
// What each kind runs

let tokenizer: TokenEncoder;

async function loadWith(seedIndex: number, files: { config: Uint8Array; weights: Uint8Array }): Promise<Outcome> {
  const source = new MemorySource(`fuzz-${MODEL_CASES[seedIndex]}`, new Map([['config.json', files.config], ['model.safetensors', files.weights]]));
  const model = await loadModel(source);
  model.dispose();
  return {};
}

function readText(bytes: Uint8Array, file: string): Outcome {
  const dataset = parseDataset([{ path: file, bytes }]) as TextDataset;
  datasetSummary(dataset, tokenizer);
  splitTextSequences(dataset, null, tokenizer, { seqLength: 32, fraction: 0.1, seed: 0 });
  return { examples: dataset.examples.length };
}

function readImages(bytes: Uint8Array, file: string, other: DataFile): Outcome {
  const pre = imagePreprocessor(VIT_PREPROCESSOR, VIT);
  const dataset = parseDataset([{ path: file, bytes }, other], { fitImage: (image) => pre.fit(image) });
  if (dataset.task !== 'image-classification') throw new Error('images read as text');
  for (const example of dataset.examples) pre.preprocess(example.image);
  datasetSummary(dataset);
  return { examples: dataset.examples.length };
}

const zipSeeds = [
  zipSync(Object.fromEntries(digitPngs('train', ['0', '1', '7'], 4).map((f) => [f.path, f.bytes]))),
  zipSync({ ...Object.fromEntries(digitPngs('val', ['3', '8'], 3).map((f) => [f.path, [f.bytes, { level: 0 }] as const])), 'inner.zip': zipSync(Object.fromEntries(digitPngs('val', ['5'], 3).map((f) => [f.path, f.bytes]))) }),
];
const pngSeeds = [...digitPngs('train', ['2', '9'], 1).map((f) => f.bytes), alphaDigit(digitPngs('train', ['4'], 1)[0].bytes)];
const jpegSeeds = [digitJpeg(pngSeeds[0], 90), digitJpeg(pngSeeds[1], 50)];
const otherImage: DataFile = digitPngs('train', ['6'], 1).map((f) => ({ ...f, path: 'images/six/0.png' }))[0];

const TARGETS: FuzzTarget[] = [
  {
    kind: 'safetensors',
    file: 'model.safetensors',
    alsoNamed: ['config.json'],
    format: { lengths: safetensorsLengths, textRange: safetensorsHeader, text: false },
    seeds: modelFiles.map((f) => f.weights),
    run: (bytes, i) => loadWith(i, { config: modelFiles[i].config, weights: bytes }),
  },
  {
    kind: 'config.json',
    file: 'config.json',
    alsoNamed: ['model.safetensors'],
    format: { textRange: (b) => [0, b.length], text: true },
    seeds: modelFiles.map((f) => f.config),
    run: (bytes, i) => loadWith(i, { config: bytes, weights: modelFiles[i].weights }),
  },
  {
    kind: 'tokenizer.json',
    file: 'tokenizer.json',
    format: { textRange: (b) => [0, b.length], text: true },
    seeds: [TOKENIZER],
    run: async (bytes) => {
      const loaded = await loadTokenizer(new MemorySource('fuzz-gpt2', new Map([['tokenizer.json', bytes]])));
      loaded.decode(loaded.encode('Call me Ishmael. Some years ago — never mind how long precisely…'));
      return {};
    },
  },
  {
    kind: 'zip',
    file: 'digits.zip',
    format: { lengths: zipLengths, text: false },
    seeds: zipSeeds,
    run: async (bytes) => {
      const dataset = parseDataset([{ path: 'digits.zip', bytes }]);
      datasetSummary(dataset);
      return { examples: dataset.examples.length };
    },
  },
  { kind: 'PNG', file: 'images/two/0.png', format: { lengths: pngLengths, text: false }, seeds: pngSeeds, run: async (bytes) => readImages(bytes, 'images/two/0.png', otherImage) },
  { kind: 'JPEG', file: 'images/two/0.jpg', format: { lengths: jpegLengths, text: false }, seeds: jpegSeeds, run: async (bytes) => readImages(bytes, 'images/two/0.jpg', otherImage) },
  {
    kind: '.jsonl',
    file: 'data.jsonl',
    format: { textRange: (b) => [0, b.length], text: true },
    seeds: [jsonLines(path.join(PUBLIC, 'datasets/instructions.jsonl'), 30), jsonLines(path.join(PUBLIC, 'datasets/sotu.val.jsonl'), 3)],
    run: async (bytes) => readText(bytes, 'data.jsonl'),
  },
  {
    kind: '.csv',
    file: 'data.csv',
    format: { textRange: (b) => [0, b.length], text: true },
    seeds: [
      csvOf(records(path.join(PUBLIC, 'datasets/instructions.jsonl'), 30), ['prompt', 'completion']),
      csvOf(records(path.join(PUBLIC, 'datasets/sotu.val.jsonl'), 3), ['text']),
    ],
    run: async (bytes) => readText(bytes, 'data.csv'),
  },
];

/** Cases and seconds for one kind: an even share of the totals. */
const perKind = {
  cases: TOTAL_CASES === null ? Infinity : Math.ceil(TOTAL_CASES / TARGETS.length),
  ms: TOTAL_SECONDS === null ? Infinity : (TOTAL_SECONDS * 1000) / TARGETS.length,
};
const testTimeout = Math.min(2 ** 31 - 1, (Number.isFinite(perKind.ms) ? perKind.ms : perKind.cases * CASE_BOUND_MS) + 60_000);

// ---------------------------------------------------------------------------

/** Whether an error is one the user can act on: it names the file (or, for a checkpoint, the file it contradicts). */
function namesFile(error: unknown, target: FuzzTarget): boolean {
  if (!(error instanceof Error)) return false;
  return [target.file, ...(target.alsoNamed ?? [])].some((file) => error.message.includes(path.basename(file)));
}

async function fuzz(target: FuzzTarget): Promise<Tally> {
  const tally: Tally = { kind: target.kind, cases: 0, results: 0, namedErrors: 0, failures: [], lost: 0, slowestMs: 0 };
  const originals = await Promise.all(target.seeds.map((bytes, i) => target.run(bytes, i)));
  const started = performance.now();
  const kindSeed = deriveSeed(SEED, target.kind);
  while (tally.cases < perKind.cases && performance.now() - started < perKind.ms) {
    const index = tally.cases++;
    const seedIndex = index % target.seeds.length;
    const mutated = mutate(target.seeds[seedIndex], deriveSeed(kindSeed, `case ${index}`), target.format);
    const where = `case ${index} (seed file ${seedIndex}: ${mutated.description})`;
    const caseStart = performance.now();
    try {
      const outcome = await target.run(mutated.bytes, seedIndex);
      tally.results++;
      // An accepted archive holds every file it held: nothing silently dropped or cut.
      const before = originals[seedIndex].examples;
      if (target.kind === 'zip' && before !== undefined && (outcome.examples ?? 0) < before) {
        tally.lost++;
        tally.failures.push(`${where}: accepted with ${outcome.examples} of ${before} images`);
      }
    } catch (error) {
      if (namesFile(error, target)) tally.namedErrors++;
      else tally.failures.push(`${where}: ${error instanceof Error ? `${error.name}: ${error.message.slice(0, 300)}` : String(error)}`);
    }
    const ms = performance.now() - caseStart;
    tally.slowestMs = Math.max(tally.slowestMs, ms);
    if (ms > CASE_BOUND_MS) tally.failures.push(`${where}: took ${Math.round(ms)} ms (bound ${CASE_BOUND_MS} ms)`);
  }
  return tally;
}

describe(`fuzzing every input kind (seed ${SEED})`, () => {
  beforeAll(async () => {
    await useBackend('cpu');
    tokenizer = await loadTokenizer(new MemorySource('gpt2-tiny', new Map([['tokenizer.json', TOKENIZER]])));
  });

  afterAll(() => {
    const line = (t: Tally) =>
      `fuzz seed=${SEED} kind=${t.kind} cases=${t.cases} handled=${t.results + t.namedErrors} (results ${t.results}, errors naming the file ${t.namedErrors}) ` +
      `failures=${t.failures.length} lost=${t.lost} slowest=${Math.round(t.slowestMs)}ms`;
    console.log(tallies.map(line).join('\n'));
  });

  for (const target of TARGETS) {
    it(
      `${target.kind}: every corrupted file ends in a result or an error naming ${target.file}`,
      async () => {
        const tally = await fuzz(target);
        tallies.push(tally);
        expect(tally.cases).toBeGreaterThan(0);
        expect(tally.failures.slice(0, 10), `seed ${SEED}, ${tally.failures.length} of ${tally.cases} cases failed`).toEqual([]);
      },
      testTimeout,
    );
  }
});
