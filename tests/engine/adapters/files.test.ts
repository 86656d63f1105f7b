/**
 * Loading adapter files: from a folder, by peft_type; and every way a file
 * can be wrong (another base model, truncated, incomplete, corrupt, unknown
 * type) is an InputFileError naming the file, leaking nothing.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAdapterMethod, loadAdapter, loadAdapterFrom } from '../../../src/engine/adapters/registry';
import type { AdapterFiles } from '../../../src/engine/adapters/types';
import { InputFileError } from '../../../src/engine/errors';
import { DirectorySource } from '../../../src/engine/io/node-source';
import { parseSafetensors, writeSafetensors } from '../../../src/engine/io/safetensors';
import { MemorySource } from '../../../src/engine/io/source';
import { useBackend } from '../../helpers/backend';
import { fixtureDir, type FixtureCase } from '../../helpers/fixtures';
import { fixtureModel, logitsWith, maxAbsDiff, randomModel, type TestModel } from './helpers';

async function fixtureAdapter(caseName: FixtureCase, folder: string): Promise<AdapterFiles> {
  const dir = path.join(fixtureDir(caseName), folder);
  return {
    config: JSON.parse(await fs.readFile(path.join(dir, 'adapter_config.json'), 'utf8')),
    weights: new Uint8Array(await fs.readFile(path.join(dir, 'adapter_model.safetensors'))),
  };
}

/** The same safetensors file with its tensors passed through `edit` (return null to drop one). */
function rewrite(weights: Uint8Array, edit: (name: string, values: Float32Array) => Float32Array | null): Uint8Array {
  const file = parseSafetensors(weights, 'original');
  const tensors = [];
  for (const [name, entry] of file.entries) {
    const values = edit(name, file.read(name).values as Float32Array);
    if (values) tensors.push({ name, shape: entry.shape, values });
  }
  return writeSafetensors(tensors);
}

