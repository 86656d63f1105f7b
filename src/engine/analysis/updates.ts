/**
 * The update anatomy of a whole adapter: one report per block linear module
 * the method changes, computed module by module so memory stays at one
 * module's matrices and progress can be shown.
 */
import type { Adapter } from '../adapters/types';
import type { Svd } from '../linalg/svd';
import type { Model } from '../models/model';
import type { LinearModule } from '../models/types';
import * as tf from '@tensorflow/tfjs';
import { anatomy, denseSpectrumSize, needsDenseSvd, weightSvdRank, type AnatomyOptions, type ModuleAnatomy } from './anatomy';
import { baseWeightOf, deltaMatrixOf, disposeDeltas } from './matrices';
import { weightTopSvd } from './weight-svd';

export interface ModuleReport extends ModuleAnatomy {
  /** The module's full path (`transformer.h.0.attn.c_attn`). */
  module: string;
  layer: number;
  /** The path inside its block (`attn.c_attn`): the module type, the same in every layer. */
  kind: string;
  /** Whether ΔW came as thin factors (its spectrum then is exact and complete). */
  lowRank: boolean;
}

export interface UpdateAnalysis {
  modules: ModuleReport[];
  elapsedMs: number;
}

export interface AnalyzeOptions extends AnatomyOptions {
  /** Called after each module. */
  onProgress?: (done: number, total: number, module: string) => void;
  /**
   * W's SVDs by weight name, shared by every run on the same base model:
   * read when present, filled in when computed.
   */
  weightSvds?: Map<string, Svd>;
}

/** The module type of a block module: its path after the block index (`h.3.attn.c_attn` → `attn.c_attn`). */
export function moduleKind(module: LinearModule): string {
  const marker = `.${module.layer}.`;
  const at = module.path.indexOf(marker);
  return at >= 0 ? module.path.slice(at + marker.length) : module.path;
}

export async function analyzeUpdates(model: Model, adapter: Adapter, options: AnalyzeOptions = {}): Promise<UpdateAnalysis> {
  const started = performance.now();
  const deltas = adapter.deltaWeights();
  const modules: ModuleReport[] = [];
  try {
    for (let i = 0; i < deltas.length; i++) {
      const { module } = deltas[i];
      // A large dense ΔW's top singular values, on the backend before its tensor is read and freed.
      const dense = deltas[i].dense;
      const deltaSvd = dense && needsDenseSvd(module.dOut, module.dIn)
        ? await weightTopSvd(dense, 'linear', denseSpectrumSize(module.dOut, module.dIn, options), null)
        : undefined;
      const delta = await deltaMatrixOf(deltas[i]);
      const weight = await baseWeightOf(model, module);
      let weightSvd = options.weightSvds?.get(module.weight);
      const rank = weightSvdRank(weight.rows, weight.cols, options);
      if (!weightSvd || weightSvd.k < rank) {
        weightSvd = await weightTopSvd(model.baseParam(module.weight) as tf.Tensor2D, module.layout, rank, weight);
        options.weightSvds?.set(module.weight, weightSvd);
      }
      modules.push({
        module: module.path,
        layer: module.layer!,
        kind: moduleKind(module),
        lowRank: delta.kind === 'low-rank',
        ...anatomy(weight, delta, { ...options, weightSvd, deltaSvd }),
      });
      options.onProgress?.(i + 1, deltas.length, module.path);
      // Let the worker answer other messages between modules.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  } finally {
    // Deltas not yet read (an error part-way) are freed too; read ones were freed when read.
    disposeDeltas(deltas.slice(modules.length + 1));
  }
  return { modules, elapsedMs: performance.now() - started };
}
