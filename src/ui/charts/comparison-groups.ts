/**
 * Runs are compared only with runs trained on the same model and the same
 * data (same files, same split): a loss or a validation accuracy means
 * nothing beside one measured on other data. The Compare panel shows one
 * such group at a time and says which; every run stays in the summary table.
 */
import type { DatasetRecord, MetricPoint, ModelRecord } from '../../worker/protocol';
import { describeDataset, describeModel, sameDataset, sameModel } from '../store/run-origin';
import type { RunRecord } from '../store/types';

export interface ComparisonGroup {
  key: string;
  /** null: runs saved before runs recorded their model. */
  model: ModelRecord | null;
  dataset: DatasetRecord | null;
  runs: RunRecord[];
  /** Whether the model and dataset loaded now are this group's. */
  current: boolean;
}

export const UNKNOWN_GROUP = 'unknown';

function keyOf(model: ModelRecord, dataset: DatasetRecord | null): string {
  const split = dataset ? `${dataset.hash}:${dataset.split.trainCount}/${dataset.split.validationCount}` : 'no-data';
  return `${model.hash}|${split}`;
}

/**
 * The groups, in the order their first run was added. Runs that never
 * trained join the group of the model and data loaded now (where they would
 * train); with nothing loaded they are in no group.
 */
export function comparisonGroups(
  runs: RunRecord[],
  metrics: Record<string, MetricPoint[]>,
  currentModel: ModelRecord | null,
  currentDataset: DatasetRecord | null,
): ComparisonGroup[] {
  const currentKey = currentModel ? keyOf(currentModel, currentDataset) : null;
  const groups = new Map<string, ComparisonGroup>();
  const add = (key: string, model: ModelRecord | null, dataset: DatasetRecord | null, run: RunRecord) => {
    const group = groups.get(key) ?? { key, model, dataset, runs: [], current: key === currentKey };
    group.runs.push(run);
    groups.set(key, group);
  };
  for (const run of runs) {
    if (run.model) add(keyOf(run.model, run.dataset ?? null), run.model, run.dataset ?? null, run);
    else if (run.model === undefined && (metrics[run.id]?.length ?? 0) > 0) add(UNKNOWN_GROUP, null, null, run);
    else if (currentKey) add(currentKey, currentModel, currentDataset, run);
  }
  return [...groups.values()];
}

/** The group to show: the one chosen if it still exists, else the current model's, else the latest. */
export function shownGroup(groups: ComparisonGroup[], chosen: string | null): ComparisonGroup | null {
  return groups.find((g) => g.key === chosen) ?? groups.find((g) => g.current) ?? groups[groups.length - 1] ?? null;
}

/** "gpt2-tiny (bundled) on sotu.txt · 65 train / 13 validation". */
export function describeGroup(group: ComparisonGroup): string {
  if (!group.model) return 'runs saved before the playground recorded their model and data';
  return `${describeModel(group.model)} on ${group.dataset ? describeDataset(group.dataset) : 'no dataset'}`;
}

/** The group's task, from its model (never from the model loaded or loading now). */
export function groupTask(group: ComparisonGroup | null, metrics: Record<string, MetricPoint[]>): ModelRecord['task'] | null {
  if (group?.model) return group.model.task;
  // Older runs: what their own validation points measured.
  for (const run of group?.runs ?? []) {
    const evaluated = (metrics[run.id] ?? []).find((p) => p.validation);
    if (evaluated?.validation) return evaluated.validation.kind === 'classifier' ? 'image-classification' : 'causal-lm';
  }
  return null;
}

/**
 * What differs between a group and what is loaded now, in words; null when
 * nothing does, or while the dataset is still loading (it may well be the same).
 */
export function groupMismatch(group: ComparisonGroup, currentModel: ModelRecord | null, currentDataset: DatasetRecord | null, datasetLoading: boolean): string | null {
  if (!currentModel) return 'No model is loaded: these runs are shown from their saved metrics.';
  if (!group.model) return 'These runs were saved before the playground recorded their model and data.';
  if (!sameModel(group.model, currentModel)) return 'These runs were trained on another model than the one loaded now.';
  if (datasetLoading || !group.dataset || sameDataset(group.dataset, currentDataset)) return null;
  return 'These runs were trained on other data than the dataset loaded now.';
}
