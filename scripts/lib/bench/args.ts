/**
 * Command-line options of `npm run bench`, parsed strictly (scripts/lib/cli.ts):
 * an unknown option, a missing value or a malformed number is a UsageError
 * saying which.
 */
import { BENCH_DEFAULT_METHODS, isMethodName, METHOD_NAMES, methodsWithOption, RIVAL_METHOD, STUDIED_METHOD } from '../../../src/engine/adapters/methods';
import type { AdapterMethodName } from '../../../src/engine/adapters/types';
import type { BenchOptions } from '../../../src/engine/bench/benchmark';
import { BENCH_PRESETS } from '../../../src/engine/bench/presets';
import { MEMORY_OPTIONS } from '../../../src/engine/train/settings';
import { asUsage, numberOption, parseCommandLine, UsageError } from '../cli';
import { parseBackend, type NodeBackend } from '../node-backend';

export { UsageError };

export const SWEEP_DEFAULT_SEQS = [64, 128, 256, 512, 1024];
export const SWEEP_DEFAULT_BATCHES = [1, 2, 4, 8, 16, 32];
/** The method under study and its rival (the registry's roles). */
export const SWEEP_DEFAULT_METHODS: readonly AdapterMethodName[] = [STUDIED_METHOD.name, RIVAL_METHOD.name] as AdapterMethodName[];
export const SWEEP_DEFAULT_STEPS = 2;
export const SWEEP_DEFAULT_WARMUP = 1;
export const SWEEP_DEFAULT_OUT = 'docs/images';

export const BENCH_USAGE = `usage: npm run bench -- [options]

Times the real training step of each method on one model, side by side in one
process (interleaved), and reports trainable parameters, median step time,
throughput, peak memory and the ratios against ${RIVAL_METHOD.label}. Methods share the
comparison's rank, alpha and targets where they have them; everything else
(the learning rate included) is each method's default for the model's task.

  --model <preset|dir>   a preset with random-init weights, or a checkpoint folder (default gpt2-tiny)
                         presets: ${BENCH_PRESETS.map((p) => p.name).join(', ')}
  --methods <list>       comma-separated: ${METHOD_NAMES.join(', ')} (default ${BENCH_DEFAULT_METHODS.join(',')})
  --rank <r>             the rank of ${methodsWithOption('rank').map((m) => m.name).join(', ')}, all on every attention and MLP linear layer (default 16)
  --alpha <a>            the alpha of ${methodsWithOption('alpha').map((m) => m.name).join(', ')} (default: the rank, a scaling of 1)
  --batch <b>            samples per step (default: the preset's; 8 tokens sequences or 16 images for a folder)
  --seq <t>              tokens per sequence, language models (default: the preset's; min(128, context) for a folder)
  --steps <n>            measured steps per method (default 10)
  --warmup <w>           unmeasured steps per method first (default 2)
  --readback-every <n>   steps per timed window, each ending with the loss read-back
                         (default 1 on cpu and wasm, 5 on webgpu); steps and warm-up round up to whole windows
  --backend <b>          cpu, wasm (default) or webgpu; with --browser also webgl (default webgpu)
  --browser              run in headless Chromium (the bench.html page) instead of Node
  --profile              add each method's per-kernel breakdown of one step (tf.profile)
  --${MEMORY_OPTIONS.checkpointing.flag}        ${MEMORY_OPTIONS.checkpointing.label.toLowerCase()} per block (recompute each block in the backward pass)
  --seed <s>             weights, data and adapters (default 42)
  --threads <n>          WASM kernel threads, with --browser --backend wasm (default: one per core;
                         Node's tfjs-wasm runs one thread)
  --json                 one JSON line per method on stdout (with --sweep: per method and shape)

Scaling sweep (Node): step time and peak memory against sequence length and batch size
  --sweep                measure the grid below and draw it (default model gpt2-124m, methods
                         ${SWEEP_DEFAULT_METHODS.join(',')}, ${SWEEP_DEFAULT_STEPS} measured steps after ${SWEEP_DEFAULT_WARMUP} warm-up at each shape)
  --sweep-seq <list>     sequence lengths, at the smallest batch (default ${SWEEP_DEFAULT_SEQS.join(',')})
  --sweep-batch <list>   batch sizes, at the shortest sequence (default ${SWEEP_DEFAULT_BATCHES.join(',')})
  --out <dir>            where the sweep writes bench-sweep.json, bench-sweep.csv,
                         bench-sweep-seq.png and bench-sweep-batch.png (default ${SWEEP_DEFAULT_OUT})
  --sweep-plot <json>    measure nothing: draw the two PNGs again from a sweep's bench-sweep.json
`;

