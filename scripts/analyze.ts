/**
 * npm run analyze -- --model <dir|hub-id> --adapter <adapter dir> [--image <file>] [--maps <out.png>] [--json]
 *
 * What a trained adapter changed, module by module, with the engine's own
 * analysis (src/engine/analysis): the update anatomy of every block linear
 * module the method changes, and, on an image or a prompt, the cluster maps
 * or token scores of one module. Usage and fields: scripts/lib/analyze-args.ts.
 */
import { readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { encode as encodePng } from 'fast-png';
import { imageClusterMaps, promptTokenScores } from '../src/engine/analysis/capture';
import { clusterGridPicture } from '../src/engine/analysis/grid-image';
import { analyzeUpdates, type ModuleReport } from '../src/engine/analysis/updates';
import { methodSpec } from '../src/engine/adapters/methods';
import { loadAdapterFrom } from '../src/engine/adapters/registry';
import { decodeImage } from '../src/engine/data/decode';
import { InputFileError } from '../src/engine/errors';
import { DirectorySource } from '../src/engine/io/node-source';
import { loadModel } from '../src/engine/models/load';
import type { ImageClassifierConfig } from '../src/engine/models/types';
import { loadImagePreprocessor } from '../src/engine/preprocess/image';
import { loadTokenizer } from '../src/engine/tokenizer';
import { parseAnalyzeArgs, USAGE } from './lib/analyze-args';
import { runCli, UsageError } from './lib/cli';
import { startCliBackend } from './lib/node-backend';
import { openModelSource } from './lib/train-data';

const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(argv: string[]): Promise<number> {
  const options = parseAnalyzeArgs(argv);
  const backend = await startCliBackend(options.backend, log);
  const source = openModelSource(options.model, options.revision);
  const model = await loadModel(source);
  try {
    const adapter = await loadAdapterFrom(model, new DirectorySource(options.adapter));
    try {
      const label = methodSpec(adapter.method).label;
      log(`adapter: ${options.adapter} (${label}, ${adapter.trainableParameterCount().toLocaleString('en-US')} trainable parameters)`);
      const analysis = await analyzeUpdates(model, adapter, {
        onProgress: (done, total, module) => {
          if (!options.json || process.stderr.isTTY) log(`  ${done}/${total} ${module}`);
        },
      });
      if (analysis.modules.length === 0) {
        log(`${label} changes no linear weight of the blocks (it trains biases or the head only): there is no ΔW to analyse`);
      }
      for (const m of analysis.modules) process.stdout.write(options.json ? `${JSON.stringify(jsonLine(m))}\n` : `${textLine(m)}\n`);
      log(`analysed ${analysis.modules.length} modules in ${(analysis.elapsedMs / 1000).toFixed(2)} s`);

      const modulePath = options.module ?? analysis.modules.at(-1)?.module;
      if ((options.image || options.prompt !== undefined) && !modulePath) throw new UsageError('the adapter changes no module to draw maps for');
      if (options.module && !analysis.modules.some((m) => m.module === options.module)) {
        throw new UsageError(`--module ${options.module}: the adapter does not change it (it changes: ${analysis.modules.map((m) => m.module).join(', ')})`);
      }
      if (options.image) {
        if (model.config.task !== 'image-classification') throw new UsageError('--image needs an image classifier; this model is a language model (use --prompt)');
        const bytes = new Uint8Array(await readFile(options.image).catch(() => {
          throw new InputFileError(options.image!, 'cannot be read');
        }));
        const image = decodeImage(bytes, path.basename(options.image));
        const preprocessor = await loadImagePreprocessor(source, model.config as ImageClassifierConfig);
        const grid = await imageClusterMaps(model, adapter, preprocessor, image, modulePath!);
        log(`cluster maps of ${modulePath}: ${grid.r} directions (${grid.source}), ${grid.width} × ${grid.height}`);
        if (options.maps) {
          const picture = clusterGridPicture(grid);
          await writeFile(options.maps, encodePng({ width: picture.width, height: picture.height, data: picture.data, channels: 4, depth: 8 }));
          log(`wrote ${options.maps} (${picture.width} × ${picture.height}: the image, then one map per direction; top row frozen W, bottom row with ΔW)`);
        }
      }
      if (options.prompt !== undefined) {
        if (model.config.task !== 'causal-lm') throw new UsageError('--prompt needs a language model; this model classifies images (use --image)');
        const tokenizer = await loadTokenizer(source);
        const scores = await promptTokenScores(model, adapter, tokenizer, options.prompt, modulePath!);
        const rows = (values: Float32Array) => Array.from({ length: scores.r }, (_, q) => Array.from(values.subarray(q * scores.tokens.length, (q + 1) * scores.tokens.length), round));
        const line = { module: scores.module, tokens: scores.tokens, before: rows(scores.before), after: rows(scores.after) };
        process.stdout.write(options.json ? `${JSON.stringify(line)}\n` : `${tokenTable(scores.tokens, line.after)}\n`);
      }
    } finally {
      adapter.dispose();
    }
  } finally {
    model.dispose();
  }
  return 0;
}

function round(x: number): number {
  return Number(x.toPrecision(6));
}

function jsonLine(m: ModuleReport): Record<string, unknown> {
  return {
    module: m.module,
    layer: m.layer,
    kind: m.kind,
    low_rank: m.lowRank,
    delta_fro_over_weight_fro: m.deltaFroOverWeightFro,
    delta_singular_values: m.deltaSingularValues,
    spectrum_complete: m.spectrumComplete,
    effective_rank: m.effectiveRank,
    stable_rank: m.stableRank,
    alignment_rank: m.alignmentRank,
    weight_in_delta_directions: m.weightInDeltaDirections,
    amplification_factor: m.amplificationFactor,
    energy_in_weight_top_k: m.energyInWeightTopK,
  };
}

function textLine(m: ModuleReport): string {
  const energy = m.energyInWeightTopK.map((e) => `top-${e.k} ${e.share === null ? '—' : `${(100 * e.share).toFixed(1)}%`}`).join(', ');
  return (
    `${m.module}: ‖ΔW‖/‖W‖ ${m.deltaFroOverWeightFro.toExponential(2)}, effective rank ${m.effectiveRank.toFixed(2)}` +
    ` of ${m.deltaSingularValues.length}, amplification ${m.amplificationFactor === null ? '—' : m.amplificationFactor.toFixed(2)}, energy in W's ${energy}`
  );
}

/** One line per direction: each token with its score as a bar. */
function tokenTable(tokens: string[], scores: number[][]): string {
  const bars = ' ▁▂▃▄▅▆▇█';
  return scores
    .map((row, q) => `direction ${q}: ${tokens.map((t, i) => `${JSON.stringify(t)}${bars[Math.round(row[i] * 8)]}`).join(' ')}`)
    .join('\n');
}

runCli({ name: 'analyze', usage: USAGE }, main);
