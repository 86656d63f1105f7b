import type { DatasetRecord, MetricPoint } from '../../worker/protocol';
import type { RunRecord } from '../store/types';
import { RunLinesChart } from './RunLinesChart';
import { evaluationSeries, lossOfEval, metricOfEval } from './series';

/** "· digits, 600 held-out examples": the held-out data the runs were measured on. */
function heldOut(dataset: DatasetRecord | null): string {
  if (!dataset) return '';
  const evaluated = Math.min(dataset.split.validationCount, dataset.split.evaluationLimit);
  return ` · ${dataset.name}, ${evaluated.toLocaleString('en-US')} held-out examples`;
}

/**
 * The validation metric of runs trained on one dataset: the title names the
 * metric of the runs' own task and the held-out data it was measured on.
 * Each curve starts at step 0 with the untrained adapter (the base model's value).
 */
export function ValidationChart({
  runs,
  metrics,
  task,
  dataset,
}: {
  runs: RunRecord[];
  metrics: Record<string, MetricPoint[]>;
  task: string | null;
  dataset: DatasetRecord | null;
}) {
  const label = task === 'image-classification' ? 'accuracy' : task === 'causal-lm' ? 'perplexity' : 'metric';
  return <RunLinesChart name="validation" title={`Validation ${label}${heldOut(dataset)} (step 0: base model)`} series={evaluationSeries(runs, metrics, metricOfEval)} xLabel="step" yLabel={label} />;
}

/** The validation loss beside the task metric, from the same evaluations (step 0: the base model). */
export function ValidationLossChart({ runs, metrics, dataset }: { runs: RunRecord[]; metrics: Record<string, MetricPoint[]>; dataset: DatasetRecord | null }) {
  return <RunLinesChart name="validation-loss" title={`Validation loss${heldOut(dataset)} (step 0: base model)`} series={evaluationSeries(runs, metrics, lossOfEval)} xLabel="step" yLabel="loss" />;
}
