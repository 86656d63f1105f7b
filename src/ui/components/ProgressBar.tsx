/** An accessible progress bar; indeterminate when the total is unknown. */
export function ProgressBar({ value, max, label }: { value: number; max: number | null; label: string }) {
  const fraction = max ? Math.min(1, value / max) : null;
  return (
    <div
      className="progress"
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={max ?? undefined}
      aria-valuenow={max ? value : undefined}
    >
      <div className={fraction === null ? 'progress-fill indeterminate' : 'progress-fill'} style={fraction === null ? undefined : { width: `${fraction * 100}%` }} />
    </div>
  );
}
