/**
 * npm run demo -- vit|lm [--method wegeft] [--json] [options]
 *
 * Fine-tunes a bundled model on its bundled demo dataset and prints the base
 * model's and the fine-tuned model's held-out metric:
 *
 *   vit  public/models/vit-tiny-fashion-mnist (pretrained on Fashion-MNIST)
 *        on public/datasets/digits (MNIST digits; its val/ folders held out):
 *        accuracy, expected ≥ 0.85 after fine-tuning.
 *   lm   public/models/gpt2-tiny-moby-brown (pretrained on Moby Dick and the
 *        Brown Corpus) on public/datasets/sotu.txt (State of the Union
 *        addresses; sotu.val.txt held out): perplexity, expected to fall ≥ 10%.
 *
 * It is the train CLI (scripts/train.ts), run with the demo's settings: the
 * same code path, the same progress display on stderr, and with --json the
 * same final JSON line (`base_eval`, `final_eval`, ...) plus `demo`, `model`,
 * `data` and `expectation`. Any method of the adapters registry works
 * (--help lists them; the method under study is the default).
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TrainReport } from './lib/train-report';
import { runCli } from './lib/cli';
import { DEMOS, demoTrainArgs, judgeDemo, parseDemoArgs, DEMO_USAGE, type DemoOptions } from './lib/demo';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TRAIN_SCRIPT = path.join(ROOT, 'scripts', 'train.ts');

async function main(argv: string[]): Promise<number> {
  const options = parseDemoArgs(argv);
  const demo = DEMOS[options.demo];
  const args = demoTrainArgs(demo, options, ROOT);
  process.stderr.write(`demo ${options.demo}: npm run train -- ${args.map(quote).join(' ')}\n`);
  const started = performance.now();
  const report = await runTrainCli(args);
  const seconds = (performance.now() - started) / 1000;
  const verdict = judgeDemo(demo, report);
  printSummary(options, verdict, seconds);
  if (options.json) {
    const line = { ...report, demo: options.demo, model: demo.model, data: demo.data, wall_seconds: round(seconds), expectation: verdict };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
  return 0;
}

/** Runs scripts/train.ts with `args` (+ --json), stderr passed through; its JSON report. */
function runTrainCli(args: string[]): Promise<TrainReport> {
  return new Promise((resolve, reject) => {
    // process.execArgv carries tsx's loader, so the child runs TypeScript as this process does.
    const child = spawn(process.execPath, [...process.execArgv, TRAIN_SCRIPT, ...args, '--json'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`the train CLI exited with status ${code}`));
        return;
      }
      const lastLine = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(lastLine) as TrainReport);
      } catch {
        reject(new Error(`the train CLI printed no JSON report (last line: ${JSON.stringify(lastLine.slice(0, 200))})`));
      }
    });
  });
}

function printSummary(options: DemoOptions, verdict: ReturnType<typeof judgeDemo>, seconds: number): void {
  const out = options.json ? process.stderr : process.stdout;
  const show = (x: number) => (verdict.metric === 'accuracy' ? x.toFixed(4) : x.toFixed(2));
  out.write(
    [
      `base model held-out ${verdict.metric}:  ${show(verdict.base)}`,
      `fine-tuned (${options.method}) held-out ${verdict.metric}: ${show(verdict.final)}`,
      `expected: ${verdict.description} — ${verdict.met ? 'met' : 'NOT met'} (${Math.round(seconds)} s)`,
      '',
    ].join('\n'),
  );
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`;
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

runCli({ name: 'demo', usage: DEMO_USAGE }, main);
