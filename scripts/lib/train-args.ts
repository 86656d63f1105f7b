/**
 * Command-line options of `npm run train`, parsed strictly (scripts/lib/cli.ts):
 * an unknown option, a missing value or a malformed number is a UsageError
 * saying which.
 */
import { hasAuthorsFormat } from '../../src/engine/adapters/handoff/export-kinds';
import { DEFAULT_MAX_BUNDLE_DATA_BYTES } from '../../src/engine/adapters/handoff/pytorch-bundle';
import type { AdapterMethodName, AdapterSettings, TargetSpec } from '../../src/engine/adapters/types';
import { isScheduleName } from '../../src/engine/train/schedule';
import { MEMORY_OPTIONS, STOPPING_OPTIONS, type TrainSettings } from '../../src/engine/train/settings';
import { parseRankList, sweepMethodsProblem } from '../../src/engine/train/sweep';
import { errorMessage } from '../../src/engine/errors';
import { asUsage, numberOption as number, parseCommandLine, UsageError } from './cli';
import { methodFlagSpecs, methodHelp, parseMethodFlags, parseMethodName, parseTargetsFlag } from './method-flags';
import { parseCliBackend, type CliBackend } from './node-backend';

export { UsageError };

const BUNDLE_DATA_MIB = DEFAULT_MAX_BUNDLE_DATA_BYTES / 2 ** 20;

/** What --bundle makes of --out: only the "Continue in PyTorch" bundle so far. */
export const BUNDLE_KINDS = ['pytorch'] as const;

export const USAGE = `usage: npm run train -- --model <dir|hub-id> --data <file|dir> --method <name> [options]
       npm run train -- --model <dir|hub-id> --data <file|dir> --method <name,name…> --sweep-ranks <r,r…> --csv <file> [options]

model and data
  --model <dir|id>       a checkpoint folder, or a Hugging Face repo id (a path that exists wins;
                         HF_ENDPOINT and HF_TOKEN are honoured, as by huggingface_hub)
  --revision <rev>       Hub branch, tag or commit (default main)
  --data <file|dir>      training data: .txt .jsonl .json .csv, images in class folders, .zip; repeatable
  --val-data <file|dir>  validation data (default: split off --val-fraction of --data, or the data's own val/ split)
  --val-fraction <f>     share of the data held out for validation when no split is given (default 0.1)
  --seq-length <n>       tokens per sequence for language models (default min(128, the model's context))

method (each method's options and defaults per task: src/engine/adapters/<method>/method.ts)
${methodHelp()}

training
  --steps <n> | --epochs <e>   length of the run (default 1 epoch)
  --batch <b>            samples per micro-batch (default 8)
  --accumulation <k>     micro-batches per optimizer step (default 1)
  --lr <lr>              peak learning rate (default: the method's for the model's task, above)
  --schedule <s>         constant, linear or cosine (default linear)
  --warmup <w>           warm-up steps (default 0)   --warmup-ratio <f>  warm-up as a share of the run
  --weight-decay <wd>    AdamW weight decay (default 0)
  --max-grad-norm <n>    global-norm clipping, 0 for none (default 1)
  --seed <s>             seeds batch order, split and adapter initialisation (default 42)
  --eval-every <n>       evaluate every n steps (default: before and after training only)
${stoppingHelp()}
  --readback-every <n>   read the loss from the device every n steps (default 10)

sweep (every method at every rank, with the same data, steps, settings and seed)
  --sweep-ranks <list>   comma-separated ranks, e.g. 1,2,4,8; --method may then list several methods with a
                         rank (e.g. wegeft,lora), and each method's α keeps its default α / r unless --alpha is given
  --csv <file>           write one CSV row per run: method, rank, alpha, trainable_parameters, metric_name,
                         metric (final validation accuracy or perplexity), base_metric, validation_loss, steps,
                         step_ms (median per step), throughput, peak_bytes, seed

output
  --out <dir>            write adapter_config.json and adapter_model.safetensors there
                         (in a sweep: one folder per run inside it, <method>-r<rank>)
  --adapter-format <f>   ours (default) or authors: WeGeFT in its authors' fork of PEFT (peft_type "WeGeFT",
                         savadikarc/gift), which wraps nn.Linear only (not GPT-2's Conv1D)
  --bundle ${BUNDLE_KINDS.join('|').padEnd(14)}make --out the complete "Continue in PyTorch" bundle: the adapter files (adapter/), run.json
                         (the run's settings), train.py, wegeft.py for WeGeFT, requirements.txt, accelerate_config.yaml,
                         the data (up to ${BUNDLE_DATA_MIB} MiB; above, README.md says to pass train.py --data) and README.md
  --backend <b>          auto (default: WebGPU on a hardware adapter, else wasm), cpu, wasm or webgpu
  --json                 print one JSON line of results on stdout at the end (in a sweep: one per run, with its rank)
`;

