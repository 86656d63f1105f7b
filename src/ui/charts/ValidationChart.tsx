import type { MetricPoint } from '../../worker/protocol';
import type { RunRecord } from '../store/types';
import { RunLinesChart } from './RunLinesChart';
import { byStep, runSeries, validationOf } from './series';

export function ValidationChart({ runs, metrics, task }: { runs: RunRecord[]; metrics: Record<string, MetricPoint[]>; task: string | null }) {
  const label = task === 'image-classification' ? 'accuracy' : 'perplexity';
  return <RunLinesChart name="validation" title={`Validation ${label}`} series={runSeries(runs, metrics, byStep, validationOf)} xLabel="step" yLabel={label} />;
}
