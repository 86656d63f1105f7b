/**
 * python/wegeft.py (the PyTorch WeGeFT module the "Continue in PyTorch"
 * bundle carries) against the engine, module by module, on the reference
 * fixtures' WeGeFT adapters for GPT-2 (Conv1D) and Llama (Linear), shared
 * and per layer. transformers is absent here, so no whole model runs in
 * Python: for every adapted module, wegeft.py's ΔW (from our format and from
 * the authors') equals the engine's merged minus base weight; the wrapped
 * layer's forward on random x equals x·(W+ΔW)ᵀ+b and autograd's φ, ψ
 * gradients equal the dense formula's (float64); adapters wegeft.py writes
 * in either format load into the engine with wegeft.py's ΔW.
 * Needs /usr/bin/python3 with torch (Debian's python3-torch; .ci/run installs it).
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveTargets } from '../../src/engine/adapters/common/targets';
import { modelOnlyCheckpoint } from '../../src/engine/adapters/handoff/base-checkpoint';
import { runExportFiles } from '../../src/engine/adapters/handoff/run-export';
import { loadAdapter } from '../../src/engine/adapters/registry';
import { parseSafetensors, writeSafetensors, type TensorToWrite } from '../../src/engine/io/safetensors';
import { fixtureModel, maxAbsDiff } from '../engine/adapters/helpers';
import { fixtureDir, PROJECT_ROOT } from '../helpers/fixtures';
import { PYTHON, requireTorch } from '../helpers/python';

const CHECK = path.join(PROJECT_ROOT, 'tests/python/check_wegeft.py');

beforeAll(async () => {
  requireTorch();
  await tf.setBackend('cpu');
});

const CASES = [
  ['gpt2', 'wegeft', 'conv1d'],
  ['gpt2', 'wegeft_per_layer', 'conv1d'],
  ['llama', 'wegeft', 'linear'],
  ['llama', 'wegeft_per_layer', 'linear'],
] as const;

async function readAdapter(dir: string) {
  return {
    config: JSON.parse(await fs.readFile(path.join(dir, 'adapter_config.json'), 'utf8')) as Record<string, unknown>,
    weights: new Uint8Array(await fs.readFile(path.join(dir, 'adapter_model.safetensors'))),
  };
}

describe('python/wegeft.py against the engine', () => {
  it.each(CASES)('%s/%s (%s): ΔW, forward, gradients, both formats, and back into the engine', async (caseName, folder, layout) => {
    const t = await fixtureModel(caseName);
    const fixture = path.join(fixtureDir(caseName), folder);
    const adapter = loadAdapter(t.model, await readAdapter(fixture), `${caseName}/${folder}`);
    const modules = resolveTargets(t.model, adapter.settings.targets!);
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'wegeft-py-'));
    try {
      // The engine's side: base weight, bias, and merged minus base, in the stored layout.
      const merged = adapter.mergedWeights();
      const tensors: TensorToWrite[] = [];
      const value = (x: tf.Tensor) => ({ shape: x.shape, values: x.dataSync() as Float32Array });
      for (const m of modules) {
        const base = t.model.baseParam(m.weight);
        tensors.push({ name: `base:${m.path}.weight`, ...value(base) });
        if (m.bias) tensors.push({ name: `base:${m.path}.bias`, ...value(t.model.baseParam(m.bias)) });
        const delta = tf.sub(merged.get(m.weight)!, base);
        tensors.push({ name: `delta:${m.path}`, ...value(delta) });
        delta.dispose();
      }
      for (const x of merged.values()) x.dispose();
      const engineFile = path.join(tmp, 'engine.safetensors');
      await fs.writeFile(engineFile, writeSafetensors(tensors, { modules: JSON.stringify(modules.map((m) => ({ path: m.path, layout: m.layout }))) }));

      const authorsDir = path.join(tmp, 'authors-in');
      await fs.mkdir(authorsDir);
      const exported = await runExportFiles(t.model, adapter, modelOnlyCheckpoint({ nameOrPath: 'x', revision: null, fromHub: false }), {
        runName: 'w',
        format: 'authors',
      });
      for (const name of ['adapter_config.json', 'adapter_model.safetensors']) await fs.writeFile(path.join(authorsDir, name), exported.get(name)!);

      const out = path.join(tmp, 'out');
      await fs.mkdir(out);
      const r = JSON.parse(execFileSync(PYTHON, [CHECK, engineFile, fixture, authorsDir, out], { encoding: 'utf8' })) as Record<string, any>;

      expect(r.wrapped).toEqual(modules.map((m) => m.path));
      expect(r.layouts).toEqual([layout]);
      expect(r.lm_head_kept).toBe(true);
      const expected = JSON.parse(await fs.readFile(path.join(fixture, 'expected.json'), 'utf8')) as { trainable_parameters: number };
      expect(r.trainable).toBe(expected.trainable_parameters);
      expect(r.authors_trainable).toBe(expected.trainable_parameters);
      expect(r.groups).toEqual((await readAdapter(fixture)).config.groups);
      // float32 on both sides: the engine's ΔW is merged minus base, so its error is that of W's size.
      expect(r.delta_scale).toBeGreaterThan(1e-3);
      expect(r.delta_err).toBeLessThan(1e-6);
      expect(r.authors_peft_type).toBe('WeGeFT');
      expect(r.authors_delta_err).toBeLessThan(1e-6);
      expect(r.forward_scale).toBeGreaterThan(0.1);
      expect(r.forward_err).toBeLessThan(1e-12);
      expect(r.grad_scale).toBeGreaterThan(1e-3);
      expect(r.grad_err).toBeLessThan(1e-10);
      expect(r.frozen_have_no_grad).toBe(true);
      expect(r.merge_err).toBeLessThan(1e-6);
      expect(r.merged_plain).toBe(true);
      expect(r.errors.peft_type).toMatch(/adapter_config\.json: "peft_type" 'LORA' is not WeGeFT/);
      expect(r.errors.truncated).toMatch(/adapter_model\.safetensors: 2 bytes is too short/);

      // What wegeft.py wrote (after moving every pair) loads into the engine, in both formats, with its ΔW.
      const pythonDeltas = parseSafetensors(new Uint8Array(await fs.readFile(path.join(out, 'python-deltas.safetensors'))), 'python-deltas');
      for (const format of ['ours', 'authors']) {
        const back = loadAdapter(t.model, await readAdapter(path.join(out, format)), `python-${format}`);
        expect(back.settings.perLayer ?? false).toBe(folder === 'wegeft_per_layer');
        const weights = back.mergedWeights();
        for (const m of modules) {
          const base = t.model.baseParam(m.weight).dataSync();
          const mergedValues = weights.get(m.weight)!.dataSync();
          const delta = Float32Array.from(mergedValues, (v, i) => v - base[i]);
          const want = pythonDeltas.read(m.path).values;
          expect(maxAbsDiff(delta, want), `${format} ${m.path}`).toBeLessThan(1e-5);
          expect(maxAbsDiff(want, new Float32Array(want.length))).toBeGreaterThan(1e-3);
        }
        for (const x of weights.values()) x.dispose();
        back.dispose();
      }
    } finally {
      adapter.dispose();
      t.dispose();
      await fs.rm(tmp, { recursive: true, force: true });
    }
  });
});
