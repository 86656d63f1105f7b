/**
 * WeGeFT in its authors' format (their fork of PEFT, savadikarc/gift):
 * the fixtures' WeGeFT adapters, exported in that format, hold exactly the
 * fields the fork's WeGeFTConfig takes (PEFT 0.12 builds it with
 * `WeGeFTConfig(**json)`), tie each module type with a regular expression
 * that Python's `re.match` gives the same groups, and load back to the
 * fixtures' logits; files that tie modules in ways this app does not train
 * are refused with a sentence saying so.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { modelOnlyCheckpoint } from '../../../src/engine/adapters/handoff/base-checkpoint';
import { runExportFiles } from '../../../src/engine/adapters/handoff/run-export';
import { loadAdapter } from '../../../src/engine/adapters/registry';
import { groupModules } from '../../../src/engine/adapters/common/groups';
import { resolveTargets } from '../../../src/engine/adapters/common/targets';
import { InputFileError } from '../../../src/engine/errors';
import { parseSafetensors } from '../../../src/engine/io/safetensors';
import { fixtureDir } from '../../helpers/fixtures';
import { fixtureModel, logitsWith, maxAbsDiff } from './helpers';

/** WeGeFTConfig's fields in the fork (tuners/wegeft/config.py) and PeftConfig's (peft 0.12). */
const FORK_FIELDS = [
  'alpha_pattern', 'auto_mapping', 'base_model_name_or_path', 'bias', 'fan_in_fan_out', 'inference_mode', 'init_wegeft_weights',
  'layers_pattern', 'layers_to_transform', 'modules_to_save', 'peft_type', 'r', 'rank_pattern', 'revision', 'target_modules',
  'task_type', 'tied_modules', 'transform_dim', 'wegeft_alpha', 'wegeft_dropout',
];
const REF = { nameOrPath: 'x', revision: null, fromHub: false };

async function fixtureFiles(caseName: 'gpt2' | 'llama' | 'vit', folder: string) {
  const dir = path.join(fixtureDir(caseName), folder);
  return {
    config: JSON.parse(await fs.readFile(path.join(dir, 'adapter_config.json'), 'utf8')) as Record<string, unknown>,
    weights: new Uint8Array(await fs.readFile(path.join(dir, 'adapter_model.safetensors'))),
  };
}

/** The fork's _parameter_origin_key in Python's own `re`: for each module, the index of its tied list, or its own name. */
function pythonGroups(tied: unknown, modules: string[]): string[] {
  const script = [
    'import json, re, sys',
    'tied, modules = json.load(sys.stdin)',
    'def key(m):',
    '    for i, patterns in enumerate(tied or []):',
    '        if any(re.match(p, m) for p in patterns): return "tied:%d" % i',
    '    return "own:" + m',
    'print(json.dumps([key(m) for m in modules]))',
  ].join('\n');
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify([tied, modules]) }).toString());
}

describe("WeGeFT in the authors' format", () => {
  it.each([
    ['llama', 'wegeft'],
    ['llama', 'wegeft_per_layer'],
    ['vit', 'wegeft'],
    ['gpt2', 'wegeft'],
  ] as const)('%s/%s: the fork\'s fields, its grouping under Python\'s re, and the fixture\'s logits after a round trip', async (caseName, folder) => {
    await tf.setBackend('cpu');
    const t = await fixtureModel(caseName);
    const ours = loadAdapter(t.model, await fixtureFiles(caseName, folder), `${caseName}/${folder}`);
    const files = await runExportFiles(t.model, ours, modelOnlyCheckpoint(REF), { runName: 'w', format: 'authors' });
    const config = JSON.parse(new TextDecoder().decode(files.get('adapter_config.json')!)) as Record<string, unknown>;
    expect(Object.keys(config).sort()).toEqual(FORK_FIELDS);
    expect(config).toMatchObject({ peft_type: 'WeGeFT', transform_dim: 'input', task_type: null, fan_in_fan_out: caseName === 'gpt2' });
    expect(Array.isArray(config.target_modules)).toBe(true); // the fork iterates it

    // Python's re.match over the module names gives the groups the engine trained.
    const targets = resolveTargets(t.model, ours.settings.targets!);
    const modules = targets.map((m) => m.path);
    const keys = pythonGroups(config.tied_modules, modules);
    const perLayer = folder === 'wegeft_per_layer';
    expect(new Set(keys).size).toBe(groupModules(targets, perLayer).size);
    if (!perLayer) expect(keys.every((k) => k.startsWith('tied:'))).toBe(true);

    const back = loadAdapter(t.model, { config, weights: files.get('adapter_model.safetensors')! }, 'authors');
    expect(back.settings.perLayer ?? false).toBe(perLayer);
    expect([...back.trainable.keys()]).toEqual([...ours.trainable.keys()]);
    const expected = parseSafetensors(new Uint8Array(await fs.readFile(path.join(fixtureDir(caseName), folder, 'expected.safetensors'))), 'expected');
    expect(maxAbsDiff(logitsWith(t, back.patch()), expected.read('logits').values)).toBeLessThan(1e-4);
    back.dispose();
    ours.dispose();
    t.dispose();
  });

  it('refuses tying across module types, a flat tied list, and transform_dim "output", naming the file', async () => {
    await tf.setBackend('cpu');
    const t = await fixtureModel('llama');
    const ours = loadAdapter(t.model, await fixtureFiles('llama', 'wegeft'), 'llama/wegeft');
    const files = await runExportFiles(t.model, ours, modelOnlyCheckpoint(REF), { runName: 'w', format: 'authors' });
    const config = JSON.parse(new TextDecoder().decode(files.get('adapter_config.json')!)) as Record<string, unknown>;
    const weights = files.get('adapter_model.safetensors')!;
    const attempt = (patch: Record<string, unknown>) => {
      try {
        loadAdapter(t.model, { config: { ...config, ...patch }, weights }, 'from-python').dispose();
      } catch (error) {
        expect(error).toBeInstanceOf(InputFileError);
        expect((error as InputFileError).file).toBe('from-python/adapter_config.json');
        return (error as Error).message;
      }
      throw new Error('expected the load to fail');
    };
    expect(attempt({ tied_modules: [['^model\\.layers\\.\\d+\\.self_attn\\.(q|k)_proj$']] })).toMatch(/different types/);
    expect(attempt({ tied_modules: ['q_proj'] })).toMatch(/list of lists/);
    expect(attempt({ transform_dim: 'output' })).toMatch(/"transform_dim" "output" is not supported/);
    expect(attempt({ tied_modules: [['(a']] })).toMatch(/tied_modules/);
    ours.dispose();
    t.dispose();
  });
});