/** Expects `load` to throw an InputFileError matching `message`, and to leave no tensor behind. */
function expectLoadError(load: () => unknown, message: RegExp): InputFileError {
  const before = tf.memory().numTensors;
  let caught: unknown;
  try {
    load();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(InputFileError);
  expect((caught as Error).message).toMatch(message);
  expect(tf.memory().numTensors).toBe(before);
  return caught as InputFileError;
}

let gpt2: TestModel;
let llama: TestModel;
beforeAll(async () => {
  await useBackend('cpu');
  gpt2 = await fixtureModel('gpt2');
  llama = await fixtureModel('llama');
});
afterAll(() => {
  gpt2.dispose();
  llama.dispose();
});

describe('loading from a folder', () => {
  it('reads adapter_config.json and adapter_model.safetensors and dispatches on peft_type', async () => {
    for (const [folder, method] of [['lora', 'lora'], ['wegeft', 'wegeft'], ['wegeft_per_layer', 'wegeft']] as const) {
      const adapter = await loadAdapterFrom(gpt2.model, new DirectorySource(path.join(fixtureDir('gpt2'), folder)));
      expect(adapter.method).toBe(method);
      expect(adapter.settings).toMatchObject({ rank: 4, alpha: 8 });
      adapter.dispose();
    }
  });

  it('names the missing file, and hints at safetensors when only adapter_model.bin is there', async () => {
    const empty = new MemorySource('my-adapter', new Map());
    await expect(loadAdapterFrom(gpt2.model, empty)).rejects.toThrow('my-adapter/adapter_config.json: not found');
    const binOnly = new MemorySource('old', new Map([
      ['adapter_config.json', new TextEncoder().encode('{}')],
      ['adapter_model.bin', new Uint8Array(4)],
    ]));
    await expect(loadAdapterFrom(gpt2.model, binOnly)).rejects.toThrow(/old\/adapter_model\.safetensors: not found: only safetensors adapters/);
  });

  it('names a config that is not JSON', async () => {
    const source = new MemorySource('broken', new Map([
      ['adapter_config.json', new TextEncoder().encode('{"peft_type": ')],
      ['adapter_model.safetensors', new Uint8Array(16)],
    ]));
    await expect(loadAdapterFrom(gpt2.model, source)).rejects.toThrow(/broken\/adapter_config\.json: is not valid JSON/);
  });
});

describe('an adapter made for another base model', () => {
  it('another architecture: its target modules match nothing', async () => {
    const files = await fixtureAdapter('gpt2', 'lora');
    expectLoadError(() => loadAdapter(llama.model, files, 'gpt2-lora'),
      /^gpt2-lora\/adapter_config\.json: its target_modules match no linear layer of this Llama model: the adapter was made for a different base model$/);
  });

  it('another width: a tensor of the wrong shape, named', async () => {
    const narrow = await randomModel('gpt2 d=16', { family: 'gpt2', layers: 2, hidden: 16, heads: 2 });
    const files = await fixtureAdapter('gpt2', 'wegeft');
    const error = expectLoadError(() => loadAdapter(narrow.model, files, 'w'),
      /has shape \[4,32\] but this model's WeGeFT phi of transformer\.h\.\*\.attn\.c_attn needs \[4,16\]: was the adapter trained on a different base model\?/);
    expect(error.file).toBe('w/adapter_model.safetensors');
    expect(error.tensor).toBe('base_model.model.transformer.h.0.attn.c_attn.wegeft_phi.weight');
    narrow.dispose();
  });

  it('another depth: WeGeFT’s recorded groups do not match', async () => {
    const deeper = await randomModel('gpt2 3 layers', { family: 'gpt2', layers: 3, hidden: 32, heads: 4, intermediate: 128 });
    const files = await fixtureAdapter('gpt2', 'wegeft');
    expectLoadError(() => loadAdapter(deeper.model, files, 'w'),
      /w\/adapter_config\.json: its group "transformer\.h\.\*\.attn\.c_attn" \(transformer\.h\.0\.attn\.c_attn, transformer\.h\.1\.attn\.c_attn\) does not match/);
    deeper.dispose();
  });

  it('a shallower model: tensors for layers it lacks', async () => {
    const shallow = await randomModel('llama 1 layer', { family: 'llama', layers: 1, hidden: 32, heads: 4, kvHeads: 2, intermediate: 64 });
    const files = await fixtureAdapter('llama', 'lora');
    expectLoadError(() => loadAdapter(shallow.model, files, 'l'),
      /l\/adapter_model\.safetensors: holds 14 tensor\(s\) that no target module of this model explains: base_model\.model\.model\.layers\.1\./);
    shallow.dispose();
  });

  it('full, BitFit and head-only files record the model type and the exact parameters', async () => {
    const full = getAdapterMethod('full').create(gpt2.model, { method: 'full' }, 0);
    const saved = await full.save();
    full.dispose();
    expectLoadError(() => loadAdapter(llama.model, saved, 'f'), /f\/adapter_config\.json: was saved from a "gpt2" model, but this is a "llama" model/);

    const deeper = await randomModel('gpt2', { family: 'gpt2', layers: 3, hidden: 32, heads: 4, vocab: 96 });
    const bitfit = getAdapterMethod('bitfit').create(deeper.model, { method: 'bitfit' }, 0);
    const biases = await bitfit.save();
    bitfit.dispose();
    expectLoadError(() => loadAdapter(gpt2.model, biases, 'b'), /b\/adapter_config\.json: lists "transformer\.h\.2\.ln_1\.bias", which is not trained by bitfit on this GPT-2 model/);
    deeper.dispose();
  });
});

describe('a damaged adapter file', () => {
  it('truncated', async () => {
    const files = await fixtureAdapter('gpt2', 'lora');
    expectLoadError(() => loadAdapter(gpt2.model, { ...files, weights: files.weights.subarray(0, files.weights.length - 100) }, 'cut'),
      /^cut\/adapter_model\.safetensors: tensor ".*": data ends at byte \d+ but the file holds only \d+ bytes of data \(truncated file\?\)$/);
    expectLoadError(() => loadAdapter(gpt2.model, { ...files, weights: files.weights.subarray(0, 5) }, 'cut'),
      /cut\/adapter_model\.safetensors: not a safetensors file: only 5 bytes/);
  });

  it('missing a tensor its config implies', async () => {
    const files = await fixtureAdapter('gpt2', 'lora');
    const missing = 'base_model.model.transformer.h.1.mlp.c_fc.lora_B.weight';
    const weights = rewrite(files.weights, (name, values) => (name === missing ? null : values));
    expectLoadError(() => loadAdapter(gpt2.model, { ...files, weights }, 'm'),
      /m\/adapter_model\.safetensors: tensor "base_model\.model\.transformer\.h\.1\.mlp\.c_fc\.lora_B\.weight": missing the LoRA B of transformer\.h\.1\.mlp\.c_fc/);
  });

  it('holding a non-finite value', async () => {
    const files = await fixtureAdapter('gpt2', 'wegeft');
    const weights = rewrite(files.weights, (name, values) => {
      if (name.endsWith('c_fc.wegeft_psi.weight')) values[7] = Number.NaN;
      return values;
    });
    expectLoadError(() => loadAdapter(gpt2.model, { ...files, weights }, 'nan'), /holds a non-finite value \(NaN\) at index 7/);
  });

  it('of a type this app does not know', async () => {
    const files = await fixtureAdapter('gpt2', 'lora');
    expectLoadError(() => loadAdapter(gpt2.model, { ...files, config: { ...files.config, peft_type: 'LOHA' } }, 'loha'),
      /loha\/adapter_config\.json: "peft_type" "LOHA" is not one this app can load \(known: WEGEFT, WeGeFT, LORA, VERA, IA3, FULL, BITFIT, HEAD\)/);
  });

  it('WeGeFT with another transform_dim', async () => {
    const files = await fixtureAdapter('gpt2', 'wegeft');
    expectLoadError(() => loadAdapter(gpt2.model, { ...files, config: { ...files.config, transform_dim: 'output' } }, 'w'),
      /"transform_dim" "output" is not supported/);
  });
});

describe('a loaded fixture adapter', () => {
  it('computes what the fixture expects, and the loaded adapter trains (its tensors are variables)', async () => {
    const adapter = loadAdapter(gpt2.model, await fixtureAdapter('gpt2', 'wegeft'), 'w');
    const expected = parseSafetensors(new Uint8Array(await fs.readFile(path.join(fixtureDir('gpt2'), 'wegeft/expected.safetensors'))), 'e');
    expect(maxAbsDiff(logitsWith(gpt2, adapter.patch()), expected.read('logits').values)).toBeLessThanOrEqual(1e-4);
    expect([...adapter.trainable.values()].every((v) => v.trainable)).toBe(true);
    adapter.dispose();
  });

  it('can be written to a folder and read back', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'adapter-'));
    const adapter = loadAdapter(gpt2.model, await fixtureAdapter('gpt2', 'lora'), 'l');
    const files = await adapter.save();
    await fs.writeFile(path.join(dir, 'adapter_config.json'), JSON.stringify(files.config, null, 2));
    await fs.writeFile(path.join(dir, 'adapter_model.safetensors'), files.weights);
    const again = await loadAdapterFrom(gpt2.model, new DirectorySource(dir));
    expect(maxAbsDiff(logitsWith(gpt2, again.patch()), logitsWith(gpt2, adapter.patch()))).toBe(0);
    again.dispose();
    adapter.dispose();
    await fs.rm(dir, { recursive: true });
  });
});