/** `--sweep`: the grid and where its files go. */
export interface SweepCliOptions {
  seqs: number[];
  batches: number[];
  /** A folder, relative to the working directory. */
  out: string;
  /** A saved bench-sweep.json to draw again, measuring nothing; null: measure. */
  plot: string | null;
}

export type BenchBackend = NodeBackend | 'webgl';

export interface BenchCliOptions extends BenchOptions {
  backend: BenchBackend;
  /** Run in headless Chromium (bench.html) instead of Node. */
  browser: boolean;
  /** One JSON line per method on stdout. */
  json: boolean;
  /** WASM kernel threads in the browser; undefined: one per core. */
  threads?: number;
  /** The scaling sweep instead of one benchmark; null without --sweep. */
  sweep: SweepCliOptions | null;
}

export const DEFAULT_METHODS: readonly AdapterMethodName[] = BENCH_DEFAULT_METHODS;

const OPTIONS = {
  model: { type: 'string' },
  methods: { type: 'string' },
  rank: { type: 'string' },
  alpha: { type: 'string' },
  batch: { type: 'string' },
  seq: { type: 'string' },
  steps: { type: 'string' },
  warmup: { type: 'string' },
  'readback-every': { type: 'string' },
  backend: { type: 'string' },
  browser: { type: 'boolean' },
  profile: { type: 'boolean' },
  [MEMORY_OPTIONS.checkpointing.flag]: { type: 'boolean' },
  seed: { type: 'string' },
  json: { type: 'boolean' },
  threads: { type: 'string' },
  sweep: { type: 'boolean' },
  'sweep-seq': { type: 'string' },
  'sweep-batch': { type: 'string' },
  'sweep-plot': { type: 'string' },
  out: { type: 'string' },
} as const;

/** The options of a bench command line (`--help` is answered before, by runCli). */
export function parseBenchArgs(argv: string[]): BenchCliOptions {
  const values: Record<string, string | boolean | undefined> = parseCommandLine(argv, OPTIONS).values;
  const text = (name: string) => values[name] as string | undefined;
  const browser = values.browser === true;
  const backend = parseBenchBackend(text('backend'), browser);
  const sweep = parseSweep(values, browser);
  const options: BenchCliOptions = {
    model: text('model') ?? (sweep ? 'gpt2-124m' : 'gpt2-tiny'),
    methods: parseMethods(text('methods')) ?? [...(sweep ? SWEEP_DEFAULT_METHODS : DEFAULT_METHODS)],
    rank: wholeNumber('--rank', text('rank'), 1) ?? 16,
    alpha: positiveNumber('--alpha', text('alpha')),
    batch: wholeNumber('--batch', text('batch'), 1),
    seq: wholeNumber('--seq', text('seq'), 2),
    steps: wholeNumber('--steps', text('steps'), 1) ?? (sweep ? SWEEP_DEFAULT_STEPS : 10),
    warmup: wholeNumber('--warmup', text('warmup'), 0) ?? (sweep ? SWEEP_DEFAULT_WARMUP : 2),
    readbackEvery: wholeNumber('--readback-every', text('readback-every'), 1) ?? (backend === 'webgpu' ? 5 : 1),
    backend,
    browser,
    profile: values.profile === true,
    checkpointing: values[MEMORY_OPTIONS.checkpointing.flag] === true,
    seed: wholeNumber('--seed', text('seed'), 0) ?? 42,
    json: values.json === true,
    threads: parseThreads(text('threads'), backend, browser),
    sweep,
  };
  return options;
}

