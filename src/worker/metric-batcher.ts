/**
 * Collects metric points and progress from every run, and posts them at most
 * every `intervalMs`, so a fast run does not flood the page with messages.
 */
import type { EmitEvent } from './emitter';
import type { MetricPoint, WorkerEventOf } from './protocol';

export class MetricBatcher {
  private points: MetricPoint[] = [];
  private progress = new Map<string, WorkerEventOf<'runProgress'>>();
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly emit: EmitEvent,
    private readonly intervalMs = 200,
  ) {}

  add(points: MetricPoint[], progress: WorkerEventOf<'runProgress'> | null): void {
    this.points.push(...points);
    if (progress) this.progress.set(progress.runId, progress);
    this.timer ??= setTimeout(() => this.flush(), this.intervalMs);
  }

  /** Posts what is waiting now (before a run's status changes, so the page sees its last points first). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.points.length > 0) this.emit({ type: 'runMetrics', points: this.points });
    for (const progress of this.progress.values()) this.emit(progress);
    this.points = [];
    this.progress.clear();
  }
}
