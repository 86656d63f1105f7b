/**
 * python/train.py's training loop, end to end, on bundles the train CLI
 * wrote for WeGeFT on the gpt2 and vit fixtures. transformers cannot be
 * installed here, so a stand-in for the few of its APIs train.py calls
 * (tests/python/standin/transformers: GPT-2's and ViT's forwards written out
 * in torch) takes its place; accelerate and PEFT are absent, so this is the
 * plain-torch path with wegeft.py. Checked: with --steps 0 train.py's
 * validation loss (and accuracy) of the exported adapter equals the engine's
 * (same split, tokens or pixels, sequences, labels, loss and WeGeFT weights),
 * and a few steps train and write an adapter in our format (with the label
 * names) that loads back into the engine, changed.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { encode } from 'fast-png';
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

/** The vit fixture (16 × 16 inputs) with the preprocessor_config.json transformers' AutoImageProcessor needs (the engine's ViT defaults). */
function vit(): string {
  const dir = path.join(work, 'vit');
  mkdirSync(dir);
  for (const file of ['config.json', 'model.safetensors']) copyFileSync(path.join(fixtureDir('vit'), file), path.join(dir, file));
  const half = [0.5, 0.5, 0.5];
  writeFileSync(path.join(dir, 'preprocessor_config.json'), JSON.stringify({
    do_resize: true, size: { height: 16, width: 16 }, resample: 2, do_rescale: true, rescale_factor: 1 / 255, do_normalize: true,
    image_mean: half, image_std: half, image_processor_type: 'ViTImageProcessor',
  }));
  return dir;
}

/** Class folders of 16 × 16 PNGs: noisy reds and blues, seven each. */
function colourImages(): string {
  const dir = path.join(work, 'colours');
  let state = 7;
  const noise = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) % 60);
  for (const [label, rgb] of [['red', [200, 40, 40]], ['blue', [40, 40, 200]]] as const) {
    mkdirSync(path.join(dir, label), { recursive: true });
    for (let i = 0; i < 7; i++) {
      const data = new Uint8Array(16 * 16 * 4).map((_, k) => (k % 4 === 3 ? 255 : rgb[k % 4] + noise()));
      writeFileSync(path.join(dir, label, `${i}.png`), encode({ width: 16, height: 16, data, channels: 4, depth: 8 }));
    }
  }
  return dir;
}

const accuracy = (stdout: string) => Number(/validation: loss \d+\.\d+, accuracy (\d+\.\d+)/.exec(stdout)?.[1]);

describe('train.py on a WeGeFT bundle of the vit fixture (images, a new 2-class head)', () => {
  const model = vit();
  const data = colourImages();
  const bundle = path.join(work, 'vit-bundle');
  let engine: { loss: number; accuracy: number };

  it('the train CLI writes the bundle', async () => {
    const result = await runScript('train.ts', [
      '--model', model, '--data', data, '--method', 'wegeft', '--rank', '4', '--steps', '4', '--batch', '4', '--lr', '0.02',
      '--val-fraction', '0.3', '--seed', '5', '--json', '--out', bundle, '--bundle', 'pytorch',
    ]);
    expect(result.code, result.stderr).toBe(0);
    engine = (lastJsonLine(result.stdout) as { final_eval: { loss: number; accuracy: number } }).final_eval;
  }, 120_000);

  it('--steps 0: the validation loss and accuracy of the exported adapter are the engine\'s', () => {
    const r = trainPy(bundle, ['--model', model, '--steps', '0', '--out', path.join(work, 'vit-evaluated')]);
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/10 training and 4 held-out items \(a seeded 0\.3 of the images, stratified by class\)/);
    expect(Math.abs(validationLossOfImages(r.stdout) - engine.loss), r.stdout).toBeLessThan(1e-5);
    expect(accuracy(r.stdout)).toBeCloseTo(engine.accuracy, 4);
  });

  it('2 steps train the adapter and the new head, and write them with the label mapping', async () => {
    const out = path.join(work, 'vit-trained');
    const r = trainPy(bundle, ['--model', model, '--steps', '2', '--out', out]);
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(JSON.parse(readFileSync(path.join(out, 'config.json'), 'utf8')).id2label).toEqual({ 0: 'blue', 1: 'red' });
    const base = await loadModel(new DirectorySource(model));
    const trained = await loadAdapterFrom(base, new DirectorySource(out));
    expect(trained.settings.labels).toEqual(['blue', 'red']);
    trained.dispose();
    base.dispose();
  });
});

function validationLossOfImages(stdout: string): number {
  return Number(/validation: loss (\d+\.\d+), accuracy/.exec(stdout)?.[1]);
}
