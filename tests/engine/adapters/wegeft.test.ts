/**
 * WeGeFT: ΔW = s · W · phiᵀ · psi, computed on the low-rank path.
 *
 * The path must equal the materialised update (W + ΔW, computed here in
 * float64 with plain loops) at shapes other than the fixtures', for the
 * Linear layout and GPT-2's Conv1D (fused c_attn included), and must never
 * build a (d_out, d_in) tensor. Shared pairs make the count independent of
 * depth; per-layer pairs multiply it by the depth.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapterTensorKey } from '../../../src/engine/adapters/common/keys';
import { getAdapterMethod, loadAdapter } from '../../../src/engine/adapters/registry';
import type { Adapter, AdapterSettings } from '../../../src/engine/adapters/types';
import { DirectorySource } from '../../../src/engine/io/node-source';
import { parseSafetensors } from '../../../src/engine/io/safetensors';
import { loadModel } from '../../../src/engine/models/load';
import type { LinearModule } from '../../../src/engine/models/types';
import { createRng } from '../../../src/engine/random';
import { useBackend } from '../../helpers/backend';
import { fixtureDir, type FixtureCase } from '../../helpers/fixtures';
import type { CheckpointKnobs } from '../../helpers/random-checkpoint';
import { maxAbs, maxAbsDiff, randomModel, type TestModel } from './helpers';

const wegeft = getAdapterMethod('wegeft');

function randomValues(count: number, seed: number, scale = 0.5): Float32Array {
  const random = createRng(seed);
  return Float32Array.from({ length: count }, () => (2 * random() - 1) * scale);
}

/** Gives every phi and psi random values, so ΔW is far from zero. */
function randomisePairs(adapter: Adapter, seed: number): void {
  let i = 0;
  for (const variable of adapter.trainable.values()) {
    variable.assign(tf.tensor(randomValues(variable.size, seed + i++), variable.shape));
  }
}

/** y = x (W + s W phiᵀ psi)ᵀ + b in float64, W read in its storage layout. */
function materialisedForward(
  x: Float32Array, rows: number, module: LinearModule, weight: Float32Array, bias: Float32Array | null,
  phi: Float32Array, psi: Float32Array, rank: number, scale: number,
): Float64Array {
  const { dIn, dOut } = module;
  const w = (o: number, i: number) => (module.layout === 'linear' ? weight[o * dIn + i] : weight[i * dOut + o]);
  const adapted = new Float64Array(dOut * dIn);
  for (let o = 0; o < dOut; o++) {
    const wPhi = new Float64Array(rank);
    for (let k = 0; k < rank; k++) for (let i = 0; i < dIn; i++) wPhi[k] += w(o, i) * phi[k * dIn + i];
    for (let i = 0; i < dIn; i++) {
      let delta = 0;
      for (let k = 0; k < rank; k++) delta += wPhi[k] * psi[k * dIn + i];
      adapted[o * dIn + i] = w(o, i) + scale * delta;
    }
  }
  const y = new Float64Array(rows * dOut);
  for (let n = 0; n < rows; n++) {
    for (let o = 0; o < dOut; o++) {
      let sum = bias ? bias[o] : 0;
      for (let i = 0; i < dIn; i++) sum += x[n * dIn + i] * adapted[o * dIn + i];
      y[n * dOut + o] = sum;
    }
  }
  return y;
}

/** The (phi, psi) pair adapting `module`: its group's, stored under the group's first member. */
function pairFor(adapter: Adapter, module: LinearModule, perLayer: boolean): [tf.Variable, tf.Variable] {
  const owner = perLayer ? module.path : module.path.replace(/\.\d+\./, '.0.');
  return [adapter.trainable.get(adapterTensorKey(owner, 'wegeft_phi'))!, adapter.trainable.get(adapterTensorKey(owner, 'wegeft_psi'))!];
}

const SHAPES: { name: string; knobs: CheckpointKnobs }[] = [
  { name: 'GPT-2 Conv1D, fused c_attn, d=20, n_inner 36', knobs: { family: 'gpt2', layers: 2, hidden: 20, heads: 4, intermediate: 36 } },
  { name: 'Llama Linear, GQA (k/v narrower than q), d=24', knobs: { family: 'llama', layers: 2, hidden: 24, heads: 4, kvHeads: 1, intermediate: 40 } },
  { name: 'ViT Linear, d=12, 3 labels', knobs: { family: 'vit', layers: 2, hidden: 12, heads: 2, intermediate: 28 } },
];

beforeAll(async () => {
  await useBackend('cpu');
});

