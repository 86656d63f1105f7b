/**
 * The demos of `npm run demo`: which bundled model is fine-tuned on which
 * bundled dataset, with which settings, and what result is expected.
 */
import * as path from 'node:path';
import { listMethodNames, METHOD_NAMES, methodSpec, STUDIED_METHOD } from '../../src/engine/adapters/methods';
import type { AdapterMethodName } from '../../src/engine/adapters/types';
import { asUsage, numberOption, parseCommandLine, UsageError } from './cli';
import { parseMethodName } from './method-flags';
import { parseBackend } from './node-backend';
import type { TrainReport } from './train-report';

export type DemoName = 'vit' | 'lm';

export interface Demo {
  /** Checkpoint folder, relative to the project root. */
  model: string;
  /** Training data and held-out data, relative to the project root. */
  data: string;
  valData?: string;
  metric: 'accuracy' | 'perplexity';
  /**
   * Train CLI settings; --steps, --batch, --seed given to the demo replace
   * them. The rank, alpha and learning rate are the method's defaults for
   * the task (src/engine/adapters/<method>/method.ts: WeGeFT's are the ones
   * the demos measured), unless --rank or --lr is given.
   */
  settings: { steps: number; batch: number; schedule: string; warmup: number; seed: number };
  /** Targets (the train CLI's --targets) for every method that has targets; the method's default when absent. */
  targets?: string;
}

export const DEMOS: Record<DemoName, Demo> = {
  vit: {
    model: 'public/models/vit-tiny-fashion-mnist',
    // Its train/ and val/ class folders: the train CLI holds out val/.
    data: 'public/datasets/digits',
    metric: 'accuracy',
    // Measured (docs/pretraining.md), chosen on the first checkpoint: the family default (attention
    // output only) reached 0.44 after 150 steps, all-linear 0.73 after 600: the Fashion-MNIST features
    // need more than the attention output to read digits. The current checkpoint reaches 0.87.
    // WeGeFT's image-classifier defaults are these runs' rank 16 and lr 5e-3; full fine-tuning's lr 5e-4 reached 0.855.
    settings: { steps: 600, batch: 32, schedule: 'cosine', warmup: 10, seed: 42 },
    targets: 'all-linear',
  },
  lm: {
    model: 'public/models/gpt2-tiny-moby-brown',
    data: 'public/datasets/sotu.txt',
    valData: 'public/datasets/sotu.val.txt',
    metric: 'perplexity',
    // Measured (docs/pretraining.md): 80 steps at lr 3e-3 lowered perplexity 6.3%, 200 at 1e-2 11.7%
    // (WeGeFT rank 16, alpha 32: its language-model defaults now).
    settings: { steps: 200, batch: 8, schedule: 'cosine', warmup: 5, seed: 42 },
  },
};

/** What each demo is expected to reach (the issue's contract). */
export const EXPECTATIONS = {
  /** Held-out digit accuracy after fine-tuning. */
  minAccuracy: 0.85,
  /** Held-out perplexity must fall at least this fraction below the base model's. */
  minPerplexityDrop: 0.1,
} as const;

export interface DemoOptions {
  demo: DemoName;
  method: AdapterMethodName;
  json: boolean;
  backend: string;
  steps?: number;
  lr?: number;
  rank?: number;
  batch?: number;
  seed?: number;
}

export const DEMO_USAGE = `usage: npm run demo -- vit|lm [--method wegeft] [--json] [options]

Fine-tunes a bundled model on its bundled demo dataset with the train CLI and
prints the held-out metric of the base model and of the fine-tuned one.

  vit   ViT pretrained on Fashion-MNIST → MNIST digits (accuracy; expected ≥ ${EXPECTATIONS.minAccuracy})
  lm    GPT-2 pretrained on Moby Dick + Brown → State of the Union speeches
        (perplexity; expected to fall ≥ ${EXPECTATIONS.minPerplexityDrop * 100}%)

options:
  --method M    ${STUDIED_METHOD.name} (default), ${listMethodNames(METHOD_NAMES.filter((m) => m !== STUDIED_METHOD.name))}
  --json        end with one JSON line: the train CLI's report (base_eval, final_eval, ...)
                plus demo, model, data, wall_seconds and expectation
  --steps N  --batch B  --seed S   replace the demo's settings
  --lr LR  --rank R   replace the method's defaults (methods with a rank only for --rank)
  --backend B   wasm (default), cpu or webgpu
`;

