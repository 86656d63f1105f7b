/**
 * Every run's export is what its method is, with the base model recorded,
 * a classifier's label mapping where transformers reads it (config.json),
 * a README with the loading code, and the merged model in the base's dtype
 * with config.json's text kept as written.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportMergedModel } from '../../../../src/engine/adapters/export';
import { modelOnlyCheckpoint, readBaseCheckpoint } from '../../../../src/engine/adapters/handoff/base-checkpoint';
import { exportChoices, exportKind } from '../../../../src/engine/adapters/handoff/export-kinds';
import { runExportFiles } from '../../../../src/engine/adapters/handoff/run-export';
import { METHOD_NAMES } from '../../../../src/engine/adapters/methods';
import { getAdapterMethod, loadAdapter, resolveAdapterSettings } from '../../../../src/engine/adapters/registry';
import type { Adapter, AdapterMethodName } from '../../../../src/engine/adapters/types';
import { DirectorySource } from '../../../../src/engine/io/node-source';
import { parseSafetensors, writeSafetensors } from '../../../../src/engine/io/safetensors';
import { MemorySource } from '../../../../src/engine/io/source';
import { loadModel } from '../../../../src/engine/models/load';
import type { Model } from '../../../../src/engine/models/model';
import { fixtureDir } from '../../../helpers/fixtures';

const HUB = { nameOrPath: 'owner/tiny-gpt2', revision: 'v1.0', fromHub: true };
const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes!);

function created(model: Model, method: AdapterMethodName, extra: Record<string, unknown> = {}): Adapter {
  const { settings, problems } = resolveAdapterSettings(model, { method, ...extra });
  expect(problems).toEqual([]);
  return getAdapterMethod(method).create(model, settings, 3);
}

describe('what each method exports as', () => {
  it('only the peft types PEFT knows are called PEFT adapters', () => {
    const kinds = Object.fromEntries(METHOD_NAMES.map((m) => [m, exportKind(m)]));
    expect(kinds).toEqual({
      wegeft: 'own-adapter', lora: 'peft-adapter', dora: 'peft-adapter', pissa: 'peft-adapter', vera: 'peft-adapter',
      ia3: 'peft-adapter', full: 'full-checkpoint', bitfit: 'parameters', head: 'parameters',
    });
    expect(exportChoices('wegeft').map((c) => c.label)).toEqual(['WeGeFT adapter (our format, .zip)', "WeGeFT adapter (authors' PEFT fork, .zip)"]);
    expect(exportChoices('full').map((c) => c.label)).toEqual(['Full checkpoint (Hugging Face, .zip)']);
    expect(exportChoices('bitfit')[0].label).toBe('BitFit parameters (our format, .zip)');
    for (const m of METHOD_NAMES) {
      if (exportKind(m) !== 'peft-adapter') expect(exportChoices(m).some((c) => c.label.includes('PEFT adapter')), m).toBe(false);
    }
  });
});

describe('on the GPT-2 fixture', () => {
  let model: Model;
  const source = new DirectorySource(fixtureDir('gpt2'));
  beforeAll(async () => {
    await tf.setBackend('cpu');
    model = await loadModel(source);
  });
  afterAll(() => model.dispose());

  it('a PEFT adapter records the Hub id and revision, and its README loads it with PeftModel', async () => {
    const adapter = created(model, 'ia3');
    const files = await runExportFiles(model, adapter, await readBaseCheckpoint(source, HUB), { runName: 'my (IA)3 run' });
    expect([...files.keys()].sort()).toEqual(['README.md', 'adapter_config.json', 'adapter_model.safetensors']);
    const config = JSON.parse(text(files.get('adapter_config.json')));
    expect(config).toMatchObject({
      peft_type: 'IA3', base_model_name_or_path: 'owner/tiny-gpt2', revision: 'v1.0', task_type: null,
      auto_mapping: { base_model_class: 'GPT2LMHeadModel', parent_library: 'transformers.models.gpt2.modeling_gpt2' },
    });
    const readme = text(files.get('README.md'));
    expect(readme).toContain('BASE = "owner/tiny-gpt2"');
    expect(readme).toContain('base = AutoModelForCausalLM.from_pretrained(BASE, revision="v1.0")');
    expect(readme).toContain('model = PeftModel.from_pretrained(base, HERE)');
    adapter.dispose();
  });

  it('WeGeFT in our format says PEFT cannot load it; in the authors\' format it warns about Conv1D', async () => {
    const adapter = created(model, 'wegeft');
    const base = await readBaseCheckpoint(source, HUB);
    const ours = await runExportFiles(model, adapter, base, { runName: 'w' });
    expect(JSON.parse(text(ours.get('adapter_config.json')))).toMatchObject({ peft_type: 'WEGEFT', base_model_name_or_path: 'owner/tiny-gpt2' });
    expect(text(ours.get('README.md'))).toMatch(/Released PEFT does not know WeGeFT/);
    const authors = await runExportFiles(model, adapter, base, { runName: 'w', format: 'authors' });
    expect(JSON.parse(text(authors.get('adapter_config.json'))).peft_type).toBe('WeGeFT');
    expect(text(authors.get('README.md'))).toMatch(/wraps `nn\.Linear` only/);
    await expect(runExportFiles(model, created(model, 'lora'), base, { runName: 'l', format: 'authors' })).rejects.toThrow(/has no authors' format/);
    adapter.dispose();
  });

  it('full fine-tuning exports a whole checkpoint that loads as a model', async () => {
    const adapter = created(model, 'full');
    const files = await runExportFiles(model, adapter, await readBaseCheckpoint(source, HUB), { runName: 'full' });
    expect([...files.keys()].sort()).toEqual(['README.md', 'config.json', 'generation_config.json', 'model.safetensors']);
    expect(text(files.get('README.md'))).toContain('model = AutoModelForCausalLM.from_pretrained(HERE)');
    // Nothing changed in config.json: it is the base's, byte for byte.
    expect(text(files.get('config.json'))).toBe(await fs.readFile(path.join(fixtureDir('gpt2'), 'config.json'), 'utf8'));
    const reloaded = await loadModel(new MemorySource('full', files));
    expect(reloaded.parameterCount()).toBe(model.parameterCount());
    reloaded.dispose();
    adapter.dispose();
  });

  it('head-only on a tied model: parameter files, and a README that unties the head', async () => {
    const adapter = created(model, 'head');
    const files = await runExportFiles(model, adapter, modelOnlyCheckpoint(HUB), { runName: 'head' });
    const readme = text(files.get('README.md'));
    expect(readme).toContain('from_pretrained(BASE, revision="v1.0", tie_word_embeddings=False)');
    expect(readme).toContain('model.load_state_dict(load_file(f"{HERE}/adapter_model.safetensors"), strict=False)');
    expect(loadAdapter(model, { config: JSON.parse(text(files.get('adapter_config.json'))), weights: files.get('adapter_model.safetensors')! }).method).toBe('head');
    adapter.dispose();
  });
});

describe('a float16 base with config values PyTorch wrote', () => {
  let model: Model;
  let source: MemorySource;
  // 0.0 and 10000.0 are what JSON.parse would turn into 0 and 10000.
  let configText: string;
  beforeAll(async () => {
    const dir = fixtureDir('gpt2');
    const original = parseSafetensors(new Uint8Array(await fs.readFile(path.join(dir, 'model.safetensors'))), 'model.safetensors');
    const half = writeSafetensors(
      [...original.entries.keys()].map((name) => {
        const t = original.read(name);
        return { name, shape: t.shape, values: t.values as Float32Array, storeAs: 'F16' as const };
      }),
      { format: 'pt' },
    );
    configText = (await fs.readFile(path.join(dir, 'config.json'), 'utf8'))
      .replace('"attn_pdrop": 0,', '"attn_pdrop": 0.0,')
      .replace('"dtype": "float32"', '"dtype": "float16",\n  "rope_theta": 10000.0');
    source = new MemorySource('half', new Map([['config.json', new TextEncoder().encode(configText)], ['model.safetensors', half]]));
    model = await loadModel(source);
  });
  afterAll(() => model.dispose());

  it('the merged model stays float16, and config.json is the base\'s text', async () => {
    const adapter = created(model, 'lora');
    const files = await exportMergedModel(model, adapter, await readBaseCheckpoint(source, HUB));
    const weights = parseSafetensors(files.get('model.safetensors')!, 'merged');
    expect(new Set([...weights.entries.values()].map((e) => e.dtype))).toEqual(new Set(['F16']));
    expect(text(files.get('config.json'))).toBe(configText);
    // B = 0: the merged weights are the base's, exactly (float16 → float32 → float16 is lossless).
    const before = parseSafetensors(await source.read('model.safetensors'), 'base');
    for (const key of before.entries.keys()) expect([...weights.read(key).values]).toEqual([...before.read(key).values]);
    expect((await exportMergedModel(model, adapter, await readBaseCheckpoint(source, HUB), { dtype: 'F32' })).get('model.safetensors')!.byteLength)
      .toBeGreaterThan(files.get('model.safetensors')!.byteLength * 1.9);
    adapter.dispose();
  });

  it('head-only untied: the new lm_head takes the base dtype, and only tie_word_embeddings changes in config.json', async () => {
    const adapter = created(model, 'head');
    const files = await exportMergedModel(model, adapter, await readBaseCheckpoint(source, HUB));
    expect(parseSafetensors(files.get('model.safetensors')!, 'merged').entries.get('lm_head.weight')!.dtype).toBe('F16');
    expect(text(files.get('config.json'))).toBe(configText.replace('"tie_word_embeddings": true', '"tie_word_embeddings": false'));
    adapter.dispose();
  });
});

describe('on the ViT fixture (5 labels, LABEL_0 … LABEL_4)', () => {
  let model: Model;
  const source = new DirectorySource(fixtureDir('vit'));
  beforeAll(async () => {
    model = await loadModel(source);
  });
  afterAll(() => model.dispose());

  it.each([
    ['the same count of other classes', ['zero', 'one', 'two', 'three', 'four']],
    ['another count', ['cat', 'dog']],
  ])('%s: config.json beside the adapter names them, and the README loads with it', async (_, labels) => {
    const adapter = created(model, 'lora', { labels });
    const files = await runExportFiles(model, adapter, await readBaseCheckpoint(source, { nameOrPath: 'vit', revision: null, fromHub: false }), { runName: 'digits' });
    const config = JSON.parse(text(files.get('config.json')));
    expect(config.id2label).toEqual(Object.fromEntries(labels.map((l, i) => [String(i), l])));
    expect(config.label2id).toEqual(Object.fromEntries(labels.map((l, i) => [l, i])));
    expect(config.model_type).toBe('vit');
    const adapterConfig = JSON.parse(text(files.get('adapter_config.json')));
    expect(adapterConfig).toMatchObject({ base_model_name_or_path: 'vit', modules_to_save: ['classifier'] });
    const readme = text(files.get('README.md'));
    expect(readme).toContain('BASE = "path/to/vit"');
    expect(readme).toContain('base = AutoModelForImageClassification.from_pretrained(BASE, config=AutoConfig.from_pretrained(HERE), ignore_mismatched_sizes=True)');
    expect(readme).toContain(`predicts ${labels.length} labels`);
    adapter.dispose();
  });
});
