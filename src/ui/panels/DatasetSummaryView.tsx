import type { DatasetSummary } from '../../worker/protocol';
import { ImageThumb } from '../components/ImageThumb';
import { formatCount } from '../format';

export function DatasetSummaryView({ summary }: { summary: DatasetSummary }) {
  return (
    <div className="dataset-summary" data-testid="dataset-summary">
      <h3>{summary.name}</h3>
      <dl className="facts">
        <div>
          <dt>Examples</dt>
          <dd>{formatCount(summary.examples)}</dd>
        </div>
        <div>
          <dt>Train / validation</dt>
          <dd title={summary.splitHow}>
            <span data-testid="dataset-split">
              {formatCount(summary.trainCount)} / {formatCount(summary.validationCount)}
            </span>
            {summary.splitUnit && <span className="muted small"> {summary.splitUnit}</span>}
          </dd>
        </div>
        {summary.characters !== null && (
          <div>
            <dt>Characters</dt>
            <dd>{formatCount(summary.characters)}</dd>
          </div>
        )}
        {summary.tokens !== null && (
          <div>
            <dt>Tokens</dt>
            <dd>{formatCount(summary.tokens)}</dd>
          </div>
        )}
        <div>
          <dt>Files</dt>
          <dd>{summary.files.length <= 3 ? summary.files.join(', ') : `${summary.files.length} files`}</dd>
        </div>
      </dl>
      {summary.labelCounts && (
        <p className="small">
          {summary.labelCounts.length} classes: {summary.labelCounts.map((l) => `${l.label} (${l.count})`).join(', ')}
        </p>
      )}
      {summary.splitHow && <p className="muted small">Held out: {summary.splitHow}.</p>}
      {(summary.notes ?? []).length > 0 && (
        <ul className="small" data-testid="dataset-notes">
          {summary.notes!.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
      <Preview summary={summary} />
      <DataWarnings warnings={summary.warnings} />
    </div>
  );
}

/** Warnings that mean the data cannot train or validate as shown stay in sight; the routine ones fold away. */
function DataWarnings({ warnings }: { warnings: string[] }) {
  if (warnings.length === 0) return null;
  const serious = warnings.filter((w) => /too small to validate|are blank|are identical|cannot/.test(w));
  const routine = warnings.filter((w) => !serious.includes(w));
  return (
    <>
      {serious.length > 0 && (
        <ul className="warning" role="status" data-testid="dataset-warnings">
          {serious.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
      {routine.length > 0 && (
        <details>
          <summary>{routine.length} warning(s)</summary>
          <ul>
            {routine.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </details>
      )}
    </>
  );
}

function Preview({ summary }: { summary: DatasetSummary }) {
  const preview = summary.preview;
  if (preview.kind === 'image') {
    return (
      <ul className="image-grid" aria-label="Preview of the images">
        {preview.items.map((item, i) => (
          <li key={i}>
            <ImageThumb image={item} label={`${item.label}: ${item.source}`} />
            <span className="small">{item.label}</span>
          </li>
        ))}
      </ul>
    );
  }
  return (
    <ol className="text-samples" aria-label="Preview of the text">
      {preview.samples.map((sample, i) => (
        <li key={i}>
          <pre>{sample}</pre>
        </li>
      ))}
    </ol>
  );
}