export interface TrainCliOptions {
  model: string;
  revision?: string;
  data: string[];
  valData: string[];
  valFraction: number;
  seqLength?: number;
  method: AdapterMethodName;
  /** The method's options given on the command line; the method's defaults fill the rest. */
  methodOptions: Partial<AdapterSettings>;
  /** Only what was given; the engine's defaults fill the rest. */
  train: Partial<TrainSettings>;
  /** With --sweep-ranks: every method listed (the first is `method`) with its options, and the ranks; else null. */
  sweep: { ranks: number[]; methods: { method: AdapterMethodName; options: Partial<AdapterSettings> }[] } | null;
  /** --csv: where to write one row per run. */
  csv?: string;
  out?: string;
  /** --adapter-format: the format --out writes WeGeFT in. */
  adapterFormat: 'ours' | 'authors';
  /** --bundle pytorch: --out becomes the "Continue in PyTorch" bundle; null: the adapter files alone. */
  bundle: (typeof BUNDLE_KINDS)[number] | null;
  backend: CliBackend;
  json: boolean;
  /** --memory-budget: the memory planner's total budget, MB (absent: the backend's). */
  memoryBudgetMB?: number;
}

const OPTIONS = {
  model: { type: 'string' },
  revision: { type: 'string' },
  data: { type: 'string', multiple: true },
  'val-data': { type: 'string', multiple: true },
  'val-fraction': { type: 'string' },
  'seq-length': { type: 'string' },
  method: { type: 'string' },
  steps: { type: 'string' },
  epochs: { type: 'string' },
  batch: { type: 'string' },
  accumulation: { type: 'string' },
  lr: { type: 'string' },
  schedule: { type: 'string' },
  warmup: { type: 'string' },
  'warmup-ratio': { type: 'string' },
  'weight-decay': { type: 'string' },
  'max-grad-norm': { type: 'string' },
  seed: { type: 'string' },
  'eval-every': { type: 'string' },
  'readback-every': { type: 'string' },
  [STOPPING_OPTIONS.patience.flag]: { type: 'string' },
  [STOPPING_OPTIONS.keepBest.flag]: { type: 'boolean', default: false },
  [MEMORY_OPTIONS.checkpointing.flag]: { type: 'boolean', default: false },
  'memory-budget': { type: 'string' },
  'sweep-ranks': { type: 'string' },
  csv: { type: 'string' },
  out: { type: 'string' },
  'adapter-format': { type: 'string', default: 'ours' },
  bundle: { type: 'string' },
  backend: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

/** The options of a train command line (`--help` is answered before, by runCli). */
export function parseTrainArgs(argv: string[]): TrainCliOptions {
  const { values } = parseCommandLine(argv, { ...OPTIONS, ...methodFlagSpecs() });
  if (!values.model) throw new UsageError('--model is required');
  if (!values.data || values.data.length === 0) throw new UsageError('--data is required');
  const names = values.method?.includes(',') ? values.method.split(',').map((m) => m.trim()) : [values.method];
  const methods = names.map((name) => parseMethodName(name));
  const sweep = parseSweep(values['sweep-ranks'], methods, values);
  const method = methods[0];
  if (values.steps !== undefined && values.epochs !== undefined) throw new UsageError('give --steps or --epochs, not both');
  const backend: CliBackend = asUsage(() => parseCliBackend(values.backend));
  const valFraction = number('--val-fraction', values['val-fraction'], { min: 0, below: 1 }) ?? 0.1;
  const adapterFormat = parseAdapterFormat(values['adapter-format'], methods, values.out);
  return {
    model: values.model,
    revision: values.revision,
    data: values.data,
    valData: values['val-data'] ?? [],
    valFraction,
    seqLength: number('--seq-length', values['seq-length'], { integer: true, min: 2 }),
    method,
    methodOptions: sweep ? sweep.methods[0].options : parseMethodFlags(method, values),
    train: trainSettings(values),
    sweep,
    csv: values.csv,
    out: values.out,
    adapterFormat,
    bundle: parseBundle(values.bundle, values.out, sweep !== null),
    backend,
    json: values.json,
    memoryBudgetMB: number('--memory-budget', values['memory-budget'], { above: 0 }),
  };
}

/** --sweep-ranks's list with the methods of --method, each of which must have a rank; null without a sweep. */
function parseSweep(list: string | undefined, methods: AdapterMethodName[], values: Record<string, unknown>): TrainCliOptions['sweep'] {
  if (list === undefined) {
    if (methods.length > 1) throw new UsageError(`--method lists ${methods.length} methods: give --sweep-ranks to train each at several ranks`);
    return null;
  }
  let ranks: number[];
  try {
    ranks = parseRankList(list);
  } catch (error) {
    throw new UsageError(`--sweep-ranks: ${errorMessage(error)}`);
  }
  if (values.rank !== undefined) throw new UsageError('give --rank or --sweep-ranks, not both');
  const problem = sweepMethodsProblem(methods);
  if (problem) throw new UsageError(`--sweep-ranks: ${problem}`);
  return { ranks, methods: methods.map((method) => ({ method, options: parseMethodFlags(method, values) })) };
}

function trainSettings(values: Record<string, string | boolean | string[] | undefined>): Partial<TrainSettings> {
  const { patience, keepBest } = STOPPING_OPTIONS;
  const get = (name: string) => values[name] as string | undefined;
  const schedule = get('schedule');
  if (schedule !== undefined && !isScheduleName(schedule)) {
    throw new UsageError(`--schedule must be constant, linear or cosine, got "${schedule}"`);
  }
  const maxGradNorm = number('--max-grad-norm', get('max-grad-norm'), { min: 0 });
  const settings: Partial<TrainSettings> = {
    steps: number('--steps', get('steps'), { integer: true, min: 1 }),
    epochs: number('--epochs', get('epochs'), { above: 0 }),
    batchSize: number('--batch', get('batch'), { integer: true, min: 1 }),
    gradientAccumulation: number('--accumulation', get('accumulation'), { integer: true, min: 1 }),
    learningRate: number('--lr', get('lr'), { above: 0 }),
    schedule,
    warmupSteps: number('--warmup', get('warmup'), { integer: true, min: 0 }),
    warmupRatio: number('--warmup-ratio', get('warmup-ratio'), { min: 0, max: 1 }),
    weightDecay: number('--weight-decay', get('weight-decay'), { min: 0 }),
    maxGradNorm: maxGradNorm === 0 ? null : maxGradNorm,
    seed: number('--seed', get('seed'), { integer: true, min: 0 }),
    evalEvery: number('--eval-every', get('eval-every'), { integer: true, min: 0 }),
    lossReadbackEvery: number('--readback-every', get('readback-every'), { integer: true, min: 1 }),
    patience: number(`--${patience.flag}`, get(patience.flag), { integer: true, min: patience.min, max: patience.max }),
    keepBest: values[keepBest.flag] === true ? true : undefined,
    checkpointing: values[MEMORY_OPTIONS.checkpointing.flag] === true ? true : undefined,
  };
  return Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)) as Partial<TrainSettings>;
}

