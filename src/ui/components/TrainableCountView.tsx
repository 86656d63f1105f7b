import { formatCount, formatPercent } from '../format';
import type { TrainableCount } from '../store/types';

/** "12,345 trainable parameters (0.52% of the model)", or the settings' problems. */
export function TrainableCountView({ trainable, testId }: { trainable: TrainableCount | null; testId?: string }) {
  if (!trainable) return <span className="muted small">trainable parameters: load a model to count</span>;
  if (trainable.problems.length > 0) {
    return (
      <span className="field-problem" data-testid={testId}>
        {trainable.problems.join('; ')}
      </span>
    );
  }
  return (
    <span className="trainable" data-testid={testId} data-count={trainable.count ?? undefined}>
      <strong>{trainable.count === null ? '?' : formatCount(trainable.count)}</strong> trainable parameters
      {trainable.percent !== null && <> ({formatPercent(trainable.percent)} of the model)</>}
    </span>
  );
}
