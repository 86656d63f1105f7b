import type { MetricPoint } from '../../worker/protocol';
import type { RunRecord } from '../store/types';
import { RunLinesChart } from './RunLinesChart';
import { bySeconds, memoryMbOf, runSeries } from './series';

export function MemoryChart({ runs, metrics }: { runs: RunRecord[]; metrics: Record<string, MetricPoint[]> }) {
  return <RunLinesChart name="memory" title="Tensor memory over time (MB)" series={runSeries(runs, metrics, bySeconds, memoryMbOf)} xLabel="seconds of the run's own compute" yLabel="MB" />;
}
