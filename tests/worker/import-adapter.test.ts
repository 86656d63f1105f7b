/**
 * Adapters made in Python, dropped onto the loaded model: each fixture's
 * adapter folder (written by PyTorch + PEFT, or by the WeGeFT reference) and
 * an export in the WeGeFT authors' format become a finished run whose logits
 * are the fixture's; it is evaluated on the loaded dataset beside the base
 * model; a run can train further from it; wrong models, broken files and
 * zips without an adapter are refused naming the file.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { zipSync } from 'fflate';
import { encode } from 'fast-png';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveAdapterSettings } from '../../src/engine/adapters/registry';
import { parseSafetensors } from '../../src/engine/io/safetensors';
import type { DroppedFile, RunSpec, TrainingSettings, WorkerEvent, WorkerEventOf } from '../../src/worker/protocol';
import { formForMethod, toRunSettings } from '../../src/ui/schemas/run-form';
import { useBackend } from '../helpers/backend';
import { fixtureDir, type FixtureCase } from '../helpers/fixtures';
import { fixtureModel, logitsWith, maxAbsDiff, type TestModel } from '../engine/adapters/helpers';
import { RuntimeDriver, charTokenizerJson, fixtureFiles, textFile } from './runtime-helpers';

/** The fixtures' logits tolerance on the CPU backend (tests/fixtures/reference/README.md). */
const LOGITS_TOLERANCE = 1e-4;

const TRAINING: TrainingSettings = toRunSettings({ ...formForMethod('lora'), steps: 2, batchSize: 4, seqLength: 16 }).training;

beforeAll(async () => {
  await useBackend('cpu');
});

/** An adapter folder of a fixture, as dropped files (`lora/adapter_config.json`, …). */
function adapterFolder(caseName: FixtureCase, folder: string, as = folder): DroppedFile[] {
  return ['adapter_config.json', 'adapter_model.safetensors', 'expected.json'].map((f) => ({
    path: `${as}/${f}`,
    file: new File([readFileSync(path.join(fixtureDir(caseName), folder, f))], f),
  }));
}

function expectedLogits(caseName: FixtureCase, folder: string): Float32Array {
  const file = parseSafetensors(new Uint8Array(readFileSync(path.join(fixtureDir(caseName), folder, 'expected.safetensors'))), 'expected');
  return file.read('logits').values as Float32Array;
}

let nextRun = 1;
async function importFiles(driver: RuntimeDriver, files: DroppedFile[], training = TRAINING): Promise<WorkerEvent> {
  return driver.request({ type: 'importAdapter', runId: `imported-${nextRun++}`, files, training });
}

/** The imported run's adapter in the engine, on the fixture's own inputs: its logits. */
function runLogits(driver: RuntimeDriver, t: TestModel, runId: string): Float32Array {
  const adapter = driver.runtime.scheduler.session(runId)!.adapter!;
  return logitsWith(t, adapter.patch());
}

/** Five classes of 16 × 16 images, one colour each (the vit fixture has 5 labels). */
function fiveColourFiles(perClass: number): DroppedFile[] {
  const colours = [[200, 30, 30], [30, 200, 30], [30, 30, 200], [200, 200, 30], [30, 200, 200]];
  const out: DroppedFile[] = [];
  colours.forEach((rgb, label) => {
    for (let i = 0; i < perClass; i++) {
      const data = new Uint8Array(16 * 16 * 4);
      for (let p = 0; p < 256; p++) {
        for (let c = 0; c < 3; c++) data[p * 4 + c] = Math.min(255, rgb[c] + ((p * 13 + i * 29) % 40));
        data[p * 4 + 3] = 255;
      }
      const png = encode({ width: 16, height: 16, data, channels: 4, depth: 8 });
      out.push({ path: `colours/c${label}/${i}.png`, file: new File([png as BlobPart], `${i}.png`) });
    }
  });
  return out;
}

