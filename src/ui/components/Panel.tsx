import type { ReactNode } from 'react';

/** A numbered panel: a labelled region with a heading. */
export function Panel({ id, number, title, children, actions }: { id: string; number: number; title: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <section className="panel" id={id} aria-labelledby={`${id}-title`}>
      <header className="panel-header">
        <h2 id={`${id}-title`}>
          <span className="panel-number" aria-hidden="true">
            {number}
          </span>
          {title}
        </h2>
        {actions}
      </header>
      {children}
    </section>
  );
}
