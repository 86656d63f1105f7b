/**
 * python/train.py's training loop, end to end, on a bundle the train CLI
 * wrote for WeGeFT on the gpt2 fixture. transformers cannot be installed
 * here, so a stand-in for the few of its APIs train.py calls
 * (tests/python/standin/transformers: GPT-2's forward written out in torch)
 * takes its place; accelerate and PEFT are absent, so this is the plain-torch
 * path with wegeft.py. Checked: with --steps 0 train.py's validation loss of
 * the exported adapter equals the engine's (same split, tokens, sequences,
 * loss and WeGeFT weights), and 3 steps train and write an adapter in our
 * format that loads back into the engine, changed.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAdapterFrom } from '../../src/engine/adapters/registry';
import { DirectorySource } from '../../src/engine/io/node-source';
import { loadModel } from '../../src/engine/models/load';
import { lastJsonLine, runScript } from '../helpers/cli';
import { fixtureDir, PROJECT_ROOT } from '../helpers/fixtures';
import { PYTHON, requireTorch } from '../helpers/python';

const work = mkdtempSync(path.join(tmpdir(), 'train-loop-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
beforeAll(async () => {
  requireTorch();
  await tf.setBackend('cpu');
});

/** The gpt2 fixture with a character-level tokenizer, and BOS/EOS inside its 96-token vocabulary. */
function gpt2(): string {
  const dir = path.join(work, 'gpt2');
  mkdirSync(dir);
  copyFileSync(path.join(fixtureDir('gpt2'), 'model.safetensors'), path.join(dir, 'model.safetensors'));
  const config = JSON.parse(readFileSync(path.join(fixtureDir('gpt2'), 'config.json'), 'utf8'));
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...config, bos_token_id: 95, eos_token_id: 95 }, null, 2));
  const vocab = Object.fromEntries(Array.from({ length: 96 }, (_, i) => [String.fromCharCode(32 + i), i]));
  writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify({ version: '1.0', model: { type: 'BPE', vocab, merges: [], ignore_merges: false }, decoder: { type: 'Fuse' }, added_tokens: [] }));
  return dir;
}

/** Documents of a small repetitive language, separated by blank lines. */
function text(): string {
  const words = ['the', 'cat', 'sat', 'on', 'a', 'mat', 'and', 'dog', 'ran', 'to', 'it'];
  const docs = Array.from({ length: 30 }, (_, i) => Array.from({ length: 6 + (i % 4) }, (_, j) => words[(i * 5 + j * 3) % words.length]).join(' '));
  const file = path.join(work, 'story.txt');
  writeFileSync(file, docs.join('\n\n'));
  return file;
}

function trainPy(bundle: string, args: string[]) {
  const env = { ...process.env, PYTHONPATH: path.join(PROJECT_ROOT, 'tests/python/standin'), STANDIN_WEGEFT_DIR: path.join(PROJECT_ROOT, 'python') };
  return spawnSync(PYTHON, [path.join(bundle, 'train.py'), ...args], { encoding: 'utf8', env, cwd: work });
}

const validationLoss = (stdout: string) => Number(/validation: loss (\d+\.\d+), perplexity/.exec(stdout)?.[1]);

describe('train.py on a WeGeFT bundle of the gpt2 fixture (torch, wegeft.py, a transformers stand-in)', () => {
  const model = gpt2();
  const data = text();
  const bundle = path.join(work, 'bundle');
  let engineLoss: number;

  it('the train CLI writes the bundle', async () => {
    const result = await runScript('train.ts', [
      '--model', model, '--data', data, '--method', 'wegeft', '--rank', '4', '--alpha', '8', '--steps', '6', '--batch', '4', '--lr', '0.05',
      '--seq-length', '16', '--val-fraction', '0.2', '--seed', '3', '--json', '--out', bundle, '--bundle', 'pytorch',
    ]);
    expect(result.code, result.stderr).toBe(0);
    engineLoss = (lastJsonLine(result.stdout) as { final_eval: { loss: number } }).final_eval.loss;
    expect(engineLoss).toBeGreaterThan(0);
  }, 120_000);

  it('--steps 0: train.py\'s validation loss of the exported adapter equals the engine\'s', () => {
    const r = trainPy(bundle, ['--model', model, '--steps', '0', '--out', path.join(work, 'evaluated')]);
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/WeGeFT on .*gpt2: \d[\d,]* trainable parameters; \d+ training and \d+ held-out items \(a seeded 0\.2 of the documents\)/);
    expect(Math.abs(validationLoss(r.stdout) - engineLoss), r.stdout).toBeLessThan(1e-5);
  });

  it('3 steps train, print the schedule\'s learning rate, and write an adapter the engine loads back, changed', async () => {
    const out = path.join(work, 'trained');
    const r = trainPy(bundle, ['--model', model, '--steps', '3', '--log-every', '1', '--out', out]);
    expect(r.status, r.stderr + r.stdout).toBe(0);
    // The run's linear schedule without warm-up over 3 steps: lr × 1, 2/3, 1/3.
    expect([...r.stdout.matchAll(/step (\d)\/3: loss \d+\.\d+ \(this process\), lr (\S+)/g)].map((m) => [Number(m[1]), Number(m[2])])).toEqual([[1, 0.05], [2, 0.03333], [3, 0.01667]]);
    expect(r.stdout).toContain(`wrote the adapter to ${out}`);
    expect(validationLoss(r.stdout)).not.toBeCloseTo(engineLoss, 6);
    const base = await loadModel(new DirectorySource(model));
    const exported = await loadAdapterFrom(base, new DirectorySource(path.join(bundle, 'adapter')));
    const trained = await loadAdapterFrom(base, new DirectorySource(out));
    expect(trained.method).toBe('wegeft');
    const before = exported.mergedWeights();
    const after = trained.mergedWeights();
    const key = [...after.keys()].find((k) => k.includes('c_attn'))!;
    const change = tf.max(tf.abs(tf.sub(after.get(key)!, before.get(key)!))).dataSync()[0];
    expect(change).toBeGreaterThan(1e-6);
    tf.dispose([...before.values(), ...after.values()]);
    exported.dispose();
    trained.dispose();
    base.dispose();
  });
});
