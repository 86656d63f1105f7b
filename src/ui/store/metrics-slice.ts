import type { StateCreator } from 'zustand';
import type { MetricPoint } from '../../worker/protocol';
import type { PlaygroundState } from './index';

export interface MetricsSlice {
  /** Every run's metric points in step order. */
  metrics: Record<string, MetricPoint[]>;
  /** Appends a batch of points (from one or several runs) in one update. */
  appendMetrics(points: MetricPoint[]): void;
  clearMetrics(runId: string): void;
}

/** The metrics with `points` appended; a restarted run's old points (step ≥ a new one) are dropped. */
export function withAppendedMetrics(metrics: Record<string, MetricPoint[]>, points: MetricPoint[]): Record<string, MetricPoint[]> {
  const next = { ...metrics };
  for (const point of points) {
    const series = next[point.runId] === metrics[point.runId] ? [...(metrics[point.runId] ?? [])] : next[point.runId];
    while (series.length > 0 && series[series.length - 1].step >= point.step) series.pop();
    series.push(point);
    next[point.runId] = series;
  }
  return next;
}

export const createMetricsSlice: StateCreator<PlaygroundState, [], [], MetricsSlice> = (set) => ({
  metrics: {},
  appendMetrics: (points) => set((s) => ({ metrics: withAppendedMetrics(s.metrics, points) })),
  clearMetrics: (runId) =>
    set((s) => {
      const metrics = { ...s.metrics };
      delete metrics[runId];
      return { metrics };
    }),
});
