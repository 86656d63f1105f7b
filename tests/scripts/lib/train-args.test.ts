/** The train CLI's options: parsed strictly, with only what was given passed on. */
import { describe, expect, it } from 'vitest';
import { parseTargets, parseTrainArgs, UsageError } from '../../../scripts/lib/train-args';
import type { OptionSpec } from '../../../src/engine/adapters/common/method-spec';
import { METHOD_SPECS } from '../../../src/engine/adapters/methods';

const required = ['--model', 'm', '--data', 'd.txt', '--method', 'wegeft'];

function options(args: string[]) {
  return parseTrainArgs([...required, ...args]);
}

describe('parseTrainArgs', () => {
  it('passes on only the training settings given', () => {
    const o = options(['--steps', '20', '--batch', '4', '--lr', '2e-4', '--schedule', 'cosine', '--warmup', '3', '--max-grad-norm', '0']);
    expect(o.train).toEqual({ steps: 20, batchSize: 4, learningRate: 2e-4, schedule: 'cosine', warmupSteps: 3, maxGradNorm: null });
    expect(o).toMatchObject({ model: 'm', data: ['d.txt'], valData: [], method: 'wegeft', valFraction: 0.1, backend: 'auto', json: false, methodOptions: {} });
  });

  it('reads method settings and repeated data', () => {
    const o = options(['--rank', '8', '--alpha', '16', '--per-layer', '--targets', 'c_attn, c_proj', '--data', 'e.txt', '--json']);
    expect(o).toMatchObject({ data: ['d.txt', 'e.txt'], json: true });
    expect(o.methodOptions).toEqual({ rank: 8, alpha: 16, perLayer: true, targets: { kind: 'suffixes', suffixes: ['c_attn', 'c_proj'] } });
  });

  it('takes every declared option of every method, checked against its declaration', () => {
    for (const spec of METHOD_SPECS) {
      for (const [key, option] of Object.entries(spec.options) as [string, OptionSpec][]) {
        const method = ['--model', 'm', '--data', 'd', '--method', spec.name];
        if (option.kind === 'boolean') {
          expect(parseTrainArgs([...method, `--${option.flag}`]).methodOptions, `${spec.name} --${option.flag}`).toEqual({ [key]: true });
        } else if (option.kind === 'targets') {
          expect(parseTrainArgs([...method, `--${option.flag}`, 'all-linear']).methodOptions).toEqual({ [key]: { kind: 'all-linear' } });
        } else {
          expect(parseTrainArgs([...method, `--${option.flag}`, String(option.max)]).methodOptions).toEqual({ [key]: option.max });
          expect(() => parseTrainArgs([...method, `--${option.flag}`, String(option.max + 1)]), `${spec.name} --${option.flag}`).toThrow(
            new RegExp(`--${option.flag} must be .*≤ ${option.max}`),
          );
        }
      }
    }
  });

  it('refuses an option the chosen method does not have, naming the methods that have it', () => {
    expect(() => parseTrainArgs(['--model', 'm', '--data', 'd', '--method', 'lora', '--per-layer'])).toThrow(
      /--per-layer is not an option of LoRA \(methods that have it: wegeft\)/,
    );
    expect(() => parseTrainArgs(['--model', 'm', '--data', 'd', '--method', 'full', '--rank', '4'])).toThrow(/--rank is not an option of Full fine-tuning/);
  });

  it('refuses what it cannot use, saying which option', () => {
    const fails = (args: string[], message: RegExp) => {
      expect(() => parseTrainArgs(args)).toThrow(UsageError);
      expect(() => parseTrainArgs(args)).toThrow(message);
    };
    fails(['--data', 'd', '--method', 'lora'], /--model is required/);
    fails(['--model', 'm', '--method', 'lora'], /--data is required/);
    fails(['--model', 'm', '--data', 'd', '--method', 'qlora'], /--method must be one of wegeft, lora, dora, pissa, vera, ia3, full, bitfit, head, got "qlora"/);
    fails([...required, '--steps', '3', '--epochs', '1'], /--steps or --epochs, not both/);
    fails([...required, '--batch', '2.5'], /--batch must be a whole number ≥ 1, got "2.5"/);
    fails([...required, '--lr', '0'], /--lr must be a number > 0/);
    fails([...required, '--val-fraction', '1'], /--val-fraction must be a number ≥ 0 < 1/);
    fails([...required, '--schedule', 'step'], /--schedule must be constant, linear or cosine/);
    fails([...required, '--backend', 'tpu'], /--backend must be auto, cpu, wasm or webgpu/);
    fails([...required, '--frobnicate'], /^unknown option --frobnicate$/);
    fails([...required, 'stray'], /^unexpected argument "stray"$/);
    fails([...required, '--steps'], /--steps <value>' argument missing/);
  });
});

describe('parseTrainArgs: early stopping', () => {
  it('reads --patience and --keep-best, within the declared bounds', () => {
    expect(options(['--eval-every', '5', '--patience', '3', '--keep-best']).train).toEqual({ evalEvery: 5, patience: 3, keepBest: true });
    expect(options([]).train).toEqual({});
    expect(() => options(['--patience=-1'])).toThrow(/--patience must be a whole number ≥ 0 ≤ 1000, got "-1"/);
    expect(() => options(['--patience', '1001'])).toThrow(/--patience must be a whole number ≥ 0 ≤ 1000/);
    expect(() => options(['--patience', '1.5'])).toThrow(UsageError);
  });
});

describe('parseTrainArgs with --sweep-ranks', () => {
  const base = ['--model', 'm', '--data', 'd'];

  it('reads the ranks, the methods listed and each one\'s options', () => {
    const o = parseTrainArgs([...base, '--method', 'wegeft,lora', '--sweep-ranks', '1,2,4,8', '--targets', 'c_attn', '--csv', 'out.csv']);
    expect(o.method).toBe('wegeft');
    expect(o.csv).toBe('out.csv');
    const targets = { targets: { kind: 'suffixes', suffixes: ['c_attn'] } };
    expect(o.sweep).toEqual({ ranks: [1, 2, 4, 8], methods: [{ method: 'wegeft', options: targets }, { method: 'lora', options: targets }] });
    expect(parseTrainArgs([...base, '--method', 'lora']).sweep).toBeNull();
  });

  it('refuses a bad list, methods without a rank, a list without --sweep-ranks, and --rank beside it', () => {
    const fails = (args: string[], message: RegExp) => {
      expect(() => parseTrainArgs([...base, ...args])).toThrow(UsageError);
      expect(() => parseTrainArgs([...base, ...args])).toThrow(message);
    };
    fails(['--method', 'lora', '--sweep-ranks', '1,two'], /^--sweep-ranks: the ranks must be whole numbers ≥ 1, got "two" in "1,two"$/);
    fails(['--method', 'lora', '--sweep-ranks', ''], /^--sweep-ranks: the ranks must be a comma-separated list/);
    fails(['--method', 'lora', '--sweep-ranks', '2,2'], /rank 2 is listed twice/);
    fails(['--method', 'lora,bitfit', '--sweep-ranks', '2'], /^--sweep-ranks: BitFit has no rank to sweep over/);
    fails(['--method', 'lora,lora', '--sweep-ranks', '2'], /lora is listed twice/);
    fails(['--method', 'lora,qlora', '--sweep-ranks', '2'], /--method must be one of .*got "qlora"/);
    fails(['--method', 'wegeft,lora'], /--method lists 2 methods: give --sweep-ranks/);
    fails(['--method', 'lora', '--sweep-ranks', '2', '--rank', '4'], /give --rank or --sweep-ranks, not both/);
    // An option one of the methods does not have.
    fails(['--method', 'wegeft,lora', '--sweep-ranks', '2', '--per-layer'], /--per-layer is not an option of LoRA/);
  });
});

describe('parseTargets', () => {
  it('takes suffixes, all-linear or a regex', () => {
    expect(parseTargets('all-linear')).toEqual({ kind: 'all-linear' });
    expect(parseTargets('re:.*attn\\.c_attn')).toEqual({ kind: 'regex', pattern: '.*attn\\.c_attn' });
    expect(() => parseTargets('re:(')).toThrow(/^--targets: .*not a valid regular expression/);
    // What the engine's linear-time matcher cannot run is refused here, before a model is loaded.
    expect(() => parseTargets('re:(a)\\1')).toThrow(/backreference.*not supported/);
    expect(() => parseTargets(' , ')).toThrow(/at least one module name/);
  });
});