const OPTIONS = {
  method: { type: 'string' },
  json: { type: 'boolean' },
  backend: { type: 'string' },
  steps: { type: 'string' },
  lr: { type: 'string' },
  rank: { type: 'string' },
  batch: { type: 'string' },
  seed: { type: 'string' },
} as const;

/** The options of a demo command line (`--help` is answered before, by runCli). */
export function parseDemoArgs(argv: string[]): DemoOptions {
  const { values, positionals } = parseCommandLine(argv, OPTIONS, true);
  const [demo, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (demo !== 'vit' && demo !== 'lm') throw new UsageError(`say which demo: vit or lm${demo ? ` (got "${demo}")` : ''}`);
  const method = parseMethodName(values.method ?? STUDIED_METHOD.name);
  const whole = (name: 'steps' | 'rank' | 'batch') => numberOption(`--${name}`, values[name], { integer: true, min: 1 });
  return {
    demo,
    method,
    json: values.json === true,
    backend: values.backend === undefined ? 'wasm' : asUsage(() => parseBackend(values.backend)),
    steps: whole('steps'),
    lr: numberOption('--lr', values.lr, { above: 0 }),
    rank: whole('rank'),
    batch: whole('batch'),
    seed: numberOption('--seed', values.seed, { integer: true, min: 0 }),
  };
}

/** The train CLI's arguments for a demo (without --json, which the runner adds). */
export function demoTrainArgs(demo: Demo, options: DemoOptions, root: string): string[] {
  const s = demo.settings;
  const args = ['--model', path.join(root, demo.model), '--data', path.join(root, demo.data)];
  if (demo.valData) args.push('--val-data', path.join(root, demo.valData));
  args.push('--method', options.method);
  const { options: declared } = methodSpec(options.method);
  if (options.rank !== undefined) {
    if (!('rank' in declared)) throw new UsageError(`--rank is not an option of ${methodSpec(options.method).label}`);
    args.push('--rank', String(options.rank));
  }
  if (demo.targets && 'targets' in declared) args.push('--targets', demo.targets);
  if (options.lr !== undefined) args.push('--lr', String(options.lr));
  args.push(
    '--steps', String(options.steps ?? s.steps),
    '--batch', String(options.batch ?? s.batch),
    '--schedule', s.schedule,
    '--warmup', String(Math.min(s.warmup, Math.max(0, (options.steps ?? s.steps) - 1))),
    '--seed', String(options.seed ?? s.seed),
    '--backend', options.backend,
  );
  return args;
}

export interface DemoVerdict {
  metric: 'accuracy' | 'perplexity';
  base: number;
  final: number;
  /** The expectation in words. */
  description: string;
  met: boolean;
}

export function judgeDemo(demo: Demo, report: TrainReport): DemoVerdict {
  if (!report.base_eval || !report.final_eval) throw new Error('the train CLI reported no held-out evaluation');
  const read = (e: NonNullable<TrainReport['base_eval']>) => {
    const value = (e as Record<string, number>)[demo.metric];
    if (typeof value !== 'number') throw new Error(`the train CLI's evaluation has no ${demo.metric}`);
    return value;
  };
  const base = read(report.base_eval);
  const final = read(report.final_eval);
  if (demo.metric === 'accuracy') {
    return { metric: 'accuracy', base, final, description: `accuracy ≥ ${EXPECTATIONS.minAccuracy}`, met: final >= EXPECTATIONS.minAccuracy };
  }
  const drop = (base - final) / base;
  return {
    metric: 'perplexity',
    base,
    final,
    description: `perplexity ${(drop * 100).toFixed(1)}% lower (≥ ${EXPECTATIONS.minPerplexityDrop * 100}% expected)`,
    met: drop >= EXPECTATIONS.minPerplexityDrop,
  };
}
