import type { MetricPoint } from '../../worker/protocol';
import type { RunRecord } from '../store/types';
import { RunLinesChart } from './RunLinesChart';
import { byStep, lossOf, runSeries } from './series';

export function LossByStepChart({ runs, metrics }: { runs: RunRecord[]; metrics: Record<string, MetricPoint[]> }) {
  return <RunLinesChart name="loss-step" title="Training loss by step" series={runSeries(runs, metrics, byStep, lossOf)} xLabel="step" yLabel="loss" />;
}
