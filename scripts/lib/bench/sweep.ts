/**
 * `npm run bench -- --sweep`: the benchmark (src/engine/bench/benchmark.ts)
 * at every shape of the grid (src/engine/bench/sweep.ts) on one model, the
 * methods interleaved at each shape as in a single benchmark, each shape in
 * a fresh process of this CLI (SWEEP_SHAPE_ENV); then the
 * points as JSON and CSV (rewritten after every shape, so a long run's
 * points survive an interruption) and the two charts as PNG, drawn as SVG
 * (src/engine/bench/sweep-chart.ts) and rendered by headless Chromium.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import type { AdapterMethodName } from '../../../src/engine/adapters/types';
import { benchPreset, isBenchPresetName } from '../../../src/engine/bench/presets';
import type { BenchRecord } from '../../../src/engine/bench/report';
import { sweepFigure } from '../../../src/engine/bench/sweep-chart';
import {
  measuredPoint, skippedPoint, skipReason, sweepCsv, sweepShapes,
  type SweepContext, type SweepCurve, type SweepPoint, type SweepShape,
} from '../../../src/engine/bench/sweep';
import { errorMessage } from '../../../src/engine/errors';
import { familyFor } from '../../../src/engine/models/registry';
import { chromiumExecutablePath } from '../chromium';
import { UsageError } from '../cli';
import type { BenchCliOptions, SweepCliOptions } from './args';

/**
 * tfjs-wasm's heap: wasm32's 4 GiB address space less one 64 KiB page, the
 * most its Emscripten build grows to (its getHeapMax).
 */
export const WASM_HEAP_BYTES = 4294901760;

/**
 * The share of the limit a predicted peak may reach: the peak counts tfjs's
 * buffers, not kernels' scratch space or the allocator's fragmentation.
 */
const HEADROOM = 0.9;

export interface SweepFiles {
  json: string;
  csv: string;
  png: Record<SweepCurve, string>;
}

export function sweepFiles(out: string): SweepFiles {
  return {
    json: path.join(out, 'bench-sweep.json'),
    csv: path.join(out, 'bench-sweep.csv'),
    png: { seq: path.join(out, 'bench-sweep-seq.png'), batch: path.join(out, 'bench-sweep-batch.png') },
  };
}

/** The memory a point may use on `backend`: the WASM heap, else this machine's memory. */
function memoryLimit(backend: string): { bytes: number; name: string } {
  const machine = totalmem();
  if (backend === 'wasm' && WASM_HEAP_BYTES < machine) return { bytes: HEADROOM * WASM_HEAP_BYTES, name: "90% of tfjs-wasm's 4 GiB heap" };
  return { bytes: HEADROOM * machine, name: "90% of this machine's memory" };
}

/** The model's config.json as saved: the preset's, or the folder's. */
function rawConfig(model: string): { raw: Record<string, unknown>; file: string } {
  if (isBenchPresetName(model)) return { raw: benchPreset(model).config, file: `${model}/config.json` };
  const file = path.join(model, 'config.json');
  if (!existsSync(file)) throw new UsageError(`--model: ${file} does not exist`);
  return { raw: JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>, file };
}

function checkGrid(model: string, sweep: SweepCliOptions): void {
  const { raw, file } = rawConfig(model);
  const config = familyFor(raw, file).normaliseConfig(raw, file);
  if (config.task !== 'causal-lm') throw new UsageError('--sweep needs a language model (it varies the sequence length)');
  const tooLong = sweep.seqs.filter((s) => s > config.maxPositions);
  if (tooLong.length > 0) {
    throw new UsageError(`--sweep-seq: ${tooLong.join(', ')} exceed${tooLong.length === 1 ? 's' : ''} the model's ${config.maxPositions} positions`);
  }
}

const MIB = 1024 ** 2;
const shapeText = (s: SweepShape) => `batch ${s.batch} × ${s.seq} tokens`;

/**
 * Set in the process that measures one shape: the shape and the methods to
 * run there, as JSON. Each shape runs in a fresh process, so its peak is its
 * own (a WASM heap only grows) and a shape that exhausts the heap (which
 * leaves tfjs-wasm unusable: "memory access out of bounds") costs only itself.
 */
export const SWEEP_SHAPE_ENV = 'WEGEFT_BENCH_SWEEP_SHAPE';

export interface ShapeRequest {
  batch: number;
  seq: number;
  methods: AdapterMethodName[];
}

/** The shape this process is to measure, when it is a sweep's child. */
export function shapeRequestFromEnv(): ShapeRequest | null {
  const text = process.env[SWEEP_SHAPE_ENV];
  return text ? (JSON.parse(text) as ShapeRequest) : null;
}

/** Runs this CLI again for one shape; its records, or why it failed. */
function measureInChild(request: ShapeRequest, log: (line: string) => void): Promise<{ records: BenchRecord[] } | { failure: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      env: { ...process.env, [SWEEP_SHAPE_ENV]: JSON.stringify(request) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Stopping the sweep stops the shape being measured too (a child would otherwise run on, orphaned).
    const stop = (signal: NodeJS.Signals) => {
      child.kill(signal);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    let stdout = '';
    let lastLine = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    createInterface({ input: child.stderr }).on('line', (line) => {
      if (line.trim() === '') return;
      lastLine = line;
      log(`  ${line}`);
    });
    child.on('close', (code, signal) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      if (code === 0) {
        resolve({ records: stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as BenchRecord) });
      } else {
        const why = signal ? `killed by ${signal}${signal === 'SIGKILL' ? ' (out of memory?)' : ''}` : lastLine.replace(/^bench: /, '') || `exit status ${code}`;
        resolve({ failure: `failed: ${why}` });
      }
    });
  });
}

