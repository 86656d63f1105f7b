import type { MetricPoint } from '../../worker/protocol';
import type { RunRecord } from '../store/types';
import { RunLinesChart } from './RunLinesChart';
import { byStep, runSeries, throughputOf } from './series';

export function ThroughputChart({ runs, metrics, task }: { runs: RunRecord[]; metrics: Record<string, MetricPoint[]>; task: string | null }) {
  const unit = task === 'causal-lm' ? 'tokens/s' : 'examples/s';
  return <RunLinesChart name="throughput" title={`Throughput (${unit})`} series={runSeries(runs, metrics, byStep, throughputOf)} xLabel="step" yLabel={unit} />;
}
