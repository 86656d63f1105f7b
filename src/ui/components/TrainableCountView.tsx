import { formatCount, formatPercent } from '../format';
import type { TrainableCount } from '../store/types';

const formatMegabytes = (bytes: number) => `${Math.round(bytes / 1e6).toLocaleString('en-US')} MB`;

/**
 * "12,345 trainable parameters (0.52% of the model) · estimated peak memory
 * ~40 MB", or the settings' problems; a run the planner would refuse shows
 * why, with what would fit.
 */
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
      {trainable.memory && (
        <span className={trainable.memory.fits ? 'muted' : 'field-problem'} data-testid={testId ? `${testId}-memory` : undefined} title={trainable.memory.summary}>
          {' · '}
          {trainable.memory.fits ? `estimated peak memory ~${formatMegabytes(trainable.memory.peakBytes)}` : trainable.memory.refusal}
        </span>
      )}
    </span>
  );
}
