import { useEffect, useRef, useState } from 'react';
import { formatBytes, formatCount, formatNumber, formatPercent } from '../format';
import type { RunSummaryRow } from './series';
import { RunName } from '../components/RunName';

/** What a row says about where its run was trained; `dimmed` for runs not in the charts above. */
export interface RowOrigin {
  text: string;
  dimmed: boolean;
}

export function SummaryTable({ rows, origins }: { rows: RunSummaryRow[]; origins: Record<string, RowOrigin> }) {
  const scroller = useRef<HTMLDivElement>(null);
  const overflow = useHorizontalOverflow(scroller);
  if (rows.length === 0) return null;
  return (
    <div className="summary-wrap">
      {overflow && (
        <p className="muted small scroll-hint" data-testid="summary-scroll-hint">
          More columns to the right: scroll the table sideways →
        </p>
      )}
      <div ref={scroller} className={overflow ? 'table-scroll overflowing' : 'table-scroll'} tabIndex={overflow ? 0 : undefined} aria-label={overflow ? 'Summary table, scrolls sideways' : undefined}>
        <table className="summary" data-testid="summary-table">
          <caption>Summary</caption>
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Method</th>
              <th scope="col">Trained on</th>
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
              <tr key={r.runId} className={origins[r.runId]?.dimmed ? 'dimmed' : undefined} data-run-id={r.runId}>
                <th scope="row">
                  <RunName name={r.name} color={r.color} />
                </th>
                <td>{r.method}</td>
                <td className="origin">{origins[r.runId]?.text ?? '—'}</td>
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
    </div>
  );
}

/** Whether the element's content is wider than the element (so columns are hidden behind a scroll). */
function useHorizontalOverflow(ref: React.RefObject<HTMLDivElement | null>): boolean {
  const [overflow, setOverflow] = useState(false);
  useEffect(() => {
    const element = ref.current;
    if (!element || typeof ResizeObserver === 'undefined') return;
    const measure = () => setOverflow(element.scrollWidth > element.clientWidth + 1);
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    if (element.firstElementChild) observer.observe(element.firstElementChild);
    measure();
    return () => observer.disconnect();
  });
  return overflow;
}
