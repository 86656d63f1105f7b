/**
 * Our LoRA export beside the files PEFT itself wrote (the fixtures' lora/
 * folders, from PEFT 0.21's save_pretrained): the same tensor keys, shapes
 * and dtypes, and the same adapter_config.json fields, auto_mapping and
 * base_model_name_or_path included, for a fresh LoRA of the same settings
 * exported from the base model loaded as a folder of the same name.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBaseCheckpoint } from '../../../../src/engine/adapters/handoff/base-checkpoint';
import { runExportFiles } from '../../../../src/engine/adapters/handoff/run-export';
import { getAdapterMethod, resolveAdapterSettings } from '../../../../src/engine/adapters/registry';
import { targetsFromPeft } from '../../../../src/engine/adapters/common/targets';
import { DirectorySource } from '../../../../src/engine/io/node-source';
import { parseSafetensors } from '../../../../src/engine/io/safetensors';
import { loadModel } from '../../../../src/engine/models/load';
import { baseModelRef } from '../../../../src/worker/exports';
import { fixtureDir, type FixtureCase } from '../../../helpers/fixtures';

async function peftWritten(caseName: FixtureCase) {
  const dir = path.join(fixtureDir(caseName), 'lora');
  const config = JSON.parse(await fs.readFile(path.join(dir, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
  return { config, weights: parseSafetensors(new Uint8Array(await fs.readFile(path.join(dir, 'adapter_model.safetensors'))), 'peft') };
}

describe("our LoRA export beside PEFT's own files", () => {
  it.each(['gpt2', 'llama', 'vit'] as const)('%s: same keys, shapes, dtypes and config fields', async (caseName) => {
    const peft = await peftWritten(caseName);
    const source = new DirectorySource(fixtureDir(caseName));
    const model = await loadModel(source);
    // The app names a dropped folder's base by the folder's name, as PEFT named the folder it loaded.
    const ref = baseModelRef({ kind: 'files', files: [], label: caseName }, source);
    const { settings, problems } = resolveAdapterSettings(model, {
      method: 'lora',
      rank: peft.config.r as number,
      alpha: peft.config.lora_alpha as number,
      targets: targetsFromPeft(peft.config.target_modules)!,
    });
    expect(problems).toEqual([]);
    const adapter = getAdapterMethod('lora').create(model, settings, 1);
    const files = await runExportFiles(model, adapter, await readBaseCheckpoint(source, ref), { runName: 'lora' });
    const ours = JSON.parse(new TextDecoder().decode(files.get('adapter_config.json')!)) as Record<string, unknown>;
    const weights = parseSafetensors(files.get('adapter_model.safetensors')!, 'ours');

    expect(Object.keys(ours).sort()).toEqual(Object.keys(peft.config).sort());
    // PEFT stores target_modules as a set: its order is the set's.
    const { target_modules: ourTargets, ...ourRest } = ours;
    const { target_modules: peftTargets, ...peftRest } = peft.config;
    expect(ourRest).toEqual(peftRest);
    expect([...(ourTargets as string[])].sort()).toEqual([...(peftTargets as string[])].sort());
    expect(ours.auto_mapping).toEqual(peft.config.auto_mapping);
    expect(ours.base_model_name_or_path).toBe(caseName);

    expect([...weights.entries.keys()].sort()).toEqual([...peft.weights.entries.keys()].sort());
    for (const [key, entry] of peft.weights.entries) {
      expect(weights.entries.get(key)!.shape, key).toEqual(entry.shape);
      expect(weights.entries.get(key)!.dtype, key).toBe(entry.dtype);
    }
    expect(weights.metadata.format).toBe('pt'); // what PEFT writes (the fixtures' re-save dropped it)
    adapter.dispose();
    model.dispose();
  });
});
