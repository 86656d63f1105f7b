/**
 * "Train further": a run that starts from another run's adapter (an
 * imported one, typically) instead of a fresh one. The starting run's files
 * are loaded again, so the new run trains its own copy and the starting run
 * stays as it was; the method settings are the starting adapter's.
 */
import { resolveTargets } from '../engine/adapters/common/targets';
import { loadAdapter } from '../engine/adapters/registry';
import type { Adapter, AdapterFiles, AdapterSettings } from '../engine/adapters/types';
import type { Model } from '../engine/models/model';

/** The head's class count of a classifier adapter (null for language models). */
export function headClassCount(model: Model, adapter: Adapter): number | null {
  if (model.config.task !== 'image-classification') return null;
  return adapter.settings.labels?.length ?? model.config.numLabels;
}

/**
 * The adapter a "Train further" run starts from: the starting run's files
 * loaded again (its own copy, trained without touching the starting run),
 * checked against the run's settings. Its method settings are the starting
 * adapter's: a change of method, rank or targets is refused in words.
 */
export function adapterToContinue(model: Model, files: AdapterFiles, wanted: AdapterSettings, from: string, labels: readonly string[] | undefined): Adapter {
  const adapter = loadAdapter(model, files, from);
  try {
    const problems = settingsDifferences(model, adapter.settings, wanted);
    if (problems.length > 0) {
      throw new Error(`it starts from "${from}", whose adapter cannot change: ${problems.join('; ')}. Use the starting run's method settings, or add a new run`);
    }
    const classes = headClassCount(model, adapter);
    if (classes !== null && labels && classes !== labels.length) {
      throw new Error(`it starts from "${from}", whose classifier head has ${classes} classes; the loaded dataset has ${labels.length}`);
    }
    return adapter;
  } catch (error) {
    adapter.dispose();
    throw error;
  }
}

/** Where `wanted` differs from the adapter's own settings, in words (targets compared by the modules they resolve to). */
function settingsDifferences(model: Model, own: AdapterSettings, wanted: AdapterSettings): string[] {
  if (own.method !== wanted.method) return [`its method is ${own.method}, the run's ${wanted.method}`];
  const problems: string[] = [];
  const keys = new Set([...Object.keys(own), ...Object.keys(wanted)].filter((k) => k !== 'labels' && k !== 'method'));
  for (const key of keys) {
    const a = own[key as keyof AdapterSettings];
    const b = wanted[key as keyof AdapterSettings];
    if (key === 'targets' || key === 'feedforward') {
      const paths = (spec: unknown) => (spec ? resolveTargets(model, spec as AdapterSettings['targets'] & object).map((m) => m.path).join(',') : '');
      if (paths(a) !== paths(b)) problems.push(`its ${key} are other modules than the run's`);
    } else if (JSON.stringify(a ?? null) !== JSON.stringify(b ?? null)) {
      problems.push(`${key} ${JSON.stringify(a ?? null)}, the run's ${JSON.stringify(b ?? null)}`);
    }
  }
  return problems;
}
