/**
 * Export of the fine-tuned model as a plain Hugging Face checkpoint: the
 * adapter merged into the weights (W ← W + ΔW), saved as config.json +
 * model.safetensors under the checkpoint's canonical names, as
 * `save_pretrained` writes them. transformers (and this app's loadModel)
 * loads it without PEFT and computes the adapted model's outputs.
 *
 * Each tensor keeps the dtype the base checkpoint stores it in (a float16
 * or bfloat16 base stays so, rounded to nearest even from the engine's
 * float32); a tensor the base lacks (a new lm_head) takes the base's most
 * common floating dtype. config.json is the base's text with only what the
 * adapter changed patched in, so `0.0` stays `0.0`.
 */
import { isFloatDtype, writeSafetensors, type SafetensorsDtype, type TensorToWrite } from '../io/safetensors';
import { isWritableFloatDtype, type WritableFloatDtype } from '../io/safetensors-encode';
import { patchJsonObjectText } from '../io/json-text';
import type { Model } from '../models/model';
import { modelOnlyCheckpoint, storedDtype, type BaseCheckpoint } from './handoff/base-checkpoint';
import { UNKNOWN_BASE } from './handoff/base-model';
import type { Adapter } from './types';

export const EXPORT_CONFIG_FILE = 'config.json';
export const EXPORT_WEIGHTS_FILE = 'model.safetensors';

export interface MergedExportOptions {
  /** Store every floating tensor as this dtype instead of the base's own. */
  dtype?: WritableFloatDtype;
}

/** config.json and model.safetensors of the merged model, by file name. */
export async function exportMergedModel(
  model: Model,
  adapter: Adapter,
  base: BaseCheckpoint = modelOnlyCheckpoint(UNKNOWN_BASE),
  options: MergedExportOptions = {},
): Promise<Map<string, Uint8Array>> {
  const weights = adapter.mergedWeights();
  try {
    const fallback = options.dtype ?? commonFloatDtype(base.dtypes);
    const tensors: TensorToWrite[] = [];
    for (const [name, tensor] of weights) {
      const stored = storedDtype(model, base, name);
      const dtype = options.dtype ?? (stored && isWritableFloatDtype(stored) ? stored : fallback);
      tensors.push({ name, shape: tensor.shape.slice(), values: (await tensor.data()) as Float32Array, storeAs: dtype });
    }
    const files = new Map<string, Uint8Array>();
    files.set(EXPORT_CONFIG_FILE, new TextEncoder().encode(exportedConfigText(model, adapter, base.configText, weights.has('lm_head.weight'))));
    files.set(EXPORT_WEIGHTS_FILE, writeSafetensors(tensors, { format: 'pt' }));
    return files;
  } finally {
    for (const t of weights.values()) t.dispose();
  }
}

/** The most common writable floating dtype among the base's tensors (F32 when none). */
function commonFloatDtype(dtypes: ReadonlyMap<string, SafetensorsDtype>): WritableFloatDtype {
  const counts = new Map<WritableFloatDtype, number>();
  for (const dtype of dtypes.values()) if (isFloatDtype(dtype) && isWritableFloatDtype(dtype)) counts.set(dtype, (counts.get(dtype) ?? 0) + 1);
  let best: WritableFloatDtype = 'F32';
  for (const [dtype, count] of counts) if (count > (counts.get(best) ?? 0)) best = dtype;
  return best;
}

/**
 * What the adapter changed in config.json: the label names of a classifier
 * (a new head), and `tie_word_embeddings: false` when the adapter trained a
 * head of its own for a tied language model. Empty when nothing changed.
 */
export function configPatches(model: Model, adapter: Adapter, hasLmHead: boolean): Record<string, unknown> {
  const patches: Record<string, unknown> = {};
  const labels = adapter.settings.labels;
  if (model.config.task === 'image-classification' && labels) {
    Object.assign(patches, labelMapping(labels));
    if ('num_labels' in model.config.raw) patches.num_labels = labels.length;
  }
  if (model.config.task === 'causal-lm' && model.config.tieWordEmbeddings && hasLmHead) {
    patches.tie_word_embeddings = false;
  }
  return patches;
}

/** transformers' id2label / label2id for label names by index. */
export function labelMapping(labels: readonly string[]): { id2label: Record<string, string>; label2id: Record<string, number> } {
  return {
    id2label: Object.fromEntries(labels.map((label, i) => [String(i), label])),
    label2id: Object.fromEntries(labels.map((label, i) => [label, i])),
  };
}

/** The base's config.json text with `patches` applied in place (re-serialised from the parsed config when the text is unknown). */
export function patchedConfigText(model: Model, configText: string | null, patches: Record<string, unknown>): string {
  if (configText !== null) return patchJsonObjectText(configText, patches);
  return `${JSON.stringify({ ...model.config.raw, ...patches }, null, 2)}\n`;
}

function exportedConfigText(model: Model, adapter: Adapter, configText: string | null, hasLmHead: boolean): string {
  return patchedConfigText(model, configText, configPatches(model, adapter, hasLmHead));
}
