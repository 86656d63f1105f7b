import type { CSSProperties } from 'react';
import { ImageThumb } from '../components/ImageThumb';
import type { RunRecord } from '../store/types';
import type { RunClassReport } from '../../worker/protocol';
import { RunName } from '../components/RunName';

const percent = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(0)}%`);

/**
 * Classifier runs side by side, on the same held-out images, with the
 * weights each finished with: accuracy per class, the confusion matrix
 * (row: true class, column: predicted; the diagonal is right, shaded by its
 * share of the row), and thumbnails of images it got wrong.
 */
export function ClassReports({ runs }: { runs: RunRecord[] }) {
  const withReports = runs.filter((r): r is RunRecord & { classReport: RunClassReport } => Boolean(r.classReport));
  if (withReports.length === 0) return null;
  return (
    <section className="class-reports" data-testid="class-reports" aria-label="Per-class results">
      <h3>Per class, on the held-out images</h3>
      <p className="muted small">
        Rows are the true class, columns the predicted one: a good run has its counts on the diagonal. Below each matrix, held-out images it got wrong (true → predicted).
      </p>
      <div className="class-report-grid">
        {withReports.map((run) => (
          <ClassReportCard key={run.id} run={run} report={run.classReport} />
        ))}
      </div>
    </section>
  );
}

function ClassReportCard({ run, report }: { run: RunRecord; report: RunClassReport }) {
  return (
    <figure className="class-report" data-testid={`class-report-${run.id}`}>
      <figcaption>
        <RunName name={run.name} color={run.color} />: accuracy {percent(report.accuracy)} of {report.examples.toLocaleString('en-US')}
      </figcaption>
      <table className="confusion" data-testid="confusion-matrix">
        <thead>
          <tr>
            <th scope="col">true \ predicted</th>
            {report.labels.map((label) => (
              <th key={label} scope="col">
                {label}
              </th>
            ))}
            <th scope="col">accuracy</th>
          </tr>
        </thead>
        <tbody>
          {report.confusion.map((row, t) => {
            const total = report.perClass[t].total;
            return (
              <tr key={report.labels[t]}>
                <th scope="row">{report.labels[t]}</th>
                {row.map((count, p) => (
                  <td
                    key={p}
                    className={p === t ? 'diagonal' : count > 0 ? 'off' : undefined}
                    // The share of the true class's examples, as the cell's strength.
                    style={{ '--share': total > 0 ? count / total : 0 } as CSSProperties}
                  >
                    {count}
                  </td>
                ))}
                <td data-testid="class-accuracy">{percent(report.perClass[t].accuracy)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {report.misclassifiedCount > 0 ? (
        <>
          <p className="small">
            Misclassified: {report.misclassifiedCount}
            {report.misclassifiedCount > report.misclassified.length ? ` (the first ${report.misclassified.length} shown)` : ''}
          </p>
          <ul className="misclassified" data-testid="misclassified">
            {report.misclassified.map((m) => {
              const text = `${report.labels[m.label]} → ${report.labels[m.predicted]}`;
              return (
                <li key={m.index}>
                  <ImageThumb image={m.image} size={48} label={`held-out image ${m.index + 1}: ${text}`} />
                  <span className="small">{text}</span>
                </li>
              );
            })}
          </ul>
        </>
      ) : (
        <p className="small">Every held-out image classified right.</p>
      )}
    </figure>
  );
}
