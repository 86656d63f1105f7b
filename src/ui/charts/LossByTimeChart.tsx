import type { MetricPoint } from '../../worker/protocol';
import type { RunRecord } from '../store/types';
import { RunLinesChart } from './RunLinesChart';
import { bySeconds, byWallSeconds, lossOf, runSeries } from './series';

/**
 * Loss against time, on both clocks, each named: the wall clock (what the
 * user waited, other runs' turns included when runs are interleaved) and the
 * run's own compute (what it would take alone, for comparing methods).
 */
export function LossByTimeChart({ runs, metrics }: { runs: RunRecord[]; metrics: Record<string, MetricPoint[]> }) {
  return (
    <>
      <RunLinesChart
        name="loss-time"
        title="Training loss by wall clock"
        series={runSeries(runs, metrics, byWallSeconds, lossOf)}
        xLabel="seconds of wall clock (pauses excluded)"
        yLabel="loss"
      />
      <RunLinesChart
        name="loss-compute"
        title="Training loss by the run's own compute"
        series={runSeries(runs, metrics, bySeconds, lossOf)}
        xLabel="seconds of the run's own compute"
        yLabel="loss"
      />
    </>
  );
}