describe.each(SHAPES)('the low-rank path on $name', ({ name, knobs }) => {
  let t: TestModel;
  beforeAll(async () => {
    t = await randomModel(name, knobs, 5);
  });
  afterAll(() => t.dispose());

  describe.each([false, true])('perLayer %s', (perLayer) => {
    const settings = (): AdapterSettings => ({
      method: 'wegeft', rank: 3, alpha: 5, targets: { kind: 'all-linear' }, perLayer, labels: wegeft.withDefaults(t.model, {}).labels,
    });

    it('equals the materialised update W + s·W·phiᵀ·psi on every targeted layer', () => {
      const adapter = wegeft.create(t.model, settings(), 1);
      randomisePairs(adapter, 100);
      const rows = 5;
      for (const module of t.model.linearModules().filter((m) => m.layer !== null)) {
        const x = randomValues(rows * module.dIn, 7, 1);
        const actual = t.model.withPatch(adapter.patch(), () => {
          const y = t.model.linear(module.path, tf.tensor2d(x, [rows, module.dIn]));
          const values = y.dataSync();
          y.dispose();
          return values;
        });
        const [phi, psi] = pairFor(adapter, module, perLayer);
        const bias = module.bias ? (t.model.baseParam(module.bias).dataSync() as Float32Array) : null;
        const expected = materialisedForward(
          x, rows, module, t.model.baseParam(module.weight).dataSync() as Float32Array, bias,
          phi.dataSync() as Float32Array, psi.dataSync() as Float32Array, 3, 5 / 3,
        );
        expect(maxAbsDiff(actual, expected), module.path).toBeLessThanOrEqual(1e-4 * Math.max(1, maxAbs(expected)));
      }
      adapter.dispose();
    });

    it('never builds a (d_out, d_in) tensor in the forward or backward pass, while merging does', async () => {
      const adapter = wegeft.create(t.model, settings(), 1);
      randomisePairs(adapter, 200);
      const module = t.model.linearModules().find((m) => m.layer === 1)!;
      const weightShapes = new Set([`${module.dOut},${module.dIn}`, `${module.dIn},${module.dOut}`]);
      const [phi, psi] = pairFor(adapter, module, perLayer);
      const x = tf.tensor2d(randomValues(7 * module.dIn, 3, 1), [7, module.dIn]);
      const lowRank = await tf.profile(() => {
        const { value, grads } = t.model.withPatch(adapter.patch(), () =>
          tf.variableGrads(() => tf.sum(t.model.linear(module.path, x)), [phi, psi]),
        );
        value.dispose();
        Object.values(grads).forEach((g) => g.dispose());
      });
      // Identity and Reshape are zero-copy views of their input (matMul's 2-D → 3-D reshape of W), not computation.
      const computed = lowRank.kernels.filter((k) => k.name !== 'Identity' && k.name !== 'Reshape');
      expect(computed.some((k) => k.name === 'BatchMatMul')).toBe(true);
      const built = computed.flatMap((k) => k.outputShapes.filter((s) => weightShapes.has(`${s}`)).map((s) => `${k.name} → [${s}]`));
      expect(built).toEqual([]);
      const merging = await tf.profile(() => {
        for (const tensor of adapter.mergedWeights().values()) tensor.dispose();
      });
      expect(merging.kernels.some((k) => k.outputShapes.some((s) => weightShapes.has(`${s}`)))).toBe(true);
      x.dispose();
      adapter.dispose();
    });
  });
});

describe('trainable parameters', () => {
  const gpt2 = (layers: number): CheckpointKnobs => ({ family: 'gpt2', layers, hidden: 16, heads: 2, intermediate: 40 });

  it('shared pairs: 2·r·d_in per module type, whatever the depth; per layer: that times the depth', async () => {
    const counts: Record<string, number> = {};
    for (const layers of [1, 2, 5]) {
      const t = await randomModel(`gpt2 ${layers} layers`, gpt2(layers));
      for (const perLayer of [false, true]) {
        const settings = wegeft.withDefaults(t.model, { rank: 4, perLayer });
        const adapter = wegeft.create(t.model, settings, 0);
        expect(adapter.trainableParameterCount()).toBe(wegeft.countTrainable(t.model, settings));
        counts[`${layers}:${perLayer}`] = adapter.trainableParameterCount();
        adapter.dispose();
      }
      t.dispose();
    }
    // Targets c_attn, attn.c_proj, c_fc (d_in 16) and mlp.c_proj (d_in 40): 2 · 4 · (16 + 16 + 16 + 40) = 704.
    expect(counts['1:false']).toBe(704);
    expect(counts['2:false']).toBe(704);
    expect(counts['5:false']).toBe(704);
    expect(counts['1:true']).toBe(704);
    expect(counts['2:true']).toBe(2 * 704);
    expect(counts['5:true']).toBe(5 * 704);
  });

  it('a ViT counts its classifier head too (trained whole under every method)', async () => {
    const t = await randomModel('vit', { family: 'vit', layers: 3, hidden: 12, heads: 2, labels: 5 });
    const settings = wegeft.withDefaults(t.model, { rank: 2 });
    // Default target attention.output.dense (d_in 12): 2·2·12 = 48, plus the head 5·12 + 5 = 65.
    expect(wegeft.countTrainable(t.model, settings)).toBe(48 + 65);
    t.dispose();
  });
});

