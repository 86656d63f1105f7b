/**
 * What the Export panel downloads, each as one .zip: a run's export (a PEFT
 * or WeGeFT adapter, a full checkpoint, or parameter files, each with the
 * label mapping of a classifier and a README with the loading code), or the
 * model with the adapter merged in, in the base's dtype; or a run's
 * "Continue in PyTorch" bundle (its export, run.json, train.py, data, README).
 */
import { zipSync } from 'fflate';
import { exportMergedModel } from '../engine/adapters/export';
import { readBaseCheckpoint } from '../engine/adapters/handoff/base-checkpoint';
import type { BaseModelRef } from '../engine/adapters/handoff/base-model';
import { exportKind, type AdapterFormat } from '../engine/adapters/handoff/export-kinds';
import { runBundleFiles, type RunBundleOptions } from '../engine/adapters/handoff/run-bundle';
import { runExportFiles } from '../engine/adapters/handoff/run-export';
import type { Adapter, AdapterMethodName } from '../engine/adapters/types';
import type { FileSource } from '../engine/io/source';
import type { Model } from '../engine/models/model';
import type { ModelSourceSpec } from './protocol';

/** A file name from a run name: letters, digits, dots and dashes. */
export function fileStem(name: string): string {
  return name.normalize('NFKD').replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '').toLowerCase() || 'run';
}

/** How Python names the base model: the Hub id (and revision), else the bundled model's or dropped folder's name. */
export function baseModelRef(spec: ModelSourceSpec, source: FileSource): BaseModelRef {
  switch (spec.kind) {
    case 'hub':
      return { nameOrPath: spec.repoId, revision: spec.revision && spec.revision !== 'main' ? spec.revision : null, fromHub: true };
    case 'bundled':
      return { nameOrPath: spec.name, revision: null, fromHub: false };
    case 'files':
      return { nameOrPath: spec.label ?? source.label, revision: null, fromHub: false };
  }
}

function zip(files: Map<string, Uint8Array>): Uint8Array {
  const entries: Record<string, Uint8Array | [Uint8Array, { level: 0 }]> = {};
  // Tensors do not compress: stored as they are.
  for (const [name, bytes] of files) entries[name] = name.endsWith('.safetensors') ? [bytes, { level: 0 }] : bytes;
  return zipSync(entries);
}

/** A run's export (see runExportFiles), zipped. */
export async function runExportZip(
  model: Model,
  adapter: Adapter,
  source: FileSource,
  ref: BaseModelRef,
  options: { runName: string; format?: AdapterFormat },
): Promise<Uint8Array> {
  return zip(await runExportFiles(model, adapter, await readBaseCheckpoint(source, ref), options));
}

/** A run's "Continue in PyTorch" bundle (src/engine/adapters/handoff/pytorch-bundle.ts), zipped. */
export async function runBundleZip(model: Model, adapter: Adapter, source: FileSource, ref: BaseModelRef, options: RunBundleOptions): Promise<Uint8Array> {
  return zip(await runBundleFiles(model, adapter, await readBaseCheckpoint(source, ref), options));
}

/** config.json + model.safetensors of the merged model, with the checkpoint's tokenizer or preprocessor files. */
export async function mergedModelZip(model: Model, adapter: Adapter, source: FileSource, ref: BaseModelRef): Promise<Uint8Array> {
  const base = await readBaseCheckpoint(source, ref);
  const files = await exportMergedModel(model, adapter, base);
  for (const [name, bytes] of base.companions) if (!files.has(name)) files.set(name, bytes);
  return zip(files);
}

/** The download's name after the run's stem: what the zip holds. */
export function exportFileSuffix(method: AdapterMethodName, authors: boolean): string {
  if (authors) return 'wegeft-authors-adapter';
  return exportKind(method) === 'full-checkpoint' ? 'full-checkpoint' : 'adapter';
}