/** The --help lines of the early-stopping options, from their declaration (src/engine/train/settings.ts). */
function stoppingHelp(): string {
  const { patience, keepBest } = STOPPING_OPTIONS;
  return [
    `  --${patience.flag} <n>`.padEnd(25) + `${patience.help.replace('"Evaluate every"', '--eval-every').replace(/\.$/, '')} [${patience.min}, ${patience.max}]`,
    `  --${keepBest.flag}`.padEnd(25) + keepBest.help.replace(/\.$/, ''),
    `  --${MEMORY_OPTIONS.checkpointing.flag}`.padEnd(25) + MEMORY_OPTIONS.checkpointing.help.replace(/\.$/, ''),
    `  --memory-budget <MB>`.padEnd(25) + "refuse a run whose estimated peak memory exceeds this (default: the backend's: WASM's 4 GiB heap, else 4 GiB)",
  ].join('\n');
}

/** `all-linear`, `re:<pattern>`, or a comma-separated list of module-name suffixes. */
export function parseTargets(value: string): TargetSpec {
  return parseTargetsFlag(value);
}

/** --adapter-format: "authors" is WeGeFT's alone, and means something only with --out. */
function parseAdapterFormat(value: string | undefined, methods: AdapterMethodName[], out: string | undefined): 'ours' | 'authors' {
  if (value === undefined || value === 'ours') return 'ours';
  if (value !== 'authors') throw new UsageError(`--adapter-format must be ours or authors, got "${value}"`);
  const other = methods.find((m) => !hasAuthorsFormat(m));
  if (other) throw new UsageError(`--adapter-format authors is for WeGeFT only (its authors' fork of PEFT); --method ${other} has no such format`);
  if (out === undefined) throw new UsageError('--adapter-format authors needs --out <dir> (it is the format of the files written there)');
  return 'authors';
}

/** --bundle: a kind of bundle, written into --out, for one run (a sweep writes one folder per run). */
function parseBundle(value: string | undefined, out: string | undefined, sweep: boolean): TrainCliOptions['bundle'] {
  if (value === undefined) return null;
  const kind = BUNDLE_KINDS.find((k) => k === value);
  if (!kind) throw new UsageError(`--bundle must be ${BUNDLE_KINDS.join(' or ')}, got "${value}"`);
  if (out === undefined) throw new UsageError(`--bundle ${kind} needs --out <dir> (the bundle is written there)`);
  if (sweep) throw new UsageError(`--bundle ${kind} is for one run, not a sweep (--sweep-ranks)`);
  return kind;
}
