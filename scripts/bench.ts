/**
 * npm run bench -- [--model <preset>|<dir>] [--methods <list>] [--rank 16]
 *                  [--batch B] [--seq T] [--steps N] [--warmup W] [--backend cpu|wasm|webgpu] [--json]
 * npm run bench -- --sweep [--sweep-seq 64,…] [--sweep-batch 1,…] [--out docs/images]
 *
 * WeGeFT against LoRA and the baselines on one model: trainable parameters,
 * median step time, throughput and peak memory of the real training step
 * (src/engine/bench/), with ratios against LoRA. Runs in Node on cpu, wasm
 * and WebGPU (Dawn: SwiftShader here, the NVIDIA driver on a GPU machine),
 * or with --browser in headless Chromium through the bench.html page.
 *
 * Stderr shows progress and, without --json, the table; with --json, stdout
 * gets one JSON line per method (src/engine/bench/report.ts, BenchRecord).
 * --sweep measures step time and peak memory over a grid of sequence lengths
 * and batch sizes and draws them (scripts/lib/bench/sweep.ts); with --json,
 * one line per method and shape (src/engine/bench/sweep.ts, SweepPoint).
 * Exit status: 0 on success, 2 on bad usage or unusable input.
 */
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { benchmarkModel, benchOptions, presetModel, type BenchRequest } from '../src/engine/bench/benchmark';
import { benchPreset, isBenchPresetName } from '../src/engine/bench/presets';
import { formatKernels, formatTable, type BenchRecord } from '../src/engine/bench/report';
import type { BenchProgress } from '../src/engine/bench/run';
import { errorMessage } from '../src/engine/errors';
import { loadModel } from '../src/engine/models/load';
import type { Model } from '../src/engine/models/model';
import { DirectorySource } from '../src/engine/io/node-source';
import { BENCH_USAGE, parseBenchArgs, type BenchCliOptions } from './lib/bench/args';
import { runCli, UsageError } from './lib/cli';
import { runInBrowser } from './lib/bench/browser';
import { GENERATE_USAGE, runGenerateBench } from './lib/bench/generate';
import { plotSweep, runSweep, shapeRequestFromEnv } from './lib/bench/sweep';
import { startCliBackend, type NodeBackend } from './lib/node-backend';

const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--generate')) return runGenerateBench(argv, log);
  const options = parseBenchArgs(argv);
  if (!isBenchPresetName(options.model) && !existsSync(options.model)) {
    throw new UsageError(`--model: "${options.model}" is neither a preset nor an existing folder`);
  }
  if (options.sweep) return runSweepInNode(options);
  const records = options.browser ? await runInBrowser(options, log) : await runInNode(options);
  printRecords(records, options);
  return 0;
}

/** The backend, its device and (on wasm) its threads, and the model: what a Node run starts with. */
async function startNode(options: BenchCliOptions): Promise<{ device: string | null; threads: number | null; model: Model }> {
  const backend = await startCliBackend(options.backend as NodeBackend, log);
  const threads = tf.getBackend() === 'wasm' ? (await import('@tensorflow/tfjs-backend-wasm')).getThreadsCount() : null;
  if (threads !== null) log(`wasm threads: ${threads}`);
  const model = await openModel(options);
  log(`model: ${options.model} (${model.family.displayName}, ${model.parameterCount().toLocaleString('en-US')} parameters)`);
  return { device: backend.device ?? null, threads, model };
}

async function runInNode(options: BenchCliOptions): Promise<BenchRecord[]> {
  const { device, threads, model } = await startNode(options);
  try {
    const request: BenchRequest = { ...benchOptions(options), backend: tf.getBackend(), device, threads };
    return await benchmarkModel(model, request, { onProgress: logProgress });
  } finally {
    model.dispose();
  }
}

async function runSweepInNode(options: BenchCliOptions): Promise<number> {
  if (options.sweep!.plot !== null) {
    await plotSweep(options.sweep!.plot, options.sweep!.out, log);
    return 0;
  }
  const shape = shapeRequestFromEnv();
  if (shape === null) {
    const points = await runSweep(options, log);
    if (options.json) for (const p of points) process.stdout.write(`${JSON.stringify(p)}\n`);
    return 0;
  }
  // A sweep's child: one benchmark at its shape, records on stdout for the parent.
  const records = await runInNode({ ...options, batch: shape.batch, seq: shape.seq, methods: shape.methods });
  for (const r of records) process.stdout.write(`${JSON.stringify(r)}\n`);
  return 0;
}

async function openModel(options: BenchCliOptions): Promise<Model> {
  if (isBenchPresetName(options.model)) {
    const started = performance.now();
    const model = presetModel(benchPreset(options.model), options.seed);
    log(`random-init weights in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return model;
  }
  return loadModel(new DirectorySource(options.model), { seed: options.seed });
}

function logProgress(p: BenchProgress): void {
  log(`${p.phase} ${p.done}/${p.total} (${p.method})`);
}

function threadsText(threads: number | null): string {
  return threads === null ? '' : `, ${threads} thread${threads === 1 ? '' : 's'}`;
}

function printRecords(records: BenchRecord[], options: BenchCliOptions): void {
  const first = records[0];
  log(
    `\n${first.model} on ${first.backend}${first.device ? ` (${first.device})` : ''}${threadsText(first.threads)}: batch ${first.batch}` +
      `${first.seq !== null ? ` × ${first.seq} tokens` : ' images'}, rank ${first.rank}, ` +
      `${first.steps} measured steps after ${first.warmup} warm-up, read-back every ${first.readback_every}` +
      `${first.checkpointing ? ', activation checkpointing' : ''}`,
  );
  if (options.profile) {
    for (const r of records) log(`\nkernels of one ${r.method} step:\n${formatKernels(r.kernels ?? [])}`);
  }
  if (options.json) {
    for (const r of records) process.stdout.write(`${JSON.stringify(r)}\n`);
    return;
  }
  process.stdout.write(`${formatTable(records)}\n`);
}

runCli({ name: 'bench', usage: `${BENCH_USAGE}\n${GENERATE_USAGE}` }, main);
