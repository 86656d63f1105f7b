/**
 * LoRA as PEFT defines it: A (r, d_in) Kaiming-uniform, B (d_out, r) zero,
 * y = base(x) + (alpha/r)·x·Aᵀ·Bᵀ, fan_in_fan_out for Conv1D, and
 * adapter files PEFT writes and reads.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapterTensorKey } from '../../../src/engine/adapters/common/keys';
import { getAdapterMethod, loadAdapter } from '../../../src/engine/adapters/registry';
import type { AdapterSettings } from '../../../src/engine/adapters/types';
import { InputFileError } from '../../../src/engine/errors';
import { DirectorySource } from '../../../src/engine/io/node-source';
import { parseSafetensors } from '../../../src/engine/io/safetensors';
import { loadModel } from '../../../src/engine/models/load';
import { createRng } from '../../../src/engine/random';
import { useBackend } from '../../helpers/backend';
import { fixtureDir, type FixtureCase } from '../../helpers/fixtures';
import { maxAbs, maxAbsDiff, randomModel, type TestModel } from './helpers';

const lora = getAdapterMethod('lora');

beforeAll(async () => {
  await useBackend('cpu');
});

async function readFixtureAdapter(caseName: FixtureCase, folder: string) {
  const dir = path.join(fixtureDir(caseName), folder);
  return {
    config: JSON.parse(await fs.readFile(path.join(dir, 'adapter_config.json'), 'utf8')) as Record<string, unknown>,
    weights: new Uint8Array(await fs.readFile(path.join(dir, 'adapter_model.safetensors'))),
  };
}

describe('on GPT-2 (Conv1D)', () => {
  let t: TestModel;
  beforeAll(async () => {
    t = await randomModel('gpt2', { family: 'gpt2', layers: 2, hidden: 12, heads: 2, intermediate: 20 });
  });
  afterAll(() => t.dispose());
  const settings = (): AdapterSettings => lora.withDefaults(t.model, { rank: 3, alpha: 6 });

  it('starts with B = 0 and A Kaiming-uniform (|A| ≤ 1/√d_in), deterministic for a seed', () => {
    const a = lora.create(t.model, settings(), 9);
    const b = lora.create(t.model, settings(), 9);
    for (const [key, variable] of a.trainable) {
      const values = variable.dataSync();
      if (key.includes('lora_B')) expect(maxAbs(values), key).toBe(0);
      else {
        expect(maxAbs(values), key).toBeLessThanOrEqual(1 / Math.sqrt(variable.shape[1] as number));
        expect(maxAbs(values), key).toBeGreaterThan(0);
      }
      expect(maxAbsDiff(values, b.trainable.get(key)!.dataSync())).toBe(0);
    }
    a.dispose();
    b.dispose();
  });

  it('counts r·(d_in + d_out) per module: c_attn, attn.c_proj, c_fc, mlp.c_proj in each of 2 layers', () => {
    // (12 + 36) + (12 + 12) + (12 + 20) + (20 + 12) = 136 per layer, times r = 3, times 2 layers.
    expect(lora.countTrainable(t.model, settings())).toBe(2 * 3 * 136);
  });

  it('merges ΔW = s·(B·A)ᵀ into the stored (d_in, d_out) Conv1D weight', () => {
    const adapter = lora.create(t.model, settings(), 9);
    const random = createRng(4);
    for (const v of adapter.trainable.values()) v.assign(tf.tensor(Float32Array.from({ length: v.size }, () => random() - 0.5), v.shape));
    const module = t.model.linearModule('transformer.h.1.attn.c_attn');
    const A = adapter.trainable.get(adapterTensorKey(module.path, 'lora_A'))!.dataSync();
    const B = adapter.trainable.get(adapterTensorKey(module.path, 'lora_B'))!.dataSync();
    const W = t.model.baseParam(module.weight).dataSync();
    const merged = adapter.mergedWeights();
    const actual = merged.get(module.weight)!;
    expect(actual.shape).toEqual([module.dIn, module.dOut]);
    const expected = new Float64Array(module.dIn * module.dOut);
    for (let i = 0; i < module.dIn; i++) {
      for (let o = 0; o < module.dOut; o++) {
        let delta = 0;
        for (let k = 0; k < 3; k++) delta += B[o * 3 + k] * A[k * module.dIn + i];
        expected[i * module.dOut + o] = W[i * module.dOut + o] + 2 * delta;
      }
    }
    expect(maxAbsDiff(actual.dataSync(), expected)).toBeLessThanOrEqual(1e-5);
    for (const tensor of merged.values()) tensor.dispose();
    adapter.dispose();
  });

  it('saves fan_in_fan_out: true and PEFT keys without an adapter name', async () => {
    const adapter = lora.create(t.model, settings(), 0);
    const files = await adapter.save();
    expect(files.config).toMatchObject({ peft_type: 'LORA', r: 3, lora_alpha: 6, fan_in_fan_out: true, modules_to_save: null });
    const keys = [...parseSafetensors(files.weights, 'saved').entries.keys()];
    expect(keys).toContain('base_model.model.transformer.h.0.attn.c_attn.lora_A.weight');
    expect(keys).toContain('base_model.model.transformer.h.1.mlp.c_proj.lora_B.weight');
    adapter.dispose();
  });
});

describe('PEFT’s own files', () => {
  it.each([
    ['gpt2', 'lora'],
    ['llama', 'lora'],
    ['vit', 'lora'],
  ] as const)('%s/%s: loading then saving gives back the same config fields and tensors', async (caseName, folder) => {
    const model = await loadModel(new DirectorySource(fixtureDir(caseName)));
    const original = await readFixtureAdapter(caseName, folder);
    const adapter = loadAdapter(model, original, `${caseName}/${folder}`);
    const saved = await adapter.save();
    // PEFT sorts a set into target_modules, and records the folder it loaded the base from (the export fills that in:
    // tests/engine/adapters/handoff/peft-side-by-side.test.ts); the rest, auto_mapping included, must match.
    const { base_model_name_or_path: _b, target_modules: savedTargets, ...savedRest } = saved.config;
    const { base_model_name_or_path: _d, target_modules: originalTargets, ...originalRest } = original.config;
    expect(savedRest).toEqual(originalRest);
    expect([...(savedTargets as string[])].sort()).toEqual([...(originalTargets as string[])].sort());
    const before = parseSafetensors(original.weights, 'fixture');
    const after = parseSafetensors(saved.weights, 'saved');
    expect([...after.entries.keys()].sort()).toEqual([...before.entries.keys()].sort());
    for (const key of before.entries.keys()) expect(maxAbsDiff(after.read(key).values, before.read(key).values), key).toBe(0);
    adapter.dispose();
    model.dispose();
  });

  it.each([
    [{ use_rslora: true }, /rank-stabilised LoRA/],
    [{ bias: 'all' }, /trained biases/],
    [{ rank_pattern: { q_proj: 8 } }, /per-module ranks/],
    [{ layers_to_transform: [0] }, /layers_to_transform/],
    [{ r: 0 }, /"r" must be a positive integer/],
    [{ lora_alpha: 'eight' }, /"lora_alpha" must be a positive number/],
    [{ target_modules: 3 }, /"target_modules" must be a list of names or a pattern/],
    [{ target_modules: '(?P<x>q_proj' }, /"target_modules": the target pattern .* is not a valid regular expression/],
  ])('refuses a config with %j, naming adapter_config.json', async (change, message) => {
    const model = await loadModel(new DirectorySource(fixtureDir('llama')));
    const original = await readFixtureAdapter('llama', 'lora');
    const load = () => loadAdapter(model, { config: { ...original.config, ...change }, weights: original.weights }, 'my-lora');
    expect(load).toThrow(InputFileError);
    expect(load).toThrow(message);
    expect(load).toThrow(/^my-lora\/adapter_config\.json: /);
    model.dispose();
  });

  it('reads a LORA config with use_dora as DoRA, whose magnitude vectors a plain LoRA file lacks', async () => {
    const model = await loadModel(new DirectorySource(fixtureDir('llama')));
    const original = await readFixtureAdapter('llama', 'lora');
    const load = () => loadAdapter(model, { config: { ...original.config, use_dora: true }, weights: original.weights }, 'my-lora');
    expect(load).toThrow(InputFileError);
    expect(load).toThrow(/^my-lora\/adapter_model\.safetensors: .*missing the DoRA magnitude of .*: the file is incomplete/);
    model.dispose();
  });
});
