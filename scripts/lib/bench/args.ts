/**
 * Command-line options of `npm run bench`, parsed strictly (scripts/lib/cli.ts):
 * an unknown option, a missing value or a malformed number is a UsageError
 * saying which.
 */
import { BENCH_DEFAULT_METHODS, isMethodName, METHOD_NAMES, methodsWithOption, RIVAL_METHOD } from '../../../src/engine/adapters/methods';
import type { AdapterMethodName } from '../../../src/engine/adapters/types';
import type { BenchOptions } from '../../../src/engine/bench/benchmark';
import { BENCH_PRESETS } from '../../../src/engine/bench/presets';
import { MEMORY_OPTIONS } from '../../../src/engine/train/settings';
import { asUsage, numberOption, parseCommandLine, UsageError } from '../cli';
import { parseBackend, type NodeBackend } from '../node-backend';

export { UsageError };

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
  --json                 one JSON line per method on stdout
`;

export type BenchBackend = NodeBackend | 'webgl';

export interface BenchCliOptions extends BenchOptions {
  backend: BenchBackend;
  /** Run in headless Chromium (bench.html) instead of Node. */
  browser: boolean;
  /** One JSON line per method on stdout. */
  json: boolean;
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
} as const;

/** The options of a bench command line (`--help` is answered before, by runCli). */
export function parseBenchArgs(argv: string[]): BenchCliOptions {
  const values: Record<string, string | boolean | undefined> = parseCommandLine(argv, OPTIONS).values;
  const text = (name: string) => values[name] as string | undefined;
  const browser = values.browser === true;
  const backend = parseBenchBackend(text('backend'), browser);
  const options: BenchCliOptions = {
    model: text('model') ?? 'gpt2-tiny',
    methods: parseMethods(text('methods')),
    rank: wholeNumber('--rank', text('rank'), 1) ?? 16,
    alpha: positiveNumber('--alpha', text('alpha')),
    batch: wholeNumber('--batch', text('batch'), 1),
    seq: wholeNumber('--seq', text('seq'), 2),
    steps: wholeNumber('--steps', text('steps'), 1) ?? 10,
    warmup: wholeNumber('--warmup', text('warmup'), 0) ?? 2,
    readbackEvery: wholeNumber('--readback-every', text('readback-every'), 1) ?? (backend === 'webgpu' ? 5 : 1),
    backend,
    browser,
    profile: values.profile === true,
    checkpointing: values[MEMORY_OPTIONS.checkpointing.flag] === true,
    seed: wholeNumber('--seed', text('seed'), 0) ?? 42,
    json: values.json === true,
  };
  return options;
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

function parseMethods(value: string | undefined): AdapterMethodName[] {
  if (value === undefined) return [...DEFAULT_METHODS];
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
