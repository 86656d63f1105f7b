import type { ReactNode } from 'react';

/** A titled chart with a test id, e.g. `chart-loss-step`. */
export function ChartCard({ name, title, children, empty }: { name: string; title: string; children: ReactNode; empty: boolean }) {
  return (
    <figure className="chart" data-testid={`chart-${name}`} aria-label={title}>
      <figcaption>{title}</figcaption>
      {empty ? <p className="muted small chart-empty">No data yet.</p> : children}
    </figure>
  );
}
