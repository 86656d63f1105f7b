/**
 * `npm run train` end to end, as a user runs it: on the gpt2 fixture with a
 * small text file and on the vit fixture with PNG images in class folders.
 * Each run ends with a falling loss and one well-formed JSON line, and the
 * adapter files it writes load back (with the registry's loader) to exactly
 * the validation results the run reported. Bad input ends with exit code 2
 * and a one-line message naming the file.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { encode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METHOD_NAMES } from '../../src/engine/adapters/methods';
import { loadAdapterFrom } from '../../src/engine/adapters/registry';
import { parseDataset, prepareImageSamples, prepareTokenSequences } from '../../src/engine/data/index';
import { readDataFiles } from '../../src/engine/data/node-files';
import { SWEEP_CSV_COLUMNS } from '../../src/engine/train/sweep';
import type { ImageDataset, TextDataset } from '../../src/engine/data/types';
import { DirectorySource } from '../../src/engine/io/node-source';
import { loadModel } from '../../src/engine/models/load';
import type { ImageClassifierConfig } from '../../src/engine/models/types';
import { loadImagePreprocessor } from '../../src/engine/preprocess/image';
import { loadTokenizer } from '../../src/engine/tokenizer';
import { paddedLength, type TrainingData } from '../../src/engine/train/batches';
import { evaluate } from '../../src/engine/train/evaluate';
import { useBackend } from '../helpers/backend';
import { lastJsonLine, runScript } from '../helpers/cli';
import { fixtureDir } from '../helpers/fixtures';
import { startFixtureServer } from '../helpers/http-server';

const REPORT_KEYS = [
  'method',
  'trainable_parameters',
  'base_eval',
  'final_eval',
  'initial_train_loss',
  'final_train_loss',
  'steps',
  'step_ms_median',
  'throughput',
  'peak_bytes',
  'num_tensors_growth',
  'dataset',
];

const runTrain = (args: string[], env: Record<string, string> = {}) => runScript('train.ts', args, env);


let work: string;

/** The gpt2 fixture with a character-level tokenizer.json (96 tokens: ' ' to DEL, the fixture's vocabulary). */
function gpt2WithTokenizer(name = 'gpt2'): string {
  const dir = path.join(work, name);
  mkdirSync(dir);
  for (const file of ['config.json', 'model.safetensors']) copyFileSync(path.join(fixtureDir('gpt2'), file), path.join(dir, file));
  const vocab = Object.fromEntries(Array.from({ length: 96 }, (_, i) => [String.fromCharCode(32 + i), i]));
  const tokenizer = { version: '1.0', model: { type: 'BPE', vocab, merges: [], ignore_merges: false }, decoder: { type: 'Fuse' }, added_tokens: [] };
  writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
  return dir;
}

let tokenized: string | null = null;
/** One gpt2 fixture copy with its tokenizer, made once and copied by the tests that train on it. */
function tokenizedGpt2(): string {
  tokenized ??= gpt2WithTokenizer('gpt2-tokenized');
  return tokenized;
}

/** Lines of a small repetitive language: easy to learn a little of in a few steps. */
function writeText(file: string, lines: number, seed: number): void {
  const words = ['the', 'cat', 'sat', 'on', 'a', 'mat', 'and', 'the', 'dog', 'ran', 'to', 'it'];
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    out.push(Array.from({ length: 8 }, (_, j) => words[(i * 7 + j * 3 + seed) % words.length]).join(' '));
  }
  writeFileSync(file, out.join('\n'));
}

/** Class folders of 20×20 PNGs: reddish images and bluish ones, each a little different. */
function writeImages(root: string, perClass: number, offset: number): void {
  for (const [label, channel] of [['blue', 2], ['red', 0]] as const) {
    mkdirSync(path.join(root, label), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const data = new Uint8Array(20 * 20 * 4);
      for (let p = 0; p < 400; p++) {
        const noise = (p * 37 + (i + offset) * 101) % 60;
        data[p * 4 + channel] = 150 + noise;
        data[p * 4 + 1] = noise;
        data[p * 4 + 3] = 255;
      }
      writeFileSync(path.join(root, label, `${i}.png`), encode({ width: 20, height: 20, data, channels: 4 }));
    }
  }
}