describe.each([
  ['gpt2', ['lora', 'wegeft', 'wegeft_per_layer']],
  ['llama', ['lora', 'wegeft', 'wegeft_per_layer']],
  ['vit', ['lora', 'wegeft']],
] as const)('importing the %s fixture adapters', (caseName, folders) => {
  const driver = new RuntimeDriver();
  let t: TestModel;

  beforeAll(async () => {
    t = await fixtureModel(caseName);
    await driver.request({ type: 'loadModel', source: { kind: 'files', files: fixtureFiles(caseName), label: caseName } });
  });

  it.each(folders)('%s: a finished run with the fixture’s settings and adapted logits, its files kept for a reload', async (folder) => {
    const config = JSON.parse(readFileSync(path.join(fixtureDir(caseName), folder, 'adapter_config.json'), 'utf8'));
    const reply = (await importFiles(driver, adapterFolder(caseName, folder))) as WorkerEventOf<'adapterImported'>;
    expect(reply.type).toBe('adapterImported');
    expect(reply.run.name).toBe(`${folder} (imported)`);
    expect(reply.label).toBe(folder);
    expect(reply.peftType).toBe(config.peft_type);
    const method = reply.run.settings.method;
    expect(method.method).toBe(folder === 'lora' ? 'lora' : 'wegeft');
    expect(method.rank).toBe(config.r);
    if (folder === 'lora') expect(method.alpha).toBe(config.lora_alpha);
    expect(method.perLayer ?? false).toBe(folder === 'wegeft_per_layer');
    expect(reply.notEvaluated).toMatch(/not evaluated: no dataset/);
    expect(reply.finalEval).toBeNull();
    const expectedJson = JSON.parse(readFileSync(path.join(fixtureDir(caseName), folder, 'expected.json'), 'utf8'));
    // The vit WeGeFT fixture trains no head; every method here trains a classifier's (from the checkpoint's values): 5 × 32 + 5 more.
    const head = caseName === 'vit' && folder === 'wegeft' ? 5 * 32 + 5 : 0;
    expect(reply.trainableParameters).toBe(expectedJson.trainable_parameters + head);

    const session = driver.runtime.scheduler.session(reply.run.id)!;
    expect(session.status).toBe('finished');
    const diff = maxAbsDiff(runLogits(driver, t, reply.run.id), expectedLogits(caseName, folder));
    expect(diff).toBeLessThan(LOGITS_TOLERANCE);
    // …and differ from the base model's by far more than that.
    expect(maxAbsDiff(logitsWith(t, null), expectedLogits(caseName, folder))).toBeGreaterThan(100 * LOGITS_TOLERANCE);
    const saved = await driver.waitFor((e): e is WorkerEventOf<'adapterSaved'> => e.type === 'adapterSaved' && e.runId === reply.run.id, true);
    expect(saved.files.weights.byteLength).toBeGreaterThan(0);
  });

  if (folders.includes('wegeft' as never) && caseName !== 'gpt2') {
    it("WeGeFT in the authors' format, as a .zip the engine exported: the same logits", async () => {
      const ours = (await importFiles(driver, adapterFolder(caseName, 'wegeft'))) as WorkerEventOf<'adapterImported'>;
      const exported = (await driver.request({ type: 'exportAdapter', runId: ours.run.id, format: 'authors' })) as WorkerEventOf<'exportReady'>;
      expect(exported.type).toBe('exportReady');
      const zip: DroppedFile = { path: 'from-the-authors-fork.zip', file: new File([exported.bytes as BlobPart], 'from-the-authors-fork.zip') };
      const reply = (await importFiles(driver, [zip])) as WorkerEventOf<'adapterImported'>;
      expect(reply.type).toBe('adapterImported');
      expect(reply.peftType).toBe('WeGeFT');
      expect(reply.run.name).toBe('from-the-authors-fork (imported)');
      expect(maxAbsDiff(runLogits(driver, t, reply.run.id), expectedLogits(caseName, 'wegeft'))).toBeLessThan(LOGITS_TOLERANCE);
    });
  }

  it('import and remove leave tf.memory().numTensors where it was', async () => {
    const before = tf.memory().numTensors;
    const reply = (await importFiles(driver, adapterFolder(caseName, folders[0]))) as WorkerEventOf<'adapterImported'>;
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    await driver.send({ type: 'removeRun', runId: reply.run.id });
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("PEFT's other methods and this app's own exports, as files the engine wrote (no PEFT-written fixtures exist for them)", () => {
  const driver = new RuntimeDriver();
  let t: TestModel;

  beforeAll(async () => {
    t = await fixtureModel('gpt2');
    await driver.request({ type: 'loadModel', source: { kind: 'files', files: fixtureFiles('gpt2'), label: 'gpt2' } });
  });

  it.each(['dora', 'pissa', 'vera', 'ia3', 'full', 'bitfit', 'head'] as const)('%s: the run answers as the adapter that wrote the files', async (name) => {
    const { method, settings } = resolveAdapterSettings(t.model, ['dora', 'pissa', 'vera'].includes(name) ? { method: name, rank: 2 } : { method: name });
    const source = method.create(t.model, settings, 7);
    // Moved off its initialisation (most methods start as the base model): every trainable tensor nudged.
    source.trainable.forEach((v, key) => tf.tidy(() => v.assign(tf.add(v, tf.mul(tf.randomNormal(v.shape, 0, 1, 'float32', key.length), 0.2)))));
    const files = await source.save();
    const dropped: DroppedFile[] = [
      { path: `${name}-run/adapter_config.json`, file: new File([JSON.stringify(files.config)], 'adapter_config.json') },
      { path: `${name}-run/adapter_model.safetensors`, file: new File([files.weights as BlobPart], 'adapter_model.safetensors') },
    ];
    const reply = (await importFiles(driver, dropped)) as WorkerEventOf<'adapterImported'>;
    expect(reply.type).toBe('adapterImported');
    expect(reply.run.settings.method.method).toBe(name);
    expect(reply.trainableParameters).toBe(source.trainableParameterCount());
    const own = logitsWith(t, source.patch());
    expect(maxAbsDiff(runLogits(driver, t, reply.run.id), own)).toBeLessThan(LOGITS_TOLERANCE);
    expect(maxAbsDiff(logitsWith(t, null), own)).toBeGreaterThan(100 * LOGITS_TOLERANCE);
    source.dispose();
    await driver.send({ type: 'removeRun', runId: reply.run.id });
  });
});

describe('imports that are refused, each naming the file and the problem', () => {
  const driver = new RuntimeDriver();

  beforeAll(async () => {
    await driver.request({ type: 'loadModel', source: { kind: 'files', files: fixtureFiles('llama'), label: 'llama' } });
  });

  const refusal = async (files: DroppedFile[]) => {
    const before = tf.memory().numTensors;
    const reply = (await importFiles(driver, files)) as WorkerEventOf<'error'>;
    expect(reply.type).toBe('error');
    expect(reply.command).toBe('importAdapter');
    expect(tf.memory().numTensors).toBe(before);
    expect(driver.runtime.scheduler.allSessions()).toEqual([]);
    return reply;
  };

  it('an adapter made for another model: its target modules are not in this one', async () => {
    const reply = await refusal(adapterFolder('gpt2', 'lora'));
    expect(reply.file).toBe('lora/adapter_config.json');
    expect(reply.message).toBe('lora/adapter_config.json: its target_modules match no linear layer of this Llama model: the adapter was made for a different base model');
  });

  it('a tensor whose shape does not match the module it adapts: the tensor, both shapes', async () => {
    const files = adapterFolder('llama', 'lora');
    const config = JSON.parse(readFileSync(path.join(fixtureDir('llama'), 'lora', 'adapter_config.json'), 'utf8'));
    files[0] = { path: 'lora/adapter_config.json', file: new File([JSON.stringify({ ...config, r: 2 * config.r })], 'adapter_config.json') };
    const reply = await refusal(files);
    expect(reply.file).toBe('lora/adapter_model.safetensors');
    expect(reply.message).toMatch(/tensor "base_model\.model\..*lora_A\.weight": has shape \[\d+,\d+\] but this model's LoRA A of .* needs \[\d+,\d+\]/);
  });

  it('a truncated adapter_model.safetensors', async () => {
    const files = adapterFolder('llama', 'lora');
    const bytes = readFileSync(path.join(fixtureDir('llama'), 'lora', 'adapter_model.safetensors'));
    files[1] = { path: 'lora/adapter_model.safetensors', file: new File([bytes.subarray(0, Math.floor(bytes.length / 2))], 'adapter_model.safetensors') };
    const reply = await refusal(files);
    expect(reply.file).toBe('lora/adapter_model.safetensors');
    expect(reply.message).toMatch(/truncated|ends|shorter|bytes/i);
  });

  it('an unknown peft_type', async () => {
    const files = adapterFolder('llama', 'lora');
    const config = { ...JSON.parse(readFileSync(path.join(fixtureDir('llama'), 'lora', 'adapter_config.json'), 'utf8')), peft_type: 'PREFIX_TUNING' };
    files[0] = { path: 'lora/adapter_config.json', file: new File([JSON.stringify(config)], 'adapter_config.json') };
    const reply = await refusal(files);
    expect(reply.file).toBe('lora/adapter_config.json');
    expect(reply.message).toMatch(/"PREFIX_TUNING" is not one this app can load \(known: WEGEFT, WeGeFT, LORA, /);
  });

  it('a zip with no adapter in it, and a folder without adapter_config.json', async () => {
    const zip = zipSync({ 'notes/README.md': new TextEncoder().encode('# not an adapter') });
    const reply = await refusal([{ path: 'notes.zip', file: new File([zip as BlobPart], 'notes.zip') }]);
    expect(reply.file).toBe('notes.zip');
    expect(reply.message).toMatch(/is not an adapter: no adapter_config\.json in it \(found: notes\/README\.md\)/);
    const folder = await refusal([{ path: 'weights/model.safetensors', file: new File([new Uint8Array(8)], 'model.safetensors') }]);
    expect(folder.message).toMatch(/not an adapter/);
  });

  it('a zip of a PyTorch pickle (adapter_model.bin): safetensors only, with the fix', async () => {
    const config = readFileSync(path.join(fixtureDir('llama'), 'lora', 'adapter_config.json'));
    const zip = zipSync({ 'run/adapter_config.json': new Uint8Array(config), 'run/adapter_model.bin': new Uint8Array(16) });
    const reply = await refusal([{ path: 'run.zip', file: new File([zip as BlobPart], 'run.zip') }]);
    expect(reply.file).toBe('run.zip/run/adapter_model.safetensors');
    expect(reply.message).toMatch(/safe_serialization=True/);
  });

  it('a folder holding two adapters', async () => {
    const files = [...adapterFolder('llama', 'lora', 'both/lora'), ...adapterFolder('llama', 'wegeft', 'both/wegeft')];
    const reply = await refusal(files);
    expect(reply.message).toMatch(/holds 2 adapters/);
  });

  it('without a model loaded', async () => {
    const empty = new RuntimeDriver();
    const reply = (await importFiles(empty, adapterFolder('llama', 'lora'))) as WorkerEventOf<'error'>;
    expect(reply.message).toBe('load a model first');
  });
});

describe('an imported classifier adapter and the loaded dataset', () => {
  const driver = new RuntimeDriver();

  beforeAll(async () => {
    await driver.request({ type: 'loadModel', source: { kind: 'files', files: fixtureFiles('vit'), label: 'vit' } });
  });

  it('is evaluated on the held-out images beside the base model, with a class report', async () => {
    await driver.request({ type: 'loadDataset', source: { kind: 'files', files: fiveColourFiles(6) }, validationFraction: 0.34 });
    const reply = (await importFiles(driver, adapterFolder('vit', 'lora'))) as WorkerEventOf<'adapterImported'>;
    expect(reply.notEvaluated).toBeNull();
    expect(reply.finalEval?.kind).toBe('classifier');
    expect(reply.baseEval?.kind).toBe('classifier');
    expect(reply.finalEval!.loss).not.toBeCloseTo(reply.baseEval!.loss, 4);
    expect(reply.classReport?.labels).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
    expect(reply.classReport!.examples).toBe(10);
  });

  it('is refused when its head has another class count than the loaded dataset', async () => {
    const twoClasses = fiveColourFiles(3).filter((f) => /\/c[01]\//.test(f.path));
    await driver.request({ type: 'loadDataset', source: { kind: 'files', files: twoClasses }, validationFraction: 0.34 });
    const reply = (await importFiles(driver, adapterFolder('vit', 'lora'))) as WorkerEventOf<'error'>;
    expect(reply.type).toBe('error');
    expect(reply.file).toBe('lora/adapter_model.safetensors');
    expect(reply.message).toMatch(/its classifier head has 5 classes, the loaded dataset 2 \(c0, c1\)/);
  });
});

describe('training further from an imported adapter', () => {
  const driver = new RuntimeDriver();
  let t: TestModel;
  let imported: WorkerEventOf<'adapterImported'>;

  beforeAll(async () => {
    t = await fixtureModel('gpt2');
    await driver.request({ type: 'loadModel', source: { kind: 'files', files: fixtureFiles('gpt2', { 'tokenizer.json': charTokenizerJson() }), label: 'gpt2' } });
    await driver.request({ type: 'loadDataset', source: { kind: 'files', files: [textFile('notes.txt', 40)] }, validationFraction: 0.2 });
    imported = (await importFiles(driver, adapterFolder('gpt2', 'lora'))) as WorkerEventOf<'adapterImported'>;
  });

  const further = (id: string, training: Partial<TrainingSettings>, method = imported.run.settings.method): RunSpec => ({
    id,
    name: `further ${id}`,
    settings: { method, training: { ...TRAINING, ...training } },
    startFrom: imported.run.id,
  });

  it('the import is evaluated on the loaded text, beside the base model', () => {
    expect(imported.finalEval?.kind).toBe('lm');
    expect(imported.baseEval?.kind).toBe('lm');
    expect(imported.finalEval!.loss).not.toBeCloseTo(imported.baseEval!.loss, 4);
  });

  it('starts from the imported weights (a learning rate too small to move them leaves its logits the fixture’s)', async () => {
    await driver.send({ type: 'addRun', run: further('still', { learningRate: 1e-12 }) });
    await driver.send({ type: 'startRun', runId: 'still' });
    await driver.waitFor((e) => e.type === 'runFinished' && e.runId === 'still', true);
    expect(maxAbsDiff(runLogits(driver, t, 'still'), expectedLogits('gpt2', 'lora'))).toBeLessThan(LOGITS_TOLERANCE);
  });

  it('trains its own copy: the imported run keeps its weights', async () => {
    await driver.send({ type: 'addRun', run: further('moved', { learningRate: 5e-2, budget: { kind: 'steps', steps: 3 } }) });
    await driver.send({ type: 'startRun', runId: 'moved' });
    await driver.waitFor((e) => e.type === 'runFinished' && e.runId === 'moved', true);
    expect(maxAbsDiff(runLogits(driver, t, 'moved'), expectedLogits('gpt2', 'lora'))).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(runLogits(driver, t, imported.run.id), expectedLogits('gpt2', 'lora'))).toBeLessThan(LOGITS_TOLERANCE);
  });

  it('pauses and resumes from its checkpoint to the weights of a run that never paused', async () => {
    const steps = { learningRate: 5e-2, budget: { kind: 'steps' as const, steps: 8 } };
    await driver.send({ type: 'addRun', run: further('straight', steps) });
    await driver.send({ type: 'startRun', runId: 'straight' });
    await driver.waitFor((e) => e.type === 'runFinished' && e.runId === 'straight', true);

    await driver.send({ type: 'addRun', run: further('paused', steps) });
    const reached = driver.waitFor((e) => e.type === 'runProgress' && e.runId === 'paused' && e.step >= 3);
    await driver.send({ type: 'startRun', runId: 'paused' });
    await reached;
    await driver.send({ type: 'pauseRun', runId: 'paused' });
    const { checkpoint } = (await driver.waitFor((e) => e.type === 'runCheckpoint' && e.checkpoint.runId === 'paused', true)) as WorkerEventOf<'runCheckpoint'>;
    expect(checkpoint.step).toBeGreaterThanOrEqual(3);
    expect(checkpoint.step).toBeLessThan(8);
    // As after a reload: the run is given to the engine again, and resumed from its checkpoint.
    await driver.send({ type: 'removeRun', runId: 'paused' });
    await driver.send({ type: 'addRun', run: further('paused', steps) });
    await driver.send({ type: 'startRun', runId: 'paused', resume: structuredClone(checkpoint) });
    await driver.waitFor((e) => e.type === 'runFinished' && e.runId === 'paused', true);
    expect(maxAbsDiff(runLogits(driver, t, 'paused'), runLogits(driver, t, 'straight'))).toBeLessThan(LOGITS_TOLERANCE);
    expect(maxAbsDiff(runLogits(driver, t, 'paused'), expectedLogits('gpt2', 'lora'))).toBeGreaterThan(1e-3);
  });

  it('refuses another rank than the adapter it starts from, and a removed starting run', async () => {
    await driver.send({ type: 'addRun', run: further('wider', {}, { ...imported.run.settings.method, rank: 2 * (imported.run.settings.method.rank ?? 1) }) });
    await driver.send({ type: 'startRun', runId: 'wider' });
    const failed = await driver.waitFor((e): e is WorkerEventOf<'runFailed'> => e.type === 'runFailed' && e.runId === 'wider', true);
    expect(failed.message).toMatch(/starts from "lora \(imported\)", whose adapter cannot change: rank \d+, the run's \d+/);

    await driver.send({ type: 'addRun', run: { ...further('orphan', {}), startFrom: 'gone' } });
    await driver.send({ type: 'startRun', runId: 'orphan' });
    const orphan = await driver.waitFor((e): e is WorkerEventOf<'runFailed'> => e.type === 'runFailed' && e.runId === 'orphan', true);
    expect(orphan.message).toMatch(/cannot train further: the run it starts from \("gone"\) was removed/);
  });
});
