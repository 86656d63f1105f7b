import { describeDataset, describeModel } from '../store/run-origin';
import type { RunRecord } from '../store/types';

/** "Trained on gpt2-tiny (bundled) · sotu.txt · 65 train / 13 validation", for a run that has trained ("Imported onto …" for an imported one). */
export function RunOriginNote({ run }: { run: RunRecord }) {
  if (!run.model) return null;
  return (
    <span className="muted small run-origin" data-testid="run-origin">
      {run.imported ? 'Imported onto' : 'Trained on'} {describeModel(run.model)}
      {run.dataset ? ` · ${describeDataset(run.dataset)}` : ''}
    </span>
  );
}
