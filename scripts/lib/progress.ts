/**
 * A training progress display for the CLIs: on a terminal, one bar redrawn
 * in place with the step, loss and ETA; elsewhere (a pipe, a CI log), one
 * plain line each time a loss is read back, so logs stay readable.
 */

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressUpdate {
  step: number;
  /** The latest loss read back, when there is one. */
  loss: number | null;
  /** True when this update carries a freshly read loss (worth a line in a log). */
  lossIsNew: boolean;
}

const BAR_WIDTH = 24;

export class ProgressBar {
  private readonly startedAt: number;
  private lastLoss: number | null = null;
  private drawn = false;

  constructor(
    private readonly stream: ProgressStream,
    private readonly totalSteps: number,
    private readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
  }

  update({ step, loss, lossIsNew }: ProgressUpdate): void {
    if (loss !== null) this.lastLoss = loss;
    const line = this.describe(step);
    if (this.stream.isTTY) {
      const width = Math.max(20, (this.stream.columns ?? 80) - 1);
      this.stream.write(`\r${line.slice(0, width).padEnd(width)}`);
      this.drawn = true;
    } else if (lossIsNew || step === this.totalSteps) {
      this.stream.write(`${line}\n`);
    }
  }

  /** Ends the bar's line, so what follows starts on a fresh one. */
  finish(): void {
    if (this.drawn) this.stream.write('\n');
    this.drawn = false;
  }

  /** `[#####-------] 12/50  loss 2.3456  0.21 s/step  ETA 8s` */
  describe(step: number): string {
    const fraction = this.totalSteps > 0 ? step / this.totalSteps : 1;
    const filled = Math.round(fraction * BAR_WIDTH);
    const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
    const elapsed = (this.now() - this.startedAt) / 1000;
    const perStep = step > 0 ? elapsed / step : 0;
    const loss = this.lastLoss === null ? 'loss …' : `loss ${this.lastLoss.toFixed(4)}`;
    const eta = step > 0 ? `ETA ${formatDuration(perStep * (this.totalSteps - step))}` : 'ETA …';
    return `${bar} ${step}/${this.totalSteps}  ${loss}  ${perStep.toFixed(2)} s/step  ${eta}`;
  }
}

/** 75 → "1m15s", 3725 → "1h02m", 4.2 → "4s". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
