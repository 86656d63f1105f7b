/**
 * The files of one run's export, by name, ready to zip or write to a folder:
 *
 * - a PEFT adapter, or an adapter in this app's own format (WeGeFT, also in
 *   its authors' format): adapter_config.json (with base_model_name_or_path,
 *   revision and PEFT's auto_mapping) + adapter_model.safetensors;
 * - full fine-tuning: the whole checkpoint, config.json + model.safetensors
 *   + the base's tokenizer or preprocessor files, in the base's dtype;
 * - the methods that train a subset of the weights: this app's parameter files;
 * (each method's `exportAs` declares which);
 *
 * and beside each, for a classifier, config.json with the run's label
 * mapping (id2label / label2id: neither PEFT nor transformers reads the
 * safetensors metadata), and README.md with the Python that loads them.
 */
import type { Model } from '../../models/model';
import { exportMergedModel, labelMapping, patchedConfigText } from '../export';
import { methodSpec } from '../methods';
import { resolveTargets } from '../common/targets';
import type { Adapter } from '../types';
import type { BaseCheckpoint } from './base-checkpoint';
import { withBaseModel } from './base-model';
import { exportKind, hasAuthorsFormat, type AdapterFormat } from './export-kinds';
import { exportReadme } from './readme';
import { toAuthorsConfig } from '../wegeft/authors-format';

export const README_FILE = 'README.md';

export interface RunExportOptions {
  /** The run's name, for the README's title. */
  runName: string;
  /** WeGeFT only: this app's format (default) or the authors' fork's. */
  format?: AdapterFormat;
  /** Full fine-tuning as a whole checkpoint (default), or as this app's parameter files (the train CLI's --out, which loads back). */
  fullCheckpoint?: boolean;
}

export async function runExportFiles(model: Model, adapter: Adapter, base: BaseCheckpoint, options: RunExportOptions): Promise<Map<string, Uint8Array>> {
  const declared = exportKind(adapter.method);
  const kind = declared === 'full-checkpoint' && options.fullCheckpoint === false ? 'parameters' : declared;
  const format = options.format ?? 'ours';
  if (format === 'authors' && !hasAuthorsFormat(adapter.method)) {
    throw new Error(`${methodSpec(adapter.method).label} has no authors' format (it is exported as ${kind}); only WeGeFT has one`);
  }
  const encoder = new TextEncoder();
  const files = new Map<string, Uint8Array>();
  const labels = model.config.task === 'image-classification' ? (adapter.settings.labels ?? model.config.labels) : null;
  if (kind === 'full-checkpoint') {
    for (const [name, bytes] of await exportMergedModel(model, adapter, base)) files.set(name, bytes);
    for (const [name, bytes] of base.companions) files.set(name, bytes);
  } else {
    const saved = await adapter.save();
    const ours = withBaseModel(saved.config, model, base.ref);
    // The authors' keys are ours (a shared pair under its first member): only the config differs.
    const config = format === 'authors' ? toAuthorsConfig(model, adapter, ours) : ours;
    files.set('adapter_config.json', encoder.encode(`${JSON.stringify(config, null, 2)}\n`));
    files.set('adapter_model.safetensors', saved.weights);
    if (labels) {
      const patches: Record<string, unknown> = { ...labelMapping(labels) };
      if ('num_labels' in model.config.raw) patches.num_labels = labels.length;
      files.set('config.json', encoder.encode(patchedConfigText(model, base.configText, patches)));
    }
  }
  const targets = adapter.settings.targets;
  const conv1d = targets ? resolveTargets(model, targets).some((m) => m.layout === 'conv1d') : false;
  const readme = exportReadme(model, {
    runName: options.runName,
    methodLabel: methodSpec(adapter.method).label,
    kind,
    format,
    base: base.ref,
    labels,
    untiedHead: adapter.trainable.has('lm_head.weight') && model.config.task === 'causal-lm' && model.config.tieWordEmbeddings,
    conv1d,
  });
  files.set(README_FILE, encoder.encode(readme));
  return files;
}