beforeAll(async () => {
  await useBackend('cpu');
  work = mkdtempSync(path.join(tmpdir(), 'train-cli-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('npm run train on the gpt2 fixture with text', () => {
  it('trains LoRA with falling loss, reports JSON, and writes adapter files that reload to the same results', async () => {
    const model = gpt2WithTokenizer();
    writeText(path.join(work, 'train.txt'), 80, 0);
    writeText(path.join(work, 'val.txt'), 12, 5);
    const out = path.join(work, 'lora-out');
    const args = ['--model', model, '--data', path.join(work, 'train.txt'), '--val-data', path.join(work, 'val.txt')];
    const result = await runTrain([...args, '--method', 'lora', '--rank', '4', '--steps', '15', '--batch', '4', '--seq-length', '24', '--lr', '0.01', '--readback-every', '5', '--json', '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    const report = lastJsonLine(result.stdout);
    expect(Object.keys(report)).toEqual(REPORT_KEYS);
    expect(report).toMatchObject({ method: 'lora', steps: 15, num_tensors_growth: 0 });
    // LoRA, rank 4, on c_attn (32→96), c_proj (32→32), c_fc (32→128), mlp.c_proj (128→32), 2 layers.
    expect(report.trainable_parameters).toBe(2 * 4 * (32 + 96 + 32 + 32 + 32 + 128 + 128 + 32));
    const base = report.base_eval as { loss: number; perplexity: number };
    const final = report.final_eval as { loss: number; perplexity: number };
    expect(Object.keys(final)).toEqual(['loss', 'perplexity']);
    expect(final.perplexity).toBeCloseTo(Math.exp(final.loss), 6);
    expect(final.loss).toBeLessThan(base.loss - 0.1);
    expect(report.final_train_loss as number).toBeLessThan(report.initial_train_loss as number);
    for (const key of ['step_ms_median', 'throughput', 'peak_bytes'] as const) expect(report[key] as number).toBeGreaterThan(0);
    expect(result.stderr).toMatch(/train\.txt: \d+ training sequences of ≤ 24 tokens; validation: \d+ \(from .*val\.txt\)/);
    expect(result.stderr).toMatch(/lr 0\.01 \(linear, warm-up 0\)/);

    // Reload the files and evaluate on the same validation text: the run's own final numbers.
    const source = new DirectorySource(model);
    const loaded = await loadModel(source);
    const tokenizer = await loadTokenizer(source);
    const valSet = parseDataset(await readDataFiles(path.join(work, 'val.txt'))) as TextDataset;
    const sequences = prepareTokenSequences(valSet, tokenizer, { seqLength: 24 });
    const data: TrainingData = { kind: 'tokens', sequences };
    const adapter = await loadAdapterFrom(loaded, new DirectorySource(out));
    const reloaded = await evaluate(loaded, adapter.patch(), data, { batchSize: 4, tokenLength: paddedLength(sequences) });
    const unadapted = await evaluate(loaded, null, data, { batchSize: 4, tokenLength: paddedLength(sequences) });
    expect(reloaded.loss).toBeCloseTo(final.loss, 5);
    expect(unadapted.loss).toBeCloseTo(base.loss, 5);
    adapter.dispose();
    loaded.dispose();
  });
});

describe('npm run train --sweep-ranks on the gpt2 fixture', () => {
  it('trains every (method, rank) on the same data, budget and seed, and writes one CSV row per run', async () => {
    const model = path.join(work, 'gpt2-sweep');
    mkdirSync(model);
    for (const file of ['config.json', 'model.safetensors', 'tokenizer.json']) copyFileSync(path.join(tokenizedGpt2(), file), path.join(model, file));
    writeText(path.join(work, 'sweep.txt'), 80, 0);
    writeText(path.join(work, 'sweep.val.txt'), 12, 5);
    const csv = path.join(work, 'sweep', 'runs.csv');
    const out = path.join(work, 'sweep-out');
    const common = ['--model', model, '--data', path.join(work, 'sweep.txt'), '--val-data', path.join(work, 'sweep.val.txt'), '--steps', '6', '--batch', '4', '--seq-length', '24', '--readback-every', '3', '--json'];
    const result = await runTrain([...common, '--method', 'wegeft,lora', '--sweep-ranks', '1,2', '--csv', csv, '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('sweep: 4 runs (wegeft r1, wegeft r2, lora r1, lora r2)');

    const [header, ...lines] = readFileSync(csv, 'utf8').trim().split('\n');
    expect(header.split(',')).toEqual([...SWEEP_CSV_COLUMNS]);
    const rows = lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [SWEEP_CSV_COLUMNS[i], v])));
    expect(rows.map((r) => `${r.method} r${r.rank} α${r.alpha}`)).toEqual(['wegeft r1 α2', 'wegeft r2 α4', 'lora r1 α2', 'lora r2 α4']);
    // WeGeFT: one (φ, ψ) pair per module type, r × d_in each (d_in 32, 32, 32, 128): 2r × 224;
    // LoRA: r × (d_in + d_out) on c_attn, attn.c_proj, c_fc, mlp.c_proj of 2 layers: 2r × 512.
    expect(rows.map((r) => Number(r.trainable_parameters))).toEqual([448, 896, 1024, 2048]);
    for (const row of rows) {
      expect(row).toMatchObject({ metric_name: 'perplexity', steps: '6', seed: '42' });
      // The same held-out data for every run: one base value, and every run below it.
      expect(row.base_metric).toBe(rows[0].base_metric);
      expect(Number(row.metric)).toBeLessThan(Number(row.base_metric));
      expect(Number(row.metric)).toBeCloseTo(Math.exp(Number(row.validation_loss)), 6);
      for (const key of ['step_ms', 'throughput', 'peak_bytes'] as const) expect(Number(row[key])).toBeGreaterThan(0);
    }
    const reports = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(reports.map((r) => [r.method, r.rank, r.num_tensors_growth])).toEqual([['wegeft', 1, 0], ['wegeft', 2, 0], ['lora', 1, 0], ['lora', 2, 0]]);
    for (const dir of ['wegeft-r1', 'wegeft-r2', 'lora-r1', 'lora-r2']) {
      expect(JSON.parse(readFileSync(path.join(out, dir, 'adapter_config.json'), 'utf8'))).toMatchObject({ r: Number(dir.slice(-1)) });
    }

    // The sweep's LoRA r2 run is the run one gets alone with the same settings: runs do not touch each other.
    const alone = await runTrain([...common, '--method', 'lora', '--rank', '2', '--alpha', '4']);
    expect(alone.code, alone.stderr).toBe(0);
    const single = lastJsonLine(alone.stdout);
    expect((single.final_eval as { loss: number }).loss).toBeCloseTo(Number(rows[3].validation_loss), 6);
    expect(single.trainable_parameters).toBe(2048);
  });

  it('refuses a bad rank list, and a rank a method does not allow, before anything trains (exit 2)', async () => {
    writeText(path.join(work, 'refused.txt'), 20, 0);
    const args = ['--model', tokenizedGpt2(), '--data', path.join(work, 'refused.txt'), '--method', 'wegeft,lora', '--steps', '2'];
    const bad = await runTrain([...args, '--sweep-ranks', '1,x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.split('\n')[0]).toBe('train: --sweep-ranks: the ranks must be whole numbers ≥ 1, got "x" in "1,x"');
    expect(bad.stderr).toContain('usage: npm run train');
    const csv = path.join(work, 'refused.csv');
    const tooWide = await runTrain([...args, '--sweep-ranks', '1,5000', '--csv', csv]);
    expect(tooWide.code).toBe(2);
    expect(tooWide.stderr).toMatch(/train: WeGeFT at rank 5000: .*rank/i);
    expect(existsSync(csv)).toBe(false);
  });
});

describe('npm run train --patience --keep-best', () => {
  it('stops when the held-out loss has not fallen for `patience` evaluations, and writes the best weights', async () => {
    // Training text teaches "b after a", the held-out text has "c after a": its loss falls, then rises.
    writeFileSync(path.join(work, 'ab.txt'), Array(40).fill('abababababababababab').join('\n'));
    writeFileSync(path.join(work, 'ac.txt'), Array(6).fill('acacacacacacacacacac').join('\n'));
    const out = path.join(work, 'best-out');
    const model = tokenizedGpt2();
    const result = await runTrain([
      '--model', model, '--data', path.join(work, 'ab.txt'), '--val-data', path.join(work, 'ac.txt'), '--method', 'lora', '--rank', '4',
      '--steps', '30', '--batch', '4', '--seq-length', '24', '--lr', '0.01', '--eval-every', '1', '--readback-every', '4',
      '--patience', '3', '--keep-best', '--json', '--out', out,
    ]);
    expect(result.code, result.stderr).toBe(0);
    const report = lastJsonLine(result.stdout);
    const stoppedAt = report.stopped_early_at as number;
    const bestStep = report.best_step as number;
    // Every evaluation's loss as the progress lines give it (step 0: "before").
    const losses = new Map([...result.stderr.matchAll(/step (\d+): validation loss ([\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]));
    losses.set(0, Number(/before: validation loss ([\d.]+)/.exec(result.stderr)![1]));
    expect(stoppedAt).toBeLessThan(30);
    expect(report.steps).toBe(stoppedAt);
    expect(losses.size).toBe(stoppedAt + 1);
    // The best is the lowest loss; the last `patience` evaluations are all above it.
    const lowest = Math.min(...losses.values());
    expect(losses.get(bestStep)).toBe(lowest);
    expect(stoppedAt - bestStep).toBe(3);
    expect(bestStep).toBeGreaterThan(0);
    expect(result.stderr).toContain(`stopped early at step ${stoppedAt}: no lower validation loss in 3 evaluations`);
    expect(result.stderr).toContain(`kept the best checkpoint: step ${bestStep}`);
    const final = report.final_eval as { loss: number };
    expect(final.loss).toBeCloseTo(lowest, 4);
    expect(final.loss).toBeLessThan(losses.get(stoppedAt)!);
    expect(report.num_tensors_growth).toBe(0);

    // The files hold the best weights: reloaded, they give the best loss, not the last one.
    const source = new DirectorySource(model);
    const loaded = await loadModel(source);
    const tokenizer = await loadTokenizer(source);
    const valSet = parseDataset(await readDataFiles(path.join(work, 'ac.txt'))) as TextDataset;
    const sequences = prepareTokenSequences(valSet, tokenizer, { seqLength: 24 });
    const adapter = await loadAdapterFrom(loaded, new DirectorySource(out));
    const reloaded = await evaluate(loaded, adapter.patch(), { kind: 'tokens', sequences }, { batchSize: 4, tokenLength: paddedLength(sequences) });
    expect(reloaded.loss).toBeCloseTo(final.loss, 5);
    adapter.dispose();
    loaded.dispose();
  });

  it('refuses a patience without evaluations during training (exit 2)', async () => {
    writeText(path.join(work, 'patience.txt'), 20, 0);
    const result = await runTrain(['--model', tokenizedGpt2(), '--data', path.join(work, 'patience.txt'), '--method', 'lora', '--steps', '2', '--patience', '2']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/train: early stopping needs evaluations during training/);
  });

  it('prints the memory estimate, trains with --checkpointing, and refuses a run over --memory-budget with the numbers (exit 2)', async () => {
    writeText(path.join(work, 'memory.txt'), 40, 0);
    const args = ['--model', tokenizedGpt2(), '--data', path.join(work, 'memory.txt'), '--method', 'lora', '--steps', '2', '--batch', '8', '--seq-length', '24'];
    const fits = await runTrain([...args, '--checkpointing']);
    expect(fits.code, fits.stderr).toBe(0);
    const [, peak] = /memory: estimated peak ~([\d,]+) MB \(weights/.exec(fits.stderr) ?? [];
    expect(Number(peak?.replace(/,/g, ''))).toBeGreaterThan(0);
    const refused = await runTrain([...args, '--memory-budget', '2']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/train: This run does not fit: its estimated peak, ~[\d,]+ MB .* exceeds the 2 MB wasm offers \(the given budget\)\./);
    expect(refused.stderr).not.toMatch(/step 1/);
  });
});

describe('npm run train with every registered method, at its defaults', () => {
  // Enrols each method of the registry: a new method is trained here without editing this file.
  it.each(METHOD_NAMES.map((m) => [m]))('%s trains on text with falling held-out loss, and its files reload to the same loss', async (method) => {
    const model = path.join(work, `gpt2-${method}`);
    mkdirSync(model);
    for (const file of ['config.json', 'model.safetensors', 'tokenizer.json']) copyFileSync(path.join(tokenizedGpt2(), file), path.join(model, file));
    writeText(path.join(work, `every-${method}.txt`), 80, 0);
    writeText(path.join(work, `every-${method}.val.txt`), 12, 5);
    const out = path.join(work, `every-${method}-out`);
    const result = await runTrain([
      '--model', model, '--data', path.join(work, `every-${method}.txt`), '--val-data', path.join(work, `every-${method}.val.txt`),
      '--method', method, '--steps', '8', '--batch', '4', '--seq-length', '24', '--readback-every', '4', '--json', '--out', out,
    ]);
    expect(result.code, result.stderr).toBe(0);
    const report = lastJsonLine(result.stdout);
    expect(report).toMatchObject({ method, steps: 8, num_tensors_growth: 0 });
    const base = report.base_eval as { loss: number };
    const final = report.final_eval as { loss: number };
    expect(final.loss, `${method}: held-out loss ${base.loss} → ${final.loss}`).toBeLessThan(base.loss);

    const source = new DirectorySource(model);
    const loaded = await loadModel(source);
    const tokenizer = await loadTokenizer(source);
    const valSet = parseDataset(await readDataFiles(path.join(work, `every-${method}.val.txt`))) as TextDataset;
    const sequences = prepareTokenSequences(valSet, tokenizer, { seqLength: 24 });
    const adapter = await loadAdapterFrom(loaded, new DirectorySource(out));
    expect(adapter.method).toBe(method);
    const reloaded = await evaluate(loaded, adapter.patch(), { kind: 'tokens', sequences }, { batchSize: 4, tokenLength: paddedLength(sequences) });
    expect(reloaded.loss).toBeCloseTo(final.loss, 4);
    adapter.dispose();
    loaded.dispose();
  });
});

describe('npm run train on the vit fixture with images in class folders', () => {
  it('trains WeGeFT with a new 2-class head, and its files reload to the same accuracy and loss', async () => {
    writeImages(path.join(work, 'colors'), 8, 0);
    writeImages(path.join(work, 'colors-val'), 3, 50);
    const out = path.join(work, 'wegeft-out');
    const result = await runTrain([
      '--model', fixtureDir('vit'), '--data', path.join(work, 'colors'), '--val-data', path.join(work, 'colors-val'),
      '--method', 'wegeft', '--rank', '4', '--steps', '12', '--batch', '4', '--lr', '0.01', '--readback-every', '4', '--json', '--out', out,
    ]);
    expect(result.code, result.stderr).toBe(0);
    const report = lastJsonLine(result.stdout);
    expect(Object.keys(report)).toEqual(REPORT_KEYS);
    expect(report).toMatchObject({ method: 'wegeft', steps: 12, num_tensors_growth: 0 });
    // One shared (phi, psi) pair for attention.output.dense (d_in 32) + the new head (2 × 32 + 2).
    expect(report.trainable_parameters).toBe(2 * 4 * 32 + 66);
    const base = report.base_eval as { loss: number; accuracy: number };
    const final = report.final_eval as { loss: number; accuracy: number };
    expect(Object.keys(final)).toEqual(['loss', 'accuracy']);
    expect(final.loss).toBeLessThan(base.loss);
    expect(final.accuracy).toBeGreaterThanOrEqual(base.accuracy);
    expect(report.final_train_loss as number).toBeLessThan(report.initial_train_loss as number);
    expect(result.stderr).toMatch(/16 training images in 2 classes \(blue, red\); validation: 6/);
    expect(report.dataset).toMatchObject({ examples: 22, train: 16, validation: 6, transparent_images: 0, blank_images: 0, identical_images: 0 });

    const source = new DirectorySource(fixtureDir('vit'));
    const loaded = await loadModel(source);
    const preprocessor = await loadImagePreprocessor(source, loaded.config as ImageClassifierConfig);
    const valSet = parseDataset(await readDataFiles(path.join(work, 'colors-val'))) as ImageDataset;
    const data: TrainingData = {
      kind: 'images',
      samples: prepareImageSamples(valSet, ['blue', 'red']),
      preprocess: (image) => preprocessor.preprocess(image),
      imageShape: [3, 16, 16],
    };
    const adapter = await loadAdapterFrom(loaded, new DirectorySource(out));
    const reloaded = await evaluate(loaded, adapter.patch(), data, { batchSize: 4, tokenLength: 0 });
    expect(reloaded.loss).toBeCloseTo(final.loss, 5);
    expect(reloaded.task === 'image-classification' && reloaded.accuracy).toBe(final.accuracy);
    // The label mapping where transformers reads it, and the code that loads the files.
    expect(JSON.parse(readFileSync(path.join(out, 'config.json'), 'utf8')).id2label).toEqual({ 0: 'blue', 1: 'red' });
    const readme = readFileSync(path.join(out, 'README.md'), 'utf8');
    expect(readme).toMatch(/Released PEFT cannot load this format/);
    expect(readme).toMatch(/predicts 2 labels \("blue", "red"\)/);
    expect(JSON.parse(readFileSync(path.join(out, 'adapter_config.json'), 'utf8')).base_model_name_or_path).toBe(fixtureDir('vit'));
    adapter.dispose();
    loaded.dispose();
  });

  it("--adapter-format authors writes WeGeFT for its authors' fork, and the files load back", async () => {
    const out = path.join(work, 'wegeft-authors-out');
    const result = await runTrain([
      '--model', fixtureDir('vit'), '--data', path.join(work, 'colors'), '--val-data', path.join(work, 'colors-val'),
      '--method', 'wegeft', '--rank', '4', '--steps', '4', '--batch', '4', '--readback-every', '4', '--json', '--out', out, '--adapter-format', 'authors',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const config = JSON.parse(readFileSync(path.join(out, 'adapter_config.json'), 'utf8'));
    expect(config).toMatchObject({ peft_type: 'WeGeFT', transform_dim: 'input', tied_modules: [['^vit\\.encoder\\.layer\\.\\d+\\.attention\\.output\\.dense$']] });
    const loaded = await loadModel(new DirectorySource(fixtureDir('vit')));
    const adapter = await loadAdapterFrom(loaded, new DirectorySource(out));
    expect(adapter.method).toBe('wegeft');
    adapter.dispose();
    loaded.dispose();
  });

  it('--adapter-format authors is refused for other methods and without --out (exit 2)', async () => {
    const common = ['--model', fixtureDir('vit'), '--data', path.join(work, 'colors'), '--steps', '1'];
    const lora = await runTrain([...common, '--method', 'lora', '--out', path.join(work, 'x'), '--adapter-format', 'authors']);
    expect(lora.code).toBe(2);
    expect(lora.stderr).toMatch(/--adapter-format authors is for WeGeFT only .*--method lora/);
    const noOut = await runTrain([...common, '--method', 'wegeft', '--adapter-format', 'authors']);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toMatch(/needs --out/);
    const bad = await runTrain([...common, '--method', 'wegeft', '--adapter-format', 'theirs']);
    expect(bad.stderr).toMatch(/--adapter-format must be ours or authors, got "theirs"/);
  });
});

describe('npm run train with a Hub repo id', () => {
  it('downloads the model from HF_ENDPOINT and trains it', async () => {
    writeImages(path.join(work, 'hub-colors'), 3, 7);
    const server = await startFixtureServer({ 'test-org/tiny-vit': fixtureDir('vit') });
    try {
      const data = ['--data', path.join(work, 'hub-colors'), '--method', 'head', '--steps', '2', '--batch', '2', '--json'];
      const result = await runTrain(['--model', 'test-org/tiny-vit', ...data], { HF_ENDPOINT: server.url });
      expect(result.code, result.stderr).toBe(0);
      expect(lastJsonLine(result.stdout)).toMatchObject({ method: 'head', steps: 2 });
      expect(server.requests.map((r) => r.path)).toContain('/test-org/tiny-vit/resolve/main/model.safetensors');
      const missing = await runTrain(['--model', 'test-org/absent', ...data], { HF_ENDPOINT: server.url });
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/train: .*test-org\/absent.*config\.json/);
    } finally {
      await server.close();
    }
  });
});

describe('npm run train refuses bad input with exit code 2 and a message naming the file', () => {
  it('a data file that does not exist', async () => {
    const result = await runTrain(['--model', fixtureDir('vit'), '--data', path.join(work, 'missing.txt'), '--method', 'head']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n').pop()).toMatch(/^train: .*missing\.txt: not found$/);
  });

  it('a language model without tokenizer.json', async () => {
    writeText(path.join(work, 'some.txt'), 4, 0);
    const result = await runTrain(['--model', fixtureDir('gpt2'), '--data', path.join(work, 'some.txt'), '--method', 'lora']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/train: .*gpt2\/tokenizer\.json: not found/);
  });

  it('text for an image classifier', async () => {
    writeText(path.join(work, 'words.txt'), 4, 0);
    const result = await runTrain(['--model', fixtureDir('vit'), '--data', path.join(work, 'words.txt'), '--method', 'lora']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/train: .*words\.txt: holds text, but the model classifies images/);
  });

  it('a malformed option', async () => {
    const result = await runTrain(['--model', fixtureDir('vit'), '--data', 'x', '--method', 'lora', '--steps', 'ten']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--steps must be a whole number ≥ 1, got "ten"/);
  });
});
