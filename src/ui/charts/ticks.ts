/**
 * Round axis ticks: steps of 1, 2 or 5 × 10^k, so an axis reads 0, 5, 10 …
 * or 4.0, 4.5, 5.0 — never 1.00, 9.00, 17.0 (what recharts shows for a
 * 'dataMin'..'dataMax' domain). Pure, so the axis is tested apart from the drawing.
 */

export interface NiceAxis {
  /** The axis' ends: multiples of `step` around the data. */
  domain: [number, number];
  ticks: number[];
  /** The distance between ticks. */
  step: number;
  /** Decimals that show every tick exactly (0 for whole steps). */
  decimals: number;
}

/** The round step (1, 2 or 5 × 10^k) that splits `span` into about `target` intervals, at least `minStep`. */
export function niceStep(span: number, target = 5, minStep = 0): number {
  const raw = Math.max(span / Math.max(1, target), Number.MIN_VALUE);
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const step = (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
  return Math.max(step, minStep);
}

/**
 * An axis from the smallest to the largest value it shows. `integer` axes
 * (steps) never get fractional ticks. A single value gets an axis around it.
 */
export function niceAxis(min: number, max: number, options: { target?: number; integer?: boolean } = {}): NiceAxis {
  const { target = 5, integer = false } = options;
  if (!Number.isFinite(min) || !Number.isFinite(max)) return { domain: [0, 1], ticks: [0, 1], step: 1, decimals: 0 };
  if (min > max) [min, max] = [max, min];
  if (min === max) {
    // One point: an axis of one round step on either side.
    const pad = integer ? 1 : niceStep(Math.abs(min) || 1, target);
    min -= pad;
    max += pad;
  }
  const step = niceStep(max - min, target, integer ? 1 : 0);
  // Round away floating-point dust (0.1 + 0.2) before taking floor and ceil.
  const clean = (v: number) => Number(v.toPrecision(12));
  const lo = clean(Math.floor(clean(min / step)) * step);
  const hi = clean(Math.ceil(clean(max / step)) * step);
  const ticks: number[] = [];
  for (let i = 0; lo + i * step <= hi + step * 1e-9; i++) ticks.push(clean(lo + i * step));
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return { domain: [lo, hi], ticks, step, decimals };
}

/** A tick's label: as many decimals as the step needs, thousands grouped. */
/** One formatter per number of decimals: toLocaleString with options builds a new one per call, and charts format ticks by the thousand. */
const FORMATTERS = new Map<number, Intl.NumberFormat>();

export function formatTick(value: number, axis: NiceAxis): string {
  if (Math.abs(value) >= 1e6) return value.toExponential(1);
  let formatter = FORMATTERS.get(axis.decimals);
  if (!formatter) {
    formatter = new Intl.NumberFormat('en-US', { minimumFractionDigits: axis.decimals, maximumFractionDigits: axis.decimals });
    FORMATTERS.set(axis.decimals, formatter);
  }
  return formatter.format(value);
}