export async function runSweep(options: BenchCliOptions, log: (line: string) => void): Promise<SweepPoint[]> {
  const sweep = options.sweep!;
  checkGrid(options.model, sweep);
  const limit = memoryLimit(options.backend);
  const shapes = sweepShapes(sweep.seqs, sweep.batches);
  const files = sweepFiles(sweep.out);
  mkdirSync(sweep.out, { recursive: true });
  const points: SweepPoint[] = [];
  let context: SweepContext = { model: options.model, backend: options.backend, threads: null, steps: options.steps, warmup: options.warmup };
  for (const [i, shape] of shapes.entries()) {
    const run: AdapterMethodName[] = [];
    for (const method of options.methods) {
      const reason = skipReason(points, method, shape, limit.bytes, limit.name);
      if (reason === null) run.push(method);
      else {
        points.push(skippedPoint(method, shape, context, reason));
        log(`skipped ${method} at ${shapeText(shape)}: ${reason}`);
      }
    }
    log(`shape ${i + 1}/${shapes.length}: ${shapeText(shape)}${run.length > 0 ? ` (${run.join(', ')})` : ': nothing to run'}`);
    if (run.length === 0) continue;
    const started = performance.now();
    const outcome = await measureInChild({ batch: shape.batch, seq: shape.seq, methods: run }, log);
    if ('records' in outcome) {
      const first = outcome.records[0];
      context = { ...context, backend: first.backend, threads: first.threads, steps: first.steps, warmup: first.warmup };
      for (const record of outcome.records) {
        points.push(measuredPoint(record, shape, context));
        log(`  ${record.method}: ${record.step_ms_median.toFixed(0)} ms/step, peak ${(record.peak_bytes / MIB).toFixed(0)} MiB`);
      }
    } else {
      // Out of memory, most likely: the larger shapes of its curves are skipped.
      for (const method of run) points.push(skippedPoint(method, shape, context, outcome.failure));
      log(`  ${shapeText(shape)} ${outcome.failure}`);
    }
    log(`  (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    writeData(files, points, options);
  }
  writeData(files, points, options);
  await writeCharts(files, points, options.rank);
  log(`wrote ${files.json}, ${files.csv}, ${files.png.seq} and ${files.png.batch}`);
  return points;
}

/** `--sweep-plot <json>`: the charts again from a sweep's bench-sweep.json (a finished or an interrupted run), measuring nothing. */
export async function plotSweep(json: string, out: string, log: (line: string) => void): Promise<void> {
  if (!existsSync(json)) throw new UsageError(`--sweep-plot: ${json} does not exist`);
  let saved: { rank?: unknown; points?: unknown };
  try {
    saved = JSON.parse(readFileSync(json, 'utf8')) as typeof saved;
  } catch (error) {
    throw new UsageError(`--sweep-plot: ${json} is not JSON (${errorMessage(error)})`);
  }
  const points = saved.points;
  if (!Array.isArray(points) || points.length === 0 || typeof saved.rank !== 'number') {
    throw new UsageError(`--sweep-plot: ${json} has no points and rank (not a bench-sweep.json)`);
  }
  const files = sweepFiles(out);
  mkdirSync(out, { recursive: true });
  await writeCharts(files, points as SweepPoint[], saved.rank);
  log(`wrote ${files.png.seq} and ${files.png.batch} from ${points.length} points of ${json}`);
}

function writeData(files: SweepFiles, points: SweepPoint[], options: BenchCliOptions): void {
  const meta = { command: `npm run bench -- ${process.argv.slice(2).join(' ')}`, date: new Date().toISOString(), rank: options.rank, seed: options.seed };
  writeFileSync(files.json, `${JSON.stringify({ ...meta, points }, null, 1)}\n`);
  writeFileSync(files.csv, sweepCsv(points));
}

async function writeCharts(files: SweepFiles, points: SweepPoint[], rank: number): Promise<void> {
  const { model, backend, threads } = points.find((p) => p.status === 'measured') ?? points[0];
  const on = `${model} on ${backend}${threads !== null ? ` (${threads} thread${threads === 1 ? '' : 's'})` : ''}, rank ${rank}`;
  const [seq0, batch0] = [Math.min(...points.map((p) => p.seq)), Math.min(...points.map((p) => p.batch))];
  const figures = {
    seq: sweepFigure(points, 'seq', `${on}: against sequence length, batch ${batch0}`),
    batch: sweepFigure(points, 'batch', `${on}: against batch size, ${seq0} tokens a sequence`),
  };
  const { chromium } = await import('@playwright/test');
  const browser = await chromium.launch({ executablePath: chromiumExecutablePath(), args: ['--no-sandbox', '--headless=new'] });
  try {
    const page = await browser.newPage({ deviceScaleFactor: 2 });
    for (const curve of ['seq', 'batch'] as const) {
      const { svg, width, height } = figures[curve];
      await page.setViewportSize({ width, height });
      await page.setContent(`<!doctype html><html><body style="margin:0">${svg}</body></html>`);
      await page.screenshot({ path: files.png[curve], clip: { x: 0, y: 0, width, height } });
    }
  } finally {
    await browser.close();
  }
}
