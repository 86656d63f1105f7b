import { useShallow } from 'zustand/react/shallow';
import { Panel } from '../components/Panel';
import { usePlayground } from '../store';
import { selectRunList } from '../store/selectors';
import { ClassifyTry } from './ClassifyTry';
import { GenerateTry } from './GenerateTry';

/** Runs whose adapter the worker holds in this session. */
export const triable = (status: string) => status === 'finished' || status === 'stopped' || status === 'paused';

export function TryItPanel() {
  const task = usePlayground((s) => (s.model.status === 'ready' ? s.model.summary?.task ?? null : null));
  const runs = usePlayground(useShallow(selectRunList)).filter((r) => triable(r.status));
  return (
    <Panel id="try" number={6} title="Try it">
      {task === null && <p className="muted">Load a model to try it.</p>}
      {task === 'causal-lm' && <GenerateTry runs={runs} />}
      {task === 'image-classification' && <ClassifyTry runs={runs} />}
    </Panel>
  );
}