/** A comma-separated list of whole numbers ≥ `min`, each once. */
export function parseNumberList(option: string, value: string, min: number): number[] {
  const items = value.split(',').map((v) => v.trim());
  if (items.some((v) => v === '')) throw new UsageError(`${option}: an empty item in "${value}" (a comma-separated list such as 64,128)`);
  const numbers = items.map((v) => wholeNumber(option, v, min)!);
  const repeated = numbers.filter((n, i) => numbers.indexOf(n) !== i);
  if (repeated.length > 0) throw new UsageError(`${option} names ${repeated.join(', ')} more than once`);
  return numbers;
}

function parseSweep(values: Record<string, string | boolean | undefined>, browser: boolean): SweepCliOptions | null {
  const sweepOnly = ['sweep-seq', 'sweep-batch', 'out', 'sweep-plot'].filter((name) => values[name] !== undefined);
  if (values.sweep !== true) {
    if (sweepOnly.length > 0) throw new UsageError(`--${sweepOnly[0]} needs --sweep`);
    return null;
  }
  if (browser) throw new UsageError('--sweep runs in Node only (without --browser)');
  // The sweep's grid sets the shapes; one --batch or --seq would contradict it.
  for (const name of ['batch', 'seq', 'profile']) {
    if (values[name] !== undefined) throw new UsageError(`--${name} does not go with --sweep (the grid is --sweep-seq and --sweep-batch)`);
  }
  const list = (name: string, fallback: number[], min: number) => {
    const value = values[name] as string | undefined;
    return value === undefined ? [...fallback] : parseNumberList(`--${name}`, value, min);
  };
  return {
    seqs: list('sweep-seq', SWEEP_DEFAULT_SEQS, 2),
    batches: list('sweep-batch', SWEEP_DEFAULT_BATCHES, 1),
    out: (values.out as string | undefined) ?? SWEEP_DEFAULT_OUT,
    plot: (values['sweep-plot'] as string | undefined) ?? null,
  };
}

function parseThreads(value: string | undefined, backend: BenchBackend, browser: boolean): number | undefined {
  // tfjs builds a pool of at most 8 (src/engine/backend.ts).
  const threads = numberOption('--threads', value, { integer: true, min: 1, max: 8 });
  if (threads === undefined) return undefined;
  if (backend !== 'wasm') throw new UsageError(`--threads is for the wasm backend, not ${backend}`);
  if (!browser && threads > 1) {
    throw new UsageError("--threads above 1 needs --browser: Node's tfjs-wasm runs one thread (threads need a cross-origin isolated page)");
  }
  return threads;
}

function parseBenchBackend(value: string | undefined, browser: boolean): BenchBackend {
  if (browser) {
    const backend = value ?? 'webgpu';
    if (!['cpu', 'wasm', 'webgpu', 'webgl'].includes(backend)) {
      throw new UsageError(`--backend must be cpu, wasm, webgpu or webgl in the browser, got "${backend}"`);
    }
    return backend as BenchBackend;
  }
  // Node: wasm unless told (plain-JavaScript cpu is about 20× slower); a benchmark names its backend, so no auto.
  return asUsage(() => parseBackend(value ?? 'wasm'));
}

function parseMethods(value: string | undefined): AdapterMethodName[] | undefined {
  if (value === undefined) return undefined;
  const names = value.split(',').map((m) => m.trim()).filter((m) => m !== '');
  if (names.length === 0) throw new UsageError('--methods is empty');
  for (const name of names) {
    if (!isMethodName(name)) {
      throw new UsageError(`--methods: unknown method "${name}" (known: ${METHOD_NAMES.join(', ')})`);
    }
  }
  const repeated = names.filter((m, i) => names.indexOf(m) !== i);
  if (repeated.length > 0) throw new UsageError(`--methods names ${repeated.join(', ')} more than once`);
  return names as AdapterMethodName[];
}

function wholeNumber(name: string, value: string | undefined, min: number): number | undefined {
  return numberOption(name, value, { integer: true, min });
}

function positiveNumber(name: string, value: string | undefined): number | undefined {
  return numberOption(name, value, { above: 0 });
}
