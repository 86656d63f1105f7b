/**
 * The sweep's charts as SVG text: one figure per curve (against sequence
 * length, against batch), two panels each (step time, peak memory), one line
 * per method; the step's CPU time where it was read (Node). Both axes are logarithmic: x in powers of two (the grid's
 * doublings), y with 1-2-5 ticks, so a straight line's slope is the scaling
 * exponent (1: linear in the shape, 2: quadratic). Pure string building;
 * scripts/lib/bench/sweep.ts renders it to PNG in headless Chromium.
 */
import { methodSpec } from '../adapters/methods';
import type { AdapterMethodName } from '../adapters/types';
import { curveX, type SweepCurve, type SweepPoint } from './sweep';

/** Tableau 10, as the app's run colours (src/ui/store/runs-slice.ts). */
const COLORS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

/** Powers of two from the one at or below `min` to the one at or above `max`. */
export function log2Ticks(min: number, max: number): number[] {
  if (!(min > 0 && max >= min)) throw new Error(`log2Ticks: need 0 < min ≤ max, got ${min}, ${max}`);
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log2(min)); e <= Math.ceil(Math.log2(max)); e++) ticks.push(2 ** e);
  return ticks;
}

/**
 * Round ticks for a log axis covering [min, max]: the 1-2-5 series from the
 * value at or below `min` to the one at or above `max` (their ends are the
 * axis's range); only the powers of ten when that would be more than 8.
 */
export function logTicks(min: number, max: number): number[] {
  if (!(min > 0 && max >= min)) throw new Error(`logTicks: need 0 < min ≤ max, got ${min}, ${max}`);
  const series: number[] = [];
  for (let e = Math.floor(Math.log10(min)) - 1; e <= Math.ceil(Math.log10(max)) + 1; e++) {
    for (const m of [1, 2, 5]) series.push(Number((m * 10 ** e).toPrecision(1)));
  }
  const lo = series.filter((t) => t <= min * (1 + 1e-9)).at(-1)!;
  const hi = series.find((t) => t >= max * (1 - 1e-9))!;
  const ticks = series.filter((t) => t >= lo && t <= hi);
  if (ticks.length <= 8) return ticks;
  const decades: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) decades.push(Number((10 ** e).toPrecision(1)));
  return decades;
}

export interface AxisUnit {
  /** Shown after each tick and in the axis title. */
  name: string;
  /** Data value per display unit. */
  scale: number;
}

/** Milliseconds, or seconds from 2 s up. */
export function timeUnit(maxMs: number): AxisUnit {
  return maxMs >= 2000 ? { name: 's', scale: 1000 } : { name: 'ms', scale: 1 };
}

/** MiB, or GiB from 2 GiB up (the benchmark tables' MB are MiB too). */
export function memoryUnit(maxBytes: number): AxisUnit {
  return maxBytes >= 2 * 1024 ** 3 ? { name: 'GiB', scale: 1024 ** 3 } : { name: 'MiB', scale: 1024 ** 2 };
}

export function tickLabel(value: number): string {
  return value >= 1000 ? value.toLocaleString('en-US') : String(Number(value.toPrecision(3)));
}

export interface Series {
  method: AdapterMethodName;
  label: string;
  color: string;
  /** Measured points of this curve, by x. */
  points: { x: number; y: number }[];
}

/** One line per method (in the order first seen), of `value` on `curve`'s measured points. */
export function curveSeries(points: readonly SweepPoint[], curve: SweepCurve, value: (p: SweepPoint) => number | null): Series[] {
  const methods = [...new Set(points.map((p) => p.method))];
  return methods.map((method, i) => ({
    method,
    label: methodSpec(method).label,
    color: COLORS[i % COLORS.length],
    points: points
      .filter((p) => p.method === method && p.curves.includes(curve) && p.status === 'measured' && value(p) !== null)
      .map((p) => ({ x: curveX(curve, p), y: value(p)! }))
      .sort((a, b) => a.x - b.x),
  }));
}

const PANEL = { width: 470, height: 330, left: 78, right: 18, top: 34, bottom: 56 };

/** Maps a value onto [from, to] pixels on a log scale spanning [lo, hi]. */
export function logPosition(value: number, lo: number, hi: number, from: number, to: number): number {
  if (hi === lo) return (from + to) / 2;
  return from + ((Math.log(value) - Math.log(lo)) / (Math.log(hi) - Math.log(lo))) * (to - from);
}

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

interface PanelSpec {
  title: string;
  xTitle: string;
  yTitle: string;
  unit: AxisUnit;
  series: Series[];
}

