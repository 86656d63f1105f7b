import { memo, useEffect, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { comparisonGroups, describeGroup, groupMismatch, groupTask, shownGroup } from '../charts/comparison-groups';
import { LossByStepChart } from '../charts/LossByStepChart';
import { LossByTimeChart } from '../charts/LossByTimeChart';
import { MemoryChart } from '../charts/MemoryChart';
import { summaryRows } from '../charts/series';
import { SummaryTable, type RowOrigin } from '../charts/SummaryTable';
import { ThroughputChart } from '../charts/ThroughputChart';
import { TrainableParamsChart } from '../charts/TrainableParamsChart';
import { ValidationChart, ValidationLossChart } from '../charts/ValidationChart';
import { ClassReports } from '../charts/ClassReports';
import { EfficiencyChart } from '../charts/EfficiencyChart';
import { Panel } from '../components/Panel';
import { describeMethod } from '../schemas/run-form';
import { usePlayground } from '../store';
import { describeDataset, describeModel } from '../store/run-origin';
import { selectMetrics, selectRunList } from '../store/selectors';
import { useThrottledValue } from '../use-throttled';
import type { RunRecord } from '../store/types';
import type { DatasetRecord, MetricPoint, ModelRecord } from '../../worker/protocol';

/** The element holding every chart, for the PNG export. */
export const CHARTS_ELEMENT_ID = 'compare-charts';

/** How often the charts redraw at most while metrics arrive, and the inverse of the main thread's share they may take. */
const CHART_REDRAW_MS = 1000;
const DRAW_SHARE_INVERSE = 5;

/**
 * The panel's subscriptions, throttled. Charts redraw at most once a second
 * and never take more than a fifth of the main thread: redrawing them at
 * every batch of a fast run's metrics (5 a second) kept the page busy for
 * whole seconds, so the run's own Pause button could not be pressed. Runs
 * are throttled too (their progress changes them at every batch), and the
 * view below is memoised, so a store change in between redraws nothing.
 */
export function ComparePanel() {
  const drawMs = useRef(0);
  const interval = () => Math.max(CHART_REDRAW_MS, DRAW_SHARE_INVERSE * drawMs.current);
  const metrics = useThrottledValue(usePlayground(selectMetrics), interval);
  const runs = useThrottledValue(usePlayground(useShallow(selectRunList)), interval);
  const currentModel = usePlayground((s) => s.model.record);
  const currentDataset = usePlayground((s) => s.data.record);
  const datasetLoading = usePlayground((s) => s.data.status === 'loading');
  return <CompareView runs={runs} metrics={metrics} currentModel={currentModel} currentDataset={currentDataset} datasetLoading={datasetLoading} drawMs={drawMs} />;
}

interface CompareViewProps {
  runs: RunRecord[];
  metrics: Record<string, MetricPoint[]>;
  currentModel: ModelRecord | null;
  currentDataset: DatasetRecord | null;
  datasetLoading: boolean;
  /** Where the view leaves how long its last drawing took. */
  drawMs: { current: number };
}

const CompareView = memo(function CompareView({ runs, metrics, currentModel, currentDataset, datasetLoading, drawMs }: CompareViewProps) {
  const drawStarted = performance.now();
  useEffect(() => {
    drawMs.current = performance.now() - drawStarted;
  });
  const [chosen, setChosen] = useState<string | null>(null);
  const groups = comparisonGroups(runs, metrics, currentModel, currentDataset);
  const group = shownGroup(groups, chosen);
  const shown = group?.runs ?? [];
  // With no runs yet, the metric is the loaded model's; with runs, always their own.
  const task = groupTask(group, metrics) ?? currentModel?.task ?? null;
  const mismatch = group && groupMismatch(group, currentModel, currentDataset, datasetLoading);
  const origins: Record<string, RowOrigin> = {};
  for (const g of groups) {
    for (const run of g.runs) {
      const text = !g.model ? 'not recorded (older run)' : `${run.model ? '' : 'not trained yet: '}${describeModel(g.model)}${g.dataset ? ` · ${describeDataset(g.dataset)}` : ''}`;
      origins[run.id] = { text, dimmed: g !== group };
    }
  }
  return (
    <Panel id="compare" number={5} title="Compare">
      {group && (
        <div className="compare-scope" data-testid="compare-scope">
          {groups.length > 1 ? (
            <label className="compact">
              Comparing runs trained on
              <select value={group.key} onChange={(e) => setChosen(e.target.value)}>
                {groups.map((g) => (
                  <option key={g.key} value={g.key}>
                    {describeGroup(g)} ({g.runs.length} run{g.runs.length === 1 ? '' : 's'}){g.current ? ' — loaded now' : ''}
                  </option>
                ))}
              </select>
            </label>
          ) : (
            <p className="small">Runs trained on {describeGroup(group)}</p>
          )}
          {groups.length > 1 && (
            <p className="muted small">
              Runs on other models or data are in other groups: their losses and metrics are not comparable with these. Every run is in the summary table.
            </p>
          )}
          {mismatch && (
            <p className="warning small" data-testid="compare-not-current">
              {mismatch}
            </p>
          )}
        </div>
      )}
      <div className="charts" id={CHARTS_ELEMENT_ID}>
        <LossByStepChart runs={shown} metrics={metrics} />
        <LossByTimeChart runs={shown} metrics={metrics} />
        <ValidationChart runs={shown} metrics={metrics} task={task} dataset={group?.dataset ?? null} />
        <ValidationLossChart runs={shown} metrics={metrics} dataset={group?.dataset ?? null} />
        <TrainableParamsChart runs={shown} />
        <EfficiencyChart runs={shown} metrics={metrics} />
        <MemoryChart runs={shown} metrics={metrics} />
        <ThroughputChart runs={shown} metrics={metrics} task={task} />
      </div>
      <ClassReports runs={shown} />
      <SummaryTable rows={summaryRows(runs, metrics, (r) => describeMethod(r.form))} origins={origins} />
    </Panel>
  );
});
