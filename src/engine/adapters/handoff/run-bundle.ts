/**
 * A finished run's "Continue in PyTorch" bundle (pytorch-bundle.ts), from the
 * loaded model and the run's adapter: its export, then the bundle around it.
 * Shared by the app's worker and the train CLI's `--bundle pytorch`.
 */
import type { Model } from '../../models/model';
import type { Adapter } from '../types';
import type { BaseCheckpoint } from './base-checkpoint';
import { exportKind, type AdapterFormat } from './export-kinds';
import { pytorchBundleFiles, type PytorchBundleInput } from './pytorch-bundle';
import { runExportFiles } from './run-export';

export interface RunBundleOptions extends Pick<PytorchBundleInput, 'runName' | 'training' | 'seqLength' | 'data' | 'python' | 'maxDataBytes'> {
  /** WeGeFT only: this app's format (default) or the authors' fork's; train.py writes back in the same. */
  format?: AdapterFormat;
}

export async function runBundleFiles(model: Model, adapter: Adapter, base: BaseCheckpoint, options: RunBundleOptions): Promise<Map<string, Uint8Array>> {
  const format = options.format ?? 'ours';
  // Full fine-tuning as a whole checkpoint: train.py continues it with from_pretrained.
  const files = await runExportFiles(model, adapter, base, { runName: options.runName, format, fullCheckpoint: true });
  return pytorchBundleFiles({
    runName: options.runName,
    task: model.config.task,
    base: base.ref,
    method: adapter.settings,
    training: options.training,
    seqLength: options.seqLength,
    exported: { files, kind: exportKind(adapter.method), format },
    data: options.data,
    python: options.python,
    maxDataBytes: options.maxDataBytes,
  });
}
