/**
 * "Continue in PyTorch": a finished run's bundle holds the export under
 * adapter/, run.json with exactly the run's settings, python/train.py (and
 * python/wegeft.py for WeGeFT only), requirements.txt, the Accelerate config,
 * the dataset (or, above the size limit, the instructions to pass --data)
 * and a README with the commands.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBaseCheckpoint } from '../../../../src/engine/adapters/handoff/base-checkpoint';
import { ACCELERATE_CONFIG, RUN_FORMAT, type RunJson } from '../../../../src/engine/adapters/handoff/pytorch-bundle';
import { runBundleFiles } from '../../../../src/engine/adapters/handoff/run-bundle';
import { getAdapterMethod, resolveAdapterSettings } from '../../../../src/engine/adapters/registry';
import type { Adapter, AdapterMethodName } from '../../../../src/engine/adapters/types';
import type { DataFile } from '../../../../src/engine/data/types';
import { DirectorySource } from '../../../../src/engine/io/node-source';
import { loadModel } from '../../../../src/engine/models/load';
import type { Model } from '../../../../src/engine/models/model';
import { trainSettingsWithDefaults } from '../../../../src/engine/train/settings';
import { fixtureDir, PROJECT_ROOT } from '../../../helpers/fixtures';
import { readPythonSources } from '../../../../scripts/lib/python-sources';
import { PYTHON_SOURCES } from '../../../../src/worker/python-sources';

const HUB = { nameOrPath: 'owner/tiny-gpt2', revision: null, fromHub: true };
const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes!);
const onDisk = (name: string) => readFileSync(path.join(PROJECT_ROOT, 'python', name), 'utf8');
const TRAINING = trainSettingsWithDefaults({ steps: 7, batchSize: 2, gradientAccumulation: 3, learningRate: 2e-3, schedule: 'cosine', warmupSteps: 2, seed: 5 });
const DATA = {
  train: [{ path: 'notes/a.txt', bytes: new TextEncoder().encode('one\n\ntwo\n') }, { path: 'notes/b.jsonl', bytes: new TextEncoder().encode('{"text":"x"}\n') }] as DataFile[],
  validation: [{ path: 'notes.val.txt', bytes: new TextEncoder().encode('held out') }] as DataFile[],
  validationFraction: 0.1,
  splitSeed: 0,
};

function created(model: Model, method: AdapterMethodName): Adapter {
  const lowRank = method === 'lora' || method === 'wegeft';
  const { settings, problems } = resolveAdapterSettings(model, { method, ...(lowRank ? { rank: 2, alpha: 4 } : {}) });
  expect(problems).toEqual([]);
  return getAdapterMethod(method).create(model, settings, 3);
}

describe('the Continue-in-PyTorch bundle, on the GPT-2 fixture', () => {
  let model: Model;
  const source = new DirectorySource(fixtureDir('gpt2'));
  beforeAll(async () => {
    await tf.setBackend('cpu');
    model = await loadModel(source);
  });
  afterAll(() => model.dispose());

  const bundle = async (method: AdapterMethodName, extra: { maxDataBytes?: number; format?: 'ours' | 'authors' } = {}) => {
    const adapter = created(model, method);
    try {
      const files = await runBundleFiles(model, adapter, await readBaseCheckpoint(source, HUB), {
        runName: `my ${method} run`, training: TRAINING, seqLength: 32, data: DATA, python: readPythonSources(), ...extra,
      });
      return { files, settings: adapter.settings };
    } finally {
      adapter.dispose();
    }
  };

  it('LoRA: the PEFT adapter, run.json, train.py, requirements with PEFT, the Accelerate config and the data; no wegeft.py', async () => {
    const { files, settings } = await bundle('lora');
    expect([...files.keys()].sort()).toEqual([
      'README.md', 'accelerate_config.yaml', 'adapter/README.md', 'adapter/adapter_config.json', 'adapter/adapter_model.safetensors',
      'data/train/notes/a.txt', 'data/train/notes/b.jsonl', 'data/validation/notes.val.txt', 'requirements.txt', 'run.json', 'train.py',
    ]);
    expect(text(files.get('train.py'))).toBe(onDisk('train.py'));
    expect(JSON.parse(text(files.get('adapter/adapter_config.json'))).peft_type).toBe('LORA');
    const run = JSON.parse(text(files.get('run.json'))) as RunJson;
    // Exactly the run's settings, in the engine's own names (train.py reads these keys).
    expect(run.training).toEqual(JSON.parse(JSON.stringify(TRAINING)));
    expect(run.method).toEqual({ name: 'lora', label: 'LoRA', settings: JSON.parse(JSON.stringify(settings)) });
    expect(run.method.settings).toMatchObject({ rank: 2, alpha: 4 });
    expect(run).toMatchObject({
      format: RUN_FORMAT, runName: 'my lora run', task: 'causal-lm', base: HUB, seqLength: 32, labels: null,
      export: { kind: 'peft-adapter', format: 'ours', dir: 'adapter' },
      data: { included: true, dir: 'data', files: ['notes/a.txt', 'notes/b.jsonl'], validationFiles: ['notes.val.txt'], validationFraction: 0.1, splitSeed: 0 },
    });
    expect(text(files.get('requirements.txt'))).toMatch(/^peft>=/m);
    expect(text(files.get('requirements.txt'))).toMatch(/torch 1\.13 \(CPU/);
    expect(text(files.get('accelerate_config.yaml'))).toBe(ACCELERATE_CONFIG);
    const readme = text(files.get('README.md'));
    for (const command of ['pip install -r requirements.txt', 'python train.py ', 'accelerate launch --config_file accelerate_config.yaml train.py ']) {
      expect(readme).toContain(command);
    }
    expect(readme).toMatch(/\*\*Not checked there:\*\* transformers, PEFT and Accelerate\s+themselves/);
  });

  it('WeGeFT: wegeft.py from python/, no PEFT requirement, and the authors\' format recorded for train.py to write back', async () => {
    const { files } = await bundle('wegeft', { format: 'authors' });
    expect(text(files.get('wegeft.py'))).toBe(onDisk('wegeft.py'));
    expect(JSON.parse(text(files.get('adapter/adapter_config.json'))).peft_type).toBe('WeGeFT');
    expect((JSON.parse(text(files.get('run.json'))) as RunJson).export).toEqual({ kind: 'own-adapter', format: 'authors', dir: 'adapter' });
    expect(text(files.get('requirements.txt'))).not.toMatch(/^peft/m);
    expect(text(files.get('README.md'))).toContain('`wegeft.py`');
  });

  it('full fine-tuning carries the whole checkpoint; BitFit its parameter files', async () => {
    const full = await bundle('full');
    expect(full.files.has('adapter/model.safetensors')).toBe(true);
    expect(full.files.has('wegeft.py')).toBe(false);
    expect((JSON.parse(text(full.files.get('run.json'))) as RunJson).export.kind).toBe('full-checkpoint');
    const bitfit = await bundle('bitfit');
    expect(bitfit.files.has('adapter/adapter_model.safetensors')).toBe(true);
    expect((JSON.parse(text(bitfit.files.get('run.json'))) as RunJson).export.kind).toBe('parameters');
    expect(text(bitfit.files.get('README.md'))).toContain('PEFT has no such method');
  });

  it('above the size limit the data stays out, and the README says how to point train.py at it', async () => {
    const bytes = DATA.train.reduce((n, f) => n + f.bytes.length, 0) + DATA.validation[0].bytes.length;
    const atLimit = await bundle('lora', { maxDataBytes: bytes });
    expect(atLimit.files.has('data/train/notes/a.txt')).toBe(true);
    const { files } = await bundle('lora', { maxDataBytes: bytes - 1 });
    expect([...files.keys()].filter((name) => name.startsWith('data/'))).toEqual([]);
    const run = JSON.parse(text(files.get('run.json'))) as RunJson;
    expect(run.data).toMatchObject({ included: false, bytes, files: ['notes/a.txt', 'notes/b.jsonl'] });
    expect(text(files.get('README.md'))).toContain('`python train.py --data <your files or folder>`');
  });

  it('files kept by name only (the app keeps no bytes above the limit) are named, with their total size', async () => {
    const adapter = created(model, 'lora');
    const named = { ...DATA, train: DATA.train.map((f) => ({ path: f.path, bytes: new Uint8Array(0) })), validation: [], bytes: 2 ** 30 };
    const files = await runBundleFiles(model, adapter, await readBaseCheckpoint(source, HUB), { runName: 'big', training: TRAINING, seqLength: 32, data: named, python: readPythonSources() });
    adapter.dispose();
    expect([...files.keys()].some((name) => name.startsWith('data/'))).toBe(false);
    expect((JSON.parse(text(files.get('run.json'))) as RunJson).data).toMatchObject({ included: false, bytes: 2 ** 30, files: ['notes/a.txt', 'notes/b.jsonl'] });
    expect(text(files.get('README.md'))).toContain('1024.0 MiB');
  });
});

describe('the Python sources', () => {
  it('the app builds in python/*.py as they are on disk (one source for the app and the CLI)', () => {
    expect(PYTHON_SOURCES.trainPy).toBe(onDisk('train.py'));
    expect(PYTHON_SOURCES.wegeftPy).toBe(onDisk('wegeft.py'));
  });
});
