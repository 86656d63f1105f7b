/**
 * `npm run analyze` on the reference fixtures' PEFT-layout adapters (made in
 * PyTorch): one JSON line per changed module with the documented fields, the
 * cluster-map PNG, the language-model token scores, and bad usage or files
 * answered with one line and exit 2.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decode as decodePng } from 'fast-png';
import { afterAll, describe, expect, it } from 'vitest';
import { runScript } from '../helpers/cli';
import { fixtureDir } from '../helpers/fixtures';

const work = mkdtempSync(path.join(tmpdir(), 'analyze-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const vit = fixtureDir('vit');
const gpt2 = fixtureDir('gpt2');
const image = 'public/datasets/digits/val/3/0250.png';
const FIELDS = [
  'module', 'layer', 'kind', 'low_rank', 'delta_fro_over_weight_fro', 'delta_singular_values', 'spectrum_complete',
  'effective_rank', 'stable_rank', 'alignment_rank', 'weight_in_delta_directions', 'amplification_factor', 'energy_in_weight_top_k',
];

describe('npm run analyze', () => {
  it('prints one JSON line per module the WeGeFT fixture changes, and writes the cluster-map grid', async () => {
    const maps = path.join(work, 'maps.png');
    const r = await runScript('analyze.ts', ['--model', vit, '--adapter', path.join(vit, 'wegeft'), '--image', image, '--maps', maps, '--json', '--backend', 'cpu']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    // query, value and the output projection of both layers.
    expect(lines.map((l) => l.module)).toEqual([0, 1].flatMap((i) =>
      ['attention.attention.query', 'attention.attention.value', 'attention.output.dense'].map((m) => `vit.encoder.layer.${i}.${m}`)));
    for (const line of lines) {
      expect(Object.keys(line)).toEqual(FIELDS);
      const sigma = line.delta_singular_values as number[];
      expect(sigma).toHaveLength(4);
      expect([...sigma].sort((a, b) => b - a)).toEqual(sigma);
      expect(line.delta_fro_over_weight_fro).toBeGreaterThan(0);
      expect(line.amplification_factor).toBeGreaterThan(0);
    }
    const png = decodePng(readFileSync(maps));
    // Two rows of (image + 4 maps), 224-pixel tiles with 4-pixel gaps.
    expect([png.width, png.height]).toEqual([5 * 224 + 6 * 4, 2 * 224 + 3 * 4]);
    expect(r.stderr).toMatch(/cluster maps of vit\.encoder\.layer\.1\.attention\.output\.dense: 4 directions/);
  });

  it('prints a readable table without --json, and LoRA\'s maps come from its B', async () => {
    const r = await runScript('analyze.ts', ['--model', vit, '--adapter', path.join(vit, 'lora'), '--image', image, '--backend', 'cpu']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/vit\.encoder\.layer\.0\.attention\.attention\.query: ‖ΔW‖\/‖W‖ \S+, effective rank [\d.]+ of 4, amplification [\d.]+, energy in W's top-1 [\d.]+%/);
    expect(r.stderr).toContain("the 4 columns of LoRA's s·B");
  });

  it('scores each prompt token per direction on a language model', async () => {
    const lm = 'public/models/gpt2-tiny-moby-brown';
    const adapter = path.join(work, 'lm-wegeft');
    const trained = await runScript('train.ts', ['--model', lm, '--data', 'public/datasets/sotu.txt', '--method', 'wegeft', '--rank', '4', '--steps', '2', '--batch', '2', '--backend', 'wasm', '--out', adapter]);
    expect(trained.code, trained.stderr).toBe(0);
    const r = await runScript('analyze.ts', ['--model', lm, '--adapter', adapter, '--prompt', 'The state of the union', '--json', '--backend', 'cpu']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const scores = lines.at(-1) as { module: string; tokens: string[]; before: number[][]; after: number[][] };
    expect(scores.tokens.join('')).toBe('The state of the union');
    expect(scores.after).toHaveLength(4);
    for (const row of scores.after) {
      expect(row).toHaveLength(scores.tokens.length);
      expect(Math.max(...row)).toBeCloseTo(1, 5);
    }
    expect(lines.slice(0, -1).map((l) => l.module)).toContain(scores.module);
  });

  it('names a missing adapter file', async () => {
    const r = await runScript('analyze.ts', ['--model', 'public/models/gpt2-tiny-moby-brown', '--adapter', path.join(work, 'missing'), '--backend', 'cpu']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^analyze: .*missing\/adapter_config\.json: not found/m);
  });

  it('answers bad usage with one line and the usage, exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['--model', vit], /analyze: --adapter is required/],
      [['--model', vit, '--adapter', path.join(vit, 'wegeft'), '--maps', 'x.png'], /--maps needs --image/],
      [['--model', vit, '--adapter', path.join(vit, 'wegeft'), '--frobnicate'], /unknown option --frobnicate/],
      [['--model', gpt2, '--adapter', path.join(gpt2, 'wegeft'), '--image', image, '--backend', 'cpu'], /--image needs an image classifier/],
      [['--model', vit, '--adapter', path.join(vit, 'wegeft'), '--image', image, '--module', 'vit.encoder.layer.0.intermediate.dense', '--backend', 'cpu'], /the adapter does not change it/],
      [['--model', vit, '--adapter', path.join(vit, 'wegeft'), '--image', 'README.md', '--backend', 'cpu'], /README\.md/],
    ];
    for (const [args, message] of cases) {
      const r = await runScript('analyze.ts', args);
      expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
  });

  it('answers --help with the usage, exit 0', async () => {
    const r = await runScript('analyze.ts', ['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('usage: npm run analyze -- --model <dir|hub-id> --adapter <adapter dir>');
  });
});
