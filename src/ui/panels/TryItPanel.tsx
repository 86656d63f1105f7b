import { useShallow } from 'zustand/react/shallow';
import { Panel } from '../components/Panel';
import { usePlayground } from '../store';
import { adapterUnavailableReason, hasTrainedStatus, usableRuns } from '../store/run-origin';
import type { PlaygroundState } from '../store';
import { ClassifyTry } from './ClassifyTry';
import { GenerateTry } from './GenerateTry';

/** Trained runs Try it cannot use with the model loaded now, and why (use with useShallow). */
const selectLeftOut = (s: PlaygroundState): string[] =>
  s.runOrder
    .map((id) => s.runs[id])
    .filter((run) => run && hasTrainedStatus(run.status))
    .flatMap((run) => {
      const reason = adapterUnavailableReason(s, run);
      return reason ? [`${run.name}: ${reason}`] : [];
    });

export function TryItPanel() {
  const task = usePlayground((s) => (s.model.status === 'ready' ? s.model.summary?.task ?? null : null));
  const runs = usePlayground(useShallow(usableRuns));
  const leftOut = usePlayground(useShallow(selectLeftOut));
  return (
    <Panel id="try" number={7} title="Try it">
      {task === null && <p className="muted">Load a model to try it.</p>}
      {task === 'causal-lm' && <GenerateTry runs={runs} />}
      {task === 'image-classification' && <ClassifyTry runs={runs} />}
      {task !== null && leftOut.length > 0 && (
        <details className="left-out" data-testid="try-left-out">
          <summary className="muted small">
            {leftOut.length} trained run{leftOut.length === 1 ? '' : 's'} not shown
          </summary>
          <ul className="muted small">
            {leftOut.map((text) => (
              <li key={text}>{text}</li>
            ))}
          </ul>
        </details>
      )}
    </Panel>
  );
}