/** One panel's SVG elements, its top-left corner at (ox, oy). */
function panel(spec: PanelSpec, ox: number, oy: number): string {
  const all = spec.series.flatMap((s) => s.points);
  if (all.length === 0) return `<text x="${ox + PANEL.width / 2}" y="${oy + PANEL.height / 2}" text-anchor="middle">no measured points</text>`;
  const xs = log2Ticks(Math.min(...all.map((p) => p.x)), Math.max(...all.map((p) => p.x)));
  const ys = logTicks(Math.min(...all.map((p) => p.y / spec.unit.scale)), Math.max(...all.map((p) => p.y / spec.unit.scale)));
  const [x0, x1] = [ox + PANEL.left, ox + PANEL.width - PANEL.right];
  const [y0, y1] = [oy + PANEL.height - PANEL.bottom, oy + PANEL.top];
  const px = (x: number) => logPosition(x, xs[0], xs.at(-1)!, x0, x1);
  const py = (y: number) => logPosition(y / spec.unit.scale, ys[0], ys.at(-1)!, y0, y1);
  const parts: string[] = [];
  parts.push(`<text x="${(x0 + x1) / 2}" y="${oy + 20}" text-anchor="middle" font-weight="bold">${escape(spec.title)}</text>`);
  for (const t of xs) {
    const x = px(t).toFixed(1);
    parts.push(`<line x1="${x}" y1="${y0}" x2="${x}" y2="${y1}" stroke="#e4e4e4"/>`);
    parts.push(`<text x="${x}" y="${y0 + 18}" text-anchor="middle">${tickLabel(t)}</text>`);
  }
  for (const t of ys) {
    const y = logPosition(t, ys[0], ys.at(-1)!, y0, y1).toFixed(1);
    parts.push(`<line x1="${x0}" y1="${y}" x2="${x1}" y2="${y}" stroke="#e4e4e4"/>`);
    parts.push(`<text x="${x0 - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${tickLabel(t)}</text>`);
  }
  parts.push(`<rect x="${x0}" y="${y1}" width="${x1 - x0}" height="${y0 - y1}" fill="none" stroke="#888"/>`);
  parts.push(`<text x="${(x0 + x1) / 2}" y="${y0 + 42}" text-anchor="middle">${escape(spec.xTitle)}</text>`);
  const yMid = (y0 + y1) / 2;
  parts.push(`<text x="${ox + 18}" y="${yMid}" text-anchor="middle" transform="rotate(-90 ${ox + 18} ${yMid})">${escape(`${spec.yTitle} (${spec.unit.name})`)}</text>`);
  for (const s of spec.series) {
    const path = s.points.map((p) => `${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ');
    if (s.points.length > 1) parts.push(`<polyline points="${path}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    for (const p of s.points) parts.push(`<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3.5" fill="${s.color}"/>`);
  }
  return parts.join('\n');
}

export interface SweepFigure {
  svg: string;
  width: number;
  height: number;
}

/**
 * The figure of one curve: step time and peak memory side by side, a legend
 * naming the methods, and a line per skipped point saying why.
 */
export function sweepFigure(points: readonly SweepPoint[], curve: SweepCurve, title: string): SweepFigure {
  // CPU time where every point has it (Node): on cpu and wasm it is the whole step, and unlike wall time it does
  // not grow with what else the machine runs; wall time (device time included) where it is missing.
  const measured = points.filter((p) => p.status === 'measured');
  const cpu = measured.length > 0 && measured.every((p) => p.step_cpu_ms_median !== null);
  const time = curveSeries(points, curve, (p) => (cpu ? p.step_cpu_ms_median : p.step_ms_median));
  const memory = curveSeries(points, curve, (p) => p.peak_bytes);
  const maxOf = (series: Series[]) => Math.max(0, ...series.flatMap((s) => s.points.map((p) => p.y)));
  const xTitle = curve === 'seq' ? 'sequence length (tokens)' : 'batch size (sequences)';
  const skipped = points.filter((p) => p.curves.includes(curve) && p.status === 'skipped');
  const header = 56;
  const footer = 14 + 18 * skipped.length;
  const width = 2 * PANEL.width;
  const height = header + PANEL.height + footer;
  const legend = time.map((s, i) => {
    const x = 24 + i * 170;
    return `<line x1="${x}" y1="44" x2="${x + 26}" y2="44" stroke="${s.color}" stroke-width="2"/><circle cx="${x + 13}" cy="44" r="3.5" fill="${s.color}"/><text x="${x + 34}" y="44" dominant-baseline="middle">${escape(s.label)}</text>`;
  });
  const notes = skipped.map((p, i) => `<text x="24" y="${header + PANEL.height + 14 + 18 * i}" fill="#a33">${escape(`${methodSpec(p.method).label} at batch ${p.batch} × ${p.seq} tokens skipped: ${p.reason}`)}</text>`);
  const svg = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="13" fill="#222">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="24" y="22" font-size="15" font-weight="bold">${escape(title)}</text>`,
    ...legend,
    `<g>${panel({ title: cpu ? 'CPU time per step (median)' : 'Step time (median)', xTitle, yTitle: cpu ? 'CPU time per step' : 'step time', unit: timeUnit(maxOf(time)), series: time }, 0, header)}</g>`,
    `<g>${panel({ title: 'Peak memory (tfjs buffers)', xTitle, yTitle: 'peak memory', unit: memoryUnit(maxOf(memory)), series: memory }, PANEL.width, header)}</g>`,
    ...notes,
    '</svg>',
  ].join('\n');
  return { svg, width, height };
}
