/**
 * What the Export panel downloads: a run's adapter in PEFT's layout, or the
 * model with the adapter merged in, each as one .zip.
 */
import { zipSync } from 'fflate';
import { exportMergedModel } from '../engine/adapters/export';
import type { Adapter } from '../engine/adapters/types';
import type { FileSource } from '../engine/io/source';
import type { Model } from '../engine/models/model';

/** Files a checkpoint carries beside its weights, copied into a merged export so it loads as it is. */
const COMPANION_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'preprocessor_config.json', 'generation_config.json'];

/** A file name from a run name: letters, digits, dots and dashes. */
export function fileStem(name: string): string {
  return name.normalize('NFKD').replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '').toLowerCase() || 'run';
}

/** adapter_config.json + adapter_model.safetensors, zipped. */
export async function adapterZip(adapter: Adapter): Promise<Uint8Array> {
  const files = await adapter.save();
  return zipSync({
    'adapter_config.json': new TextEncoder().encode(`${JSON.stringify(files.config, null, 2)}\n`),
    'adapter_model.safetensors': [files.weights, { level: 0 }],
  });
}

/** config.json + model.safetensors of the merged model, with the checkpoint's tokenizer or preprocessor files. */
export async function mergedModelZip(model: Model, adapter: Adapter, source: FileSource): Promise<Uint8Array> {
  const files = await exportMergedModel(model, adapter);
  const entries: Record<string, Uint8Array | [Uint8Array, { level: 0 }]> = {};
  for (const [name, bytes] of files) entries[name] = name.endsWith('.safetensors') ? [bytes, { level: 0 }] : bytes;
  for (const name of COMPANION_FILES) {
    if (!entries[name] && (await source.has(name))) entries[name] = await source.read(name);
  }
  return zipSync(entries);
}