describe('a fresh adapter', () => {
  let t: TestModel;
  beforeAll(async () => {
    t = await randomModel('gpt2', { family: 'gpt2', layers: 3, hidden: 16, heads: 2 });
  });
  afterAll(() => t.dispose());

  it('has phi = 0 and psi Kaiming-uniform (|psi| ≤ 1/√d_in), one pair per module type, the same for the same seed', () => {
    const settings = wegeft.withDefaults(t.model, { rank: 4 });
    const a = wegeft.create(t.model, settings, 42);
    const b = wegeft.create(t.model, settings, 42);
    const c = wegeft.create(t.model, settings, 43);
    expect(a.trainable.size).toBe(2 * 4); // 4 module types, phi and psi each
    for (const [key, variable] of a.trainable) {
      const values = variable.dataSync();
      if (key.includes('wegeft_phi')) {
        expect(maxAbs(values), key).toBe(0);
      } else {
        const dIn = variable.shape[1] as number;
        expect(maxAbs(values), key).toBeLessThanOrEqual(1 / Math.sqrt(dIn));
        expect(maxAbs(values), key).toBeGreaterThan(0.5 / Math.sqrt(dIn));
        expect(maxAbsDiff(values, b.trainable.get(key)!.dataSync())).toBe(0);
        expect(maxAbsDiff(values, c.trainable.get(key)!.dataSync())).toBeGreaterThan(0);
      }
    }
    for (const adapter of [a, b, c]) adapter.dispose();
  });

  it('saves each shared pair once, under the first member of its group, and records the groups', async () => {
    const adapter = wegeft.create(t.model, wegeft.withDefaults(t.model, { rank: 2 }), 0);
    const files = await adapter.save();
    const weights = parseSafetensors(files.weights, 'adapter_model.safetensors');
    expect([...weights.entries.keys()].every((k) => k.startsWith('base_model.model.transformer.h.0.'))).toBe(true);
    expect(files.config).toMatchObject({ peft_type: 'WEGEFT', r: 2, shared: true, transform_dim: 'input' });
    expect((files.config.groups as Record<string, string[]>)['transformer.h.*.mlp.c_fc']).toEqual([
      'transformer.h.0.mlp.c_fc', 'transformer.h.1.mlp.c_fc', 'transformer.h.2.mlp.c_fc',
    ]);
    adapter.dispose();
  });
});

describe('the fixtures’ format', () => {
  it.each(['gpt2/wegeft', 'gpt2/wegeft_per_layer', 'llama/wegeft', 'vit/wegeft'])(
    'loading then saving %s writes back the same config and tensors',
    async (folder) => {
      const [caseName] = folder.split('/');
      const model = await loadModel(new DirectorySource(fixtureDir(caseName as FixtureCase)));
      const dir = path.join(fixtureDir(caseName as FixtureCase), folder.split('/')[1]);
      const config = JSON.parse(await fs.readFile(path.join(dir, 'adapter_config.json'), 'utf8'));
      const bytes = new Uint8Array(await fs.readFile(path.join(dir, 'adapter_model.safetensors')));
      const adapter = loadAdapter(model, { config, weights: bytes }, folder);
      const saved = await adapter.save();
      // Our adapters always carry modules_to_save; the vit/wegeft fixture lists it without storing it.
      expect(saved.config).toEqual(config);
      const original = parseSafetensors(bytes, 'fixture');
      const written = parseSafetensors(saved.weights, 'saved');
      for (const key of original.entries.keys()) {
        expect(maxAbsDiff(written.read(key).values, original.read(key).values), key).toBe(0);
      }
      const extra = [...written.entries.keys()].filter((k) => !original.entries.has(k));
      expect(extra).toEqual(caseName === 'vit' ? ['base_model.model.classifier.weight', 'base_model.model.classifier.bias'] : []);
      adapter.dispose();
      model.dispose();
    },
  );
});
