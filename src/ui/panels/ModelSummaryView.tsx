import type { ModelSummary } from '../../worker/protocol';
import { formatBytes, formatCount } from '../format';

/** The loaded model's heading, where focus goes after a load. */
export const MODEL_SUMMARY_HEADING_ID = 'model-summary-title';

/** The loaded model's facts: family, size, memory. */
export function ModelSummaryView({ summary }: { summary: ModelSummary }) {
  const facts: [string, string][] = [
    ['Family', `${summary.family} (${summary.modelType})`],
    ['Task', summary.task === 'causal-lm' ? 'language modelling' : 'image classification'],
    ['Layers', String(summary.numLayers)],
    ['Hidden size', String(summary.hiddenSize)],
    ['Heads', String(summary.numHeads)],
    ['Parameters', formatCount(summary.parameterCount)],
    ['Memory (weights)', formatBytes(summary.memoryBytes)],
  ];
  if (summary.vocabSize !== null) facts.push(['Vocabulary', formatCount(summary.vocabSize)]);
  if (summary.maxPositions !== null) facts.push(['Context', `${summary.maxPositions} tokens`]);
  if (summary.imageSize !== null) facts.push(['Image size', `${summary.imageSize}×${summary.imageSize}`]);
  if (summary.labels) facts.push(['Labels', summary.labels.length <= 12 ? summary.labels.join(', ') : `${summary.labels.length} classes`]);
  return (
    <div className="model-summary" data-testid="model-summary">
      <h3 id={MODEL_SUMMARY_HEADING_ID} tabIndex={-1}>
        {summary.label}
      </h3>
      <dl className="facts">
        {facts.map(([name, value]) => (
          <div key={name}>
            <dt>{name}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {summary.task === 'causal-lm' && !summary.hasTokenizer && (
        <p className="warning">This checkpoint has no tokenizer.json: text datasets and generation need one.</p>
      )}
      {summary.notes.map((note) => (
        <p key={note} className="muted small">
          {note}
        </p>
      ))}
    </div>
  );
}
