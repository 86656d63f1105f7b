import { formatBytes, formatCount, formatNumber, formatPercent } from '../format';
import type { RunSummaryRow } from './series';

export function SummaryTable({ rows }: { rows: RunSummaryRow[] }) {
  if (rows.length === 0) return null;
  return (
    <div className="table-scroll">
      <table className="summary" data-testid="summary-table">
        <caption>Summary</caption>
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Method</th>
            <th scope="col">Trainable</th>
            <th scope="col">Steps</th>
            <th scope="col">Loss (first → last)</th>
            <th scope="col">Validation</th>
            <th scope="col">Step time</th>
            <th scope="col">Throughput</th>
            <th scope="col">Peak memory</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.runId}>
              <th scope="row">
                <span className="swatch" style={{ background: r.color }} aria-hidden="true" /> {r.name}
              </th>
              <td>{r.method}</td>
              <td>{r.trainable === null ? '—' : `${formatCount(r.trainable)}${r.percent !== null ? ` (${formatPercent(r.percent)})` : ''}`}</td>
              <td>{r.steps}</td>
              <td>{r.firstLoss === null ? '—' : `${formatNumber(r.firstLoss)} → ${formatNumber(r.lastLoss!)}`}</td>
              <td>{r.validation ?? '—'}</td>
              <td>{r.medianStepMs === null ? '—' : `${r.medianStepMs.toFixed(0)} ms`}</td>
              <td>{r.throughput === null ? '—' : `${formatNumber(r.throughput, 3)}/s`}</td>
              <td>{r.peakMemoryBytes === null ? '—' : formatBytes(r.peakMemoryBytes)}</td>
              <td>{r.status}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
