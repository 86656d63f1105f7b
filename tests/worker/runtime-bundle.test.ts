/**
 * The worker's `exportBundle`: a finished run's "Continue in PyTorch" zip,
 * with the run's settings in run.json, the dataset files the run trained on
 * (even after another dataset was loaded), and wegeft.py for WeGeFT only.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { unzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunJson } from '../../src/engine/adapters/handoff/pytorch-bundle';
import type { RunSpec, WorkerEventOf } from '../../src/worker/protocol';
import { trainSettingsFor } from '../../src/worker/run-session';
import { formForMethod, toRunSettings } from '../../src/ui/schemas/run-form';
import { useBackend } from '../helpers/backend';
import { PROJECT_ROOT } from '../helpers/fixtures';
import { RuntimeDriver, fixtureFiles, imageFiles } from './runtime-helpers';

beforeAll(async () => {
  await useBackend('cpu');
});

function run(id: string, method: 'wegeft' | 'lora', steps: number): RunSpec {
  const form = { ...formForMethod(method), rank: 2, alpha: 4, steps, batchSize: 4, learningRate: 1e-2, warmupSteps: 1, schedule: 'cosine' as const, seed: 11 };
  return { id, name: `${method} ${id}`, settings: toRunSettings(form) };
}

const finished = (id: string) => (e: { type: string; runId?: string }) => e.type === 'runFinished' && e.runId === id;
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('exportBundle in the worker runtime, on an image classifier', () => {
  const driver = new RuntimeDriver();
  const specs = [run('w', 'wegeft', 3), run('l', 'lora', 3)];

  it('trains a WeGeFT and a LoRA run', async () => {
    await driver.request({ type: 'loadModel', source: { kind: 'files', files: fixtureFiles('vit'), label: 'vit' } });
    await driver.request({ type: 'loadDataset', source: { kind: 'files', files: imageFiles(4) }, validationFraction: 0.25 });
    const before = await driver.request({ type: 'exportBundle', runId: 'w' });
    expect(before).toMatchObject({ type: 'error', command: 'exportBundle' });
    for (const spec of specs) await driver.send({ type: 'addRun', run: spec });
    const done = Promise.all(specs.map((s) => driver.waitFor(finished(s.id))));
    for (const spec of specs) await driver.send({ type: 'startRun', runId: spec.id });
    await done;
  });

  it('zips the export, run.json with the run\'s settings, train.py and wegeft.py, and the data it trained on', async () => {
    // Another dataset loaded since: the bundle still carries the run's own.
    await driver.request({ type: 'loadDataset', source: { kind: 'files', files: imageFiles(2) }, validationFraction: 0.5 });
    const reply = (await driver.request({ type: 'exportBundle', runId: 'w' })) as WorkerEventOf<'exportReady'>;
    expect(reply.type).toBe('exportReady');
    expect(reply.fileName).toBe('wegeft-w-continue-in-pytorch.zip');
    const files = unzipSync(reply.bytes);
    const names = Object.keys(files).sort();
    expect(names.filter((n) => !n.startsWith('data/'))).toEqual([
      'README.md', 'accelerate_config.yaml', 'adapter/README.md', 'adapter/adapter_config.json', 'adapter/adapter_model.safetensors',
      'adapter/config.json', 'requirements.txt', 'run.json', 'train.py', 'wegeft.py',
    ]);
    expect(names.filter((n) => n.startsWith('data/train/')).length).toBe(8);
    expect(text(files['train.py'])).toBe(readFileSync(path.join(PROJECT_ROOT, 'python/train.py'), 'utf8'));
    const json = JSON.parse(text(files['run.json'])) as RunJson;
    expect(json.training).toEqual(JSON.parse(JSON.stringify(trainSettingsFor(specs[0].settings))));
    expect(json.training).toMatchObject({ steps: 3, batchSize: 4, learningRate: 1e-2, schedule: 'cosine', warmupSteps: 1, seed: 11 });
    expect(json).toMatchObject({ task: 'image-classification', seqLength: null, labels: ['blue', 'red'], base: { nameOrPath: 'vit', fromHub: false } });
    expect(json.method.settings).toMatchObject({ method: 'wegeft', rank: 2, alpha: 4 });
    expect(json.data).toMatchObject({ included: true, validationFraction: 0.25, splitSeed: 0 });
  });

  it('LoRA\'s bundle has no wegeft.py', async () => {
    const reply = (await driver.request({ type: 'exportBundle', runId: 'l' })) as WorkerEventOf<'exportReady'>;
    const files = unzipSync(reply.bytes);
    expect(files['wegeft.py']).toBeUndefined();
    expect(JSON.parse(text(files['adapter/adapter_config.json'])).peft_type).toBe('LORA');
  });
});
