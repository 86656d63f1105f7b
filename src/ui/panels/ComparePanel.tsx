import { useShallow } from 'zustand/react/shallow';
import { LossByStepChart } from '../charts/LossByStepChart';
import { LossByTimeChart } from '../charts/LossByTimeChart';
import { MemoryChart } from '../charts/MemoryChart';
import { summaryRows } from '../charts/series';
import { SummaryTable } from '../charts/SummaryTable';
import { ThroughputChart } from '../charts/ThroughputChart';
import { TrainableParamsChart } from '../charts/TrainableParamsChart';
import { ValidationChart } from '../charts/ValidationChart';
import { Panel } from '../components/Panel';
import { describeMethod } from '../schemas/run-form';
import { usePlayground } from '../store';
import { selectMetrics, selectRunList } from '../store/selectors';

/** The element holding every chart, for the PNG export. */
export const CHARTS_ELEMENT_ID = 'compare-charts';

export function ComparePanel() {
  const runs = usePlayground(useShallow(selectRunList));
  const metrics = usePlayground(selectMetrics);
  const task = usePlayground((s) => s.model.summary?.task ?? null);
  return (
    <Panel id="compare" number={5} title="Compare">
      <div className="charts" id={CHARTS_ELEMENT_ID}>
        <LossByStepChart runs={runs} metrics={metrics} />
        <LossByTimeChart runs={runs} metrics={metrics} />
        <ValidationChart runs={runs} metrics={metrics} task={task} />
        <TrainableParamsChart runs={runs} />
        <MemoryChart runs={runs} metrics={metrics} />
        <ThroughputChart runs={runs} metrics={metrics} task={task} />
      </div>
      <SummaryTable rows={summaryRows(runs, metrics, (r) => describeMethod(r.form))} />
    </Panel>
  );
}
