/**
 * The insight views' computations in the worker: each run's update anatomy
 * and its cluster maps, with the run's adapter as it is now (a run still
 * training is analysed at its current step). The base model's SVDs are
 * shared by every run on it (InsightCache, one per loaded model).
 */
import { imageClusterMaps, promptTokenScores } from '../engine/analysis/capture';
import { analyzeUpdates } from '../engine/analysis/updates';
import type { Adapter } from '../engine/adapters/types';
import { errorMessage } from '../engine/errors';
import type { Svd } from '../engine/linalg/svd';
import type { InsightInput, RunClusterMaps, RunUpdateAnalysis } from './protocol';
import type { ModelAssets } from './run-data';

/** Per loaded model: W's top singular triplets by weight name. */
export class InsightCache {
  readonly weightSvds = new Map<string, Svd>();
}

export interface InsightRun {
  runId: string;
  adapter: Adapter | null;
  /** Why it has no adapter, for its error line. */
  missing: string;
}

export async function analyzeRuns(
  assets: ModelAssets,
  cache: InsightCache,
  runs: InsightRun[],
  onProgress: (runId: string, done: number, total: number, module: string) => void,
): Promise<RunUpdateAnalysis[]> {
  const results: RunUpdateAnalysis[] = [];
  for (const run of runs) {
    if (!run.adapter) {
      results.push({ runId: run.runId, modules: [], elapsedMs: 0, error: run.missing });
      continue;
    }
    try {
      const analysis = await analyzeUpdates(assets.model, run.adapter, {
        weightSvds: cache.weightSvds,
        onProgress: (done, total, module) => onProgress(run.runId, done, total, module),
      });
      const error = analysis.modules.length === 0
        ? 'changes no weight matrix of the blocks (it trains biases or the head only): it has no ΔW to show'
        : null;
      results.push({ runId: run.runId, modules: analysis.modules, elapsedMs: analysis.elapsedMs, error });
    } catch (error) {
      results.push({ runId: run.runId, modules: [], elapsedMs: 0, error: errorMessage(error) });
    }
  }
  return results;
}

export async function clusterMapsOfRuns(assets: ModelAssets, runs: InsightRun[], module: string, input: InsightInput): Promise<RunClusterMaps[]> {
  const results: RunClusterMaps[] = [];
  for (const run of runs) {
    if (!run.adapter) {
      results.push({ runId: run.runId, kind: 'none', module, error: run.missing });
      continue;
    }
    try {
      if (input.kind === 'image') {
        if (!assets.preprocessor) throw new Error('cluster maps on an image need an image classifier; this model generates text');
        const { width, height, rgba } = input.image;
        if (width < 1 || height < 1 || rgba.length !== width * height * 4) throw new Error(`the image is not ${width}×${height} RGBA pixels`);
        const grid = await imageClusterMaps(assets.model, run.adapter, assets.preprocessor, { width, height, data: rgba }, module);
        results.push({
          runId: run.runId, kind: 'image', module, r: grid.r, width: grid.width, height: grid.height,
          image: grid.image, before: grid.before, after: grid.after, source: grid.source, error: null,
        });
      } else {
        if (!assets.tokenizer) throw new Error('this checkpoint has no tokenizer.json, so it cannot turn the prompt into tokens');
        const scores = await promptTokenScores(assets.model, run.adapter, assets.tokenizer, input.prompt, module);
        const rows = (values: Float32Array) =>
          Array.from({ length: scores.r }, (_, q) => Array.from(values.subarray(q * scores.tokens.length, (q + 1) * scores.tokens.length)));
        results.push({
          runId: run.runId, kind: 'prompt', module, r: scores.r, tokens: scores.tokens,
          before: rows(scores.before), after: rows(scores.after), source: scores.source, error: null,
        });
      }
    } catch (error) {
      results.push({ runId: run.runId, kind: 'none', module, error: errorMessage(error) });
    }
  }
  return results;
}

/** The RGBA tiles' buffers, to transfer instead of copy. */
export function transferablesOf(results: RunClusterMaps[]): ArrayBuffer[] {
  return results.flatMap((r) => (r.kind === 'image' ? [r.image, ...r.before, ...r.after].map((t) => t.buffer as ArrayBuffer) : []));
}
