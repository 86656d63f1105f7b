/**
 * `npm run bench` as CI runs it: a short CPU smoke on the tiny presets (an
 * image model and a language model) and on a checkpoint folder. It checks
 * that the harness runs and that every JSON line is well formed (each field
 * present with its type, the context the same on every line, ratios against
 * LoRA from the same run), and that WeGeFT trains fewer parameters than LoRA
 * at the same rank and targets. No timing is asserted: CI machines vary.
 * Bad usage ends with exit code 2 and a one-line message.
 */
import { describe, expect, it } from 'vitest';
import { runScript } from '../helpers/cli';
import { fixtureDir } from '../helpers/fixtures';

const runBench = (args: string[]) => runScript('bench.ts', args);

const FIELD_TYPES: Record<string, string> = {
  method: 'string',
  model: 'string',
  backend: 'string',
  trainable_parameters: 'number',
  step_ms_median: 'number',
  throughput: 'number',
  throughput_unit: 'string',
  peak_bytes: 'number',
  num_tensors_growth: 'number',
  batch: 'number',
  rank: 'number',
  steps: 'number',
  warmup: 'number',
  readback_every: 'number',
  estimated_peak_bytes: 'number',
  checkpointing: 'boolean',
};
const NULLABLE_NUMBERS = ['trainable_parameters_vs_lora', 'step_ms_vs_lora', 'step_cpu_ms_median', 'step_cpu_ms_vs_lora', 'throughput_vs_lora', 'peak_bytes_vs_lora', 'gpu_bytes_allocated'];

function parseLines(stdout: string): Record<string, unknown>[] {
  const lines = stdout.trim().split('\n');
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Each line's fields and types; the context shared by all lines. */
function expectWellFormed(records: Record<string, unknown>[], methods: string[]): void {
  expect(records.map((r) => r.method)).toEqual(methods);
  for (const r of records) {
    for (const [field, type] of Object.entries(FIELD_TYPES)) expect(typeof r[field], field).toBe(type);
    for (const field of NULLABLE_NUMBERS) expect(r[field] === null || typeof r[field] === 'number', field).toBe(true);
    expect(r.device === null || typeof r.device === 'string').toBe(true);
    expect(r.seq === null || typeof r.seq === 'number').toBe(true);
    expect(Array.isArray(r.step_ms_windows)).toBe(true);
    expect((r.step_ms_windows as unknown[]).every((ms) => typeof ms === 'number' && ms > 0)).toBe(true);
    expect(r.step_ms_median as number).toBeGreaterThan(0);
    expect(r.step_cpu_ms_median as number).toBeGreaterThan(0); // Node can read its CPU time
    expect(r.throughput as number).toBeGreaterThan(0);
    expect(r.peak_bytes as number).toBeGreaterThan(0);
    expect(r.num_tensors_growth).toBe(0);
    for (const field of ['model', 'backend', 'batch', 'seq', 'rank', 'steps', 'warmup']) expect(r[field]).toEqual(records[0][field]);
  }
}

describe('npm run bench (CPU smoke)', () => {
  it('benchmarks the tiny ViT preset: one JSON line per method, WeGeFT training fewer parameters than LoRA', async () => {
    const { code, stdout, stderr } = await runBench([
      '--model', 'vit-tiny', '--methods', 'wegeft,lora,bitfit', '--batch', '4', '--steps', '2', '--warmup', '1', '--json',
    ]);
    expect(code, stderr).toBe(0);
    const records = parseLines(stdout);
    expectWellFormed(records, ['wegeft', 'lora', 'bitfit']);
    const [wegeft, lora, bitfit] = records;
    expect(records.map((r) => [r.model, r.backend, r.batch, r.seq, r.rank, r.steps, r.warmup, r.throughput_unit])[0]).toEqual([
      'vit-tiny', 'wasm', 4, null, 16, 2, 1, 'images/s',
    ]);
    expect(wegeft.trainable_parameters as number).toBeLessThan(lora.trainable_parameters as number);
    expect(wegeft.trainable_parameters_vs_lora as number).toBeLessThan(1);
    expect(lora.step_ms_vs_lora).toBe(1);
    expect(lora.peak_bytes_vs_lora).toBe(1);
    expect(bitfit.trainable_parameters as number).toBeLessThan(lora.trainable_parameters as number);
    // Node's tfjs-wasm runs one thread, and the report says so.
    expect(records.map((r) => r.threads)).toEqual([1, 1, 1]);
    expect(stderr).toContain('vit-tiny on wasm, 1 thread: batch 4 images, rank 16');
  });

  it('benchmarks the tiny GPT-2 preset in tokens per second, with the kernel breakdown when asked', async () => {
    const { code, stdout, stderr } = await runBench([
      '--model', 'gpt2-tiny', '--methods', 'wegeft,lora', '--batch', '1', '--seq', '16', '--steps', '1', '--warmup', '0',
      '--profile', '--json',
    ]);
    expect(code, stderr).toBe(0);
    const records = parseLines(stdout);
    expectWellFormed(records, ['wegeft', 'lora']);
    expect(records[0].seq).toBe(16);
    expect(records[0].throughput_unit).toBe('tokens/s');
    const kernels = records[0].kernels as { name: string; count: number; ms: number }[];
    expect(kernels.length).toBeGreaterThan(0);
    expect(kernels.every((k) => typeof k.name === 'string' && k.count > 0 && k.ms >= 0)).toBe(true);
    expect(stderr).toContain('kernels of one wegeft step:');
  });

  it('runs with activation checkpointing when asked, and says so', async () => {
    const { code, stdout, stderr } = await runBench([
      '--model', 'gpt2-tiny', '--methods', 'lora', '--batch', '1', '--seq', '16', '--steps', '1', '--warmup', '0', '--checkpointing', '--json',
    ]);
    expect(code, stderr).toBe(0);
    const records = parseLines(stdout);
    expectWellFormed(records, ['lora']);
    expect(records[0].checkpointing).toBe(true);
    // The planner's estimate, made for the same shapes, is near the measured peak.
    const ratio = (records[0].estimated_peak_bytes as number) / (records[0].peak_bytes as number);
    expect(ratio).toBeGreaterThan(0.8);
    expect(ratio).toBeLessThan(1.2);
    expect(stderr).toContain('read-back every 1, activation checkpointing');
  });

  it('takes a checkpoint folder and prints a table without --json', async () => {
    const { code, stdout, stderr } = await runBench([
      '--model', fixtureDir('gpt2'), '--methods', 'lora,wegeft', '--rank', '4', '--batch', '2', '--seq', '8', '--steps', '1', '--warmup', '0',
    ]);
    expect(code, stderr).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^method\s+trainable\s+vs LoRA\s+ms\/step/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['lora', 'wegeft']);
  });

  it('ends bad usage with exit code 2 and one line naming the problem', async () => {
    const cases: [string[], string][] = [
      [['--methods', 'wegeft,qlora'], '--methods: unknown method "qlora"'],
      [['--steps', '0'], '--steps must be a whole number ≥ 1, got "0"'],
      [['--model', 'no-such-model'], '--model: "no-such-model" is neither a preset nor an existing folder'],
      [['--backend', 'tpu'], '--backend must be cpu, wasm or webgpu, got "tpu"'],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = await runBench(args);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr.split("\n")[0]).toContain(`bench: ${message}`);
    }
  });
});
