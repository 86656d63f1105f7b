import type { DatasetRecord, MetricPoint } from '../../worker/protocol';
import type { RunRecord } from '../store/types';
import { RunLinesChart } from './RunLinesChart';
import { byStep, runSeries, validationOf } from './series';

/**
 * The validation metric of runs trained on one dataset: the title names the
 * metric of the runs' own task and the held-out data it was measured on.
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
  const evaluated = dataset ? Math.min(dataset.split.validationCount, dataset.split.evaluationLimit) : null;
  const on = dataset ? ` · ${dataset.name}, ${evaluated!.toLocaleString('en-US')} held-out examples` : '';
  return <RunLinesChart name="validation" title={`Validation ${label}${on}`} series={runSeries(runs, metrics, byStep, validationOf)} xLabel="step" yLabel={label} />;
}
