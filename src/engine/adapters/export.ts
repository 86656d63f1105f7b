/**
 * Export of the fine-tuned model as a plain Hugging Face checkpoint: the
 * adapter merged into the weights (W ← W + ΔW), saved as config.json +
 * model.safetensors under the checkpoint's canonical names, as
 * `save_pretrained` writes them. transformers (and this app's loadModel)
 * loads it without PEFT and computes the adapted model's outputs.
 */
import { writeSafetensors, type TensorToWrite } from '../io/safetensors';
import type { Model } from '../models/model';
import type { Adapter } from './types';

export const EXPORT_CONFIG_FILE = 'config.json';
export const EXPORT_WEIGHTS_FILE = 'model.safetensors';

/** config.json and model.safetensors of the merged model, by file name. */
export async function exportMergedModel(model: Model, adapter: Adapter): Promise<Map<string, Uint8Array>> {
  const weights = adapter.mergedWeights();
  try {
    const tensors: TensorToWrite[] = [];
    for (const [name, tensor] of weights) {
      tensors.push({ name, shape: tensor.shape.slice(), values: (await tensor.data()) as Float32Array });
    }
    const config = exportedConfig(model, adapter, weights.has('lm_head.weight'));
    const files = new Map<string, Uint8Array>();
    files.set(EXPORT_CONFIG_FILE, new TextEncoder().encode(`${JSON.stringify(config, null, 2)}\n`));
    files.set(EXPORT_WEIGHTS_FILE, writeSafetensors(tensors, { format: 'pt' }));
    return files;
  } finally {
    for (const t of weights.values()) t.dispose();
  }
}

/**
 * The checkpoint's config.json with what the adapter changed: the label
 * names of a classifier (a new head), and `tie_word_embeddings: false` when
 * the adapter trained a head of its own for a tied language model.
 */
function exportedConfig(model: Model, adapter: Adapter, hasLmHead: boolean): Record<string, unknown> {
  const config = JSON.parse(JSON.stringify(model.config.raw)) as Record<string, unknown>;
  const labels = adapter.settings.labels;
  if (model.config.task === 'image-classification' && labels) {
    config.id2label = Object.fromEntries(labels.map((label, i) => [String(i), label]));
    config.label2id = Object.fromEntries(labels.map((label, i) => [label, i]));
    if ('num_labels' in config) config.num_labels = labels.length;
  }
  if (model.config.task === 'causal-lm' && model.config.tieWordEmbeddings && hasLmHead) {
    config.tie_word_embeddings = false;
  }
  return config;
}
