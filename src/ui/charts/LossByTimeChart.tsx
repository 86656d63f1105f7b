import type { MetricPoint } from '../../worker/protocol';
import type { RunRecord } from '../store/types';
import { RunLinesChart } from './RunLinesChart';
import { bySeconds, lossOf, runSeries } from './series';

export function LossByTimeChart({ runs, metrics }: { runs: RunRecord[]; metrics: Record<string, MetricPoint[]> }) {
  return <RunLinesChart name="loss-time" title="Training loss by wall time" series={runSeries(runs, metrics, bySeconds, lossOf)} xLabel="seconds" yLabel="loss" />;
}
