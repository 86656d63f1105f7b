/**
 * DoRA, PiSSA, VeRA and (IA)³ files as PEFT writes them: tensor keys and
 * shapes, adapter_config.json fields, the starts PEFT gives (DoRA's
 * magnitude, PiSSA's principal factors, VeRA's vectors and projections,
 * (IA)³'s ones), PEFT's default targets, and loading by peft_type and field.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PEFT_PREFIX } from '../../../src/engine/adapters/common/keys';
import { getAdapterMethod, loadAdapter } from '../../../src/engine/adapters/registry';
import type { Adapter, AdapterFiles, AdapterSettings } from '../../../src/engine/adapters/types';
import { InputFileError } from '../../../src/engine/errors';
import { parseSafetensors, type SafetensorsFile } from '../../../src/engine/io/safetensors';
import { thinSvd } from '../../../src/engine/linalg/svd';
import type { LinearModule } from '../../../src/engine/models/types';
import { useBackend } from '../../helpers/backend';
import { fixtureModel, randomModel, type TestModel } from './helpers';

let gpt2: TestModel;
let llama: TestModel;
beforeAll(async () => {
  await useBackend('cpu');
  gpt2 = await fixtureModel('gpt2');
  llama = await randomModel('llama', { family: 'llama', layers: 2, hidden: 16, heads: 4, kvHeads: 2, intermediate: 24, vocab: 30 });
});
afterAll(() => {
  gpt2.dispose();
  llama.dispose();
});

async function saved(t: TestModel, method: string, requested: Partial<AdapterSettings>): Promise<{ adapter: Adapter; files: AdapterFiles; weights: SafetensorsFile }> {
  const m = getAdapterMethod(method);
  const adapter = m.create(t.model, m.withDefaults(t.model, requested), 3);
  const files = await adapter.save();
  return { adapter, files, weights: parseSafetensors(files.weights, 'adapter_model.safetensors') };
}

const targets = (t: TestModel, adapter: Adapter) => t.model.linearModules().filter((m) => [...adapter.trainable.keys()].some((k) => k.startsWith(`${PEFT_PREFIX}${m.path}.`)));
const shapeOf = (w: SafetensorsFile, key: string) => w.entries.get(key)?.shape;

/** W as (d_out, d_in) float64 from its storage layout. */
function linearWeight(t: TestModel, m: LinearModule): Float64Array {
  const stored = t.model.baseParam(m.weight).dataSync();
  return Float64Array.from({ length: m.dOut * m.dIn }, (_, idx) => {
    const [o, i] = [Math.floor(idx / m.dIn), idx % m.dIn];
    return m.layout === 'linear' ? stored[idx] : stored[i * m.dOut + o];
  });
}

describe('DoRA', () => {
  it('writes lora_A, lora_B and lora_magnitude_vector (no .weight), with use_dora, and m starts at ‖W‖ per output row', async () => {
    const { adapter, files, weights } = await saved(gpt2, 'dora', { rank: 2 });
    const r = 2;
    const modules = targets(gpt2, adapter);
    expect(modules.length).toBeGreaterThan(0);
    const expected = new Set<string>();
    for (const m of modules) {
      expect(shapeOf(weights, `${PEFT_PREFIX}${m.path}.lora_A.weight`)).toEqual([r, m.dIn]);
      expect(shapeOf(weights, `${PEFT_PREFIX}${m.path}.lora_B.weight`)).toEqual([m.dOut, r]);
      const key = `${PEFT_PREFIX}${m.path}.lora_magnitude_vector`;
      expect(shapeOf(weights, key)).toEqual([m.dOut]);
      // Conv1D (fan_in_fan_out): the norm runs over the stored weight's first axis.
      const w = linearWeight(gpt2, m);
      const norms = Array.from({ length: m.dOut }, (_, o) => Math.hypot(...w.subarray(o * m.dIn, (o + 1) * m.dIn)));
      const magnitude = weights.read(key).values;
      norms.forEach((n, o) => expect(Math.abs(magnitude[o] - n)).toBeLessThanOrEqual(1e-5 * n));
      for (const tensor of ['lora_A.weight', 'lora_B.weight', 'lora_magnitude_vector']) expected.add(`${PEFT_PREFIX}${m.path}.${tensor}`);
    }
    expect(new Set(weights.entries.keys())).toEqual(expected);
    const lora = getAdapterMethod('lora').create(gpt2.model, getAdapterMethod('lora').withDefaults(gpt2.model, { rank: 2 }), 3);
    expect(files.config).toEqual({ ...(await lora.save()).config, use_dora: true });
    expect(files.config.peft_type).toBe('LORA');
    lora.dispose();
    const loaded = loadAdapter(gpt2.model, files, 'dora-run');
    expect(loaded.method).toBe('dora');
    loaded.dispose();
    adapter.dispose();
  });
});

describe('PiSSA', () => {
  it('starts B·A at the top-r part of W, split as PEFT splits it, and writes init_lora_weights "pissa"', async () => {
    const { adapter, files, weights } = await saved(gpt2, 'pissa', { rank: 3, alpha: 6 });
    const [r, s] = [3, 2];
    expect(files.config.init_lora_weights).toBe('pissa');
    expect(files.config.peft_type).toBe('LORA');
    expect(files.config.use_dora).toBe(false);
    for (const m of targets(gpt2, adapter)) {
      const a = weights.read(`${PEFT_PREFIX}${m.path}.lora_A.weight`).values; // (r, d_in)
      const b = weights.read(`${PEFT_PREFIX}${m.path}.lora_B.weight`).values; // (d_out, r)
      // Reference: every singular triplet of W by Jacobi in float64.
      const svd = thinSvd({ rows: m.dOut, cols: m.dIn, data: linearWeight(gpt2, m) });
      let worst = 0;
      for (let o = 0; o < m.dOut; o++) {
        for (let i = 0; i < m.dIn; i++) {
          let ba = 0;
          let top = 0;
          for (let t = 0; t < r; t++) {
            ba += b[o * r + t] * a[t * m.dIn + i];
            top += svd.u[o * svd.k + t] * svd.s[t] * svd.v[i * svd.k + t];
          }
          worst = Math.max(worst, Math.abs(s * ba - top));
        }
      }
      expect(worst, m.path).toBeLessThanOrEqual(1e-5 * svd.s[0]);
      // A = √(S/s)·Vᵀ and B = U·√(S/s): A·Aᵀ = Bᵀ·B = diag(S/s).
      for (let t = 0; t < r; t++) {
        let rowA = 0;
        let colB = 0;
        for (let i = 0; i < m.dIn; i++) rowA += a[t * m.dIn + i] ** 2;
        for (let o = 0; o < m.dOut; o++) colB += b[o * r + t] ** 2;
        expect(Math.abs(rowA - svd.s[t] / s)).toBeLessThanOrEqual(1e-5 * svd.s[0]);
        expect(Math.abs(colB - svd.s[t] / s)).toBeLessThanOrEqual(1e-5 * svd.s[0]);
      }
    }
    expect([...weights.entries.keys()].every((k) => /\.lora_[AB]\.weight$/.test(k))).toBe(true);
    const loaded = loadAdapter(gpt2.model, files, 'pissa-run');
    expect(loaded.method).toBe('pissa');
    loaded.dispose();
    adapter.dispose();
  });

  it('writes pissa_niter_N for the randomized SVD, and reads it back', async () => {
    const { adapter, files } = await saved(gpt2, 'pissa', { rank: 2, pissaNiter: 4 });
    expect(files.config.init_lora_weights).toBe('pissa_niter_4');
    const loaded = loadAdapter(gpt2.model, files, 'pissa-run');
    expect(loaded.settings.pissaNiter).toBe(4);
    loaded.dispose();
    adapter.dispose();
    expect(() => loadAdapter(gpt2.model, { ...files, config: { ...files.config, init_lora_weights: 'pissa_fast' } })).toThrow(/pissa_niter_N/);
  });
});

describe('VeRA', () => {
  it('writes the shared projections sized for the largest layer and the λ vectors, λ_d = d_initial, λ_b = 0', async () => {
    const { adapter, files, weights } = await saved(gpt2, 'vera', { rank: 6 });
    const modules = targets(gpt2, adapter);
    const maxIn = Math.max(...modules.map((m) => m.dIn));
    const maxOut = Math.max(...modules.map((m) => m.dOut));
    expect(new Set(modules.map((m) => m.dOut)).size, 'layers of different sizes share the projections').toBeGreaterThan(1);
    expect(shapeOf(weights, 'base_model.vera_A')).toEqual([6, maxIn]);
    expect(shapeOf(weights, 'base_model.vera_B')).toEqual([maxOut, 6]);
    // PEFT's _kaiming_init: U(±√(6 / fan_in)), fan_in the second dimension.
    const within = (key: string, fanIn: number) => weights.read(key).values.every((v) => Math.abs(v) <= Math.sqrt(6 / fanIn));
    expect(within('base_model.vera_A', maxIn)).toBe(true);
    expect(within('base_model.vera_B', 6)).toBe(true);
    for (const m of modules) {
      expect([...weights.read(`${PEFT_PREFIX}${m.path}.vera_lambda_d`).values]).toEqual(new Array(6).fill(Math.fround(0.1)));
      expect([...weights.read(`${PEFT_PREFIX}${m.path}.vera_lambda_b`).values]).toEqual(new Array(m.dOut).fill(0));
    }
    expect(weights.entries.size).toBe(2 + 2 * modules.length);
    expect(files.config).toMatchObject({ peft_type: 'VERA', r: 6, save_projection: true, projection_prng_key: 0, d_initial: 0.1, fan_in_fan_out: true, vera_dropout: 0 });
    expect(adapter.trainableParameterCount()).toBe(modules.reduce((sum, m) => sum + 6 + m.dOut, 0));
    adapter.dispose();
  });

  it('draws the projections from projection_prng_key', async () => {
    const projection = async (seed: number) => (await saved(gpt2, 'vera', { rank: 4, projectionSeed: seed })).weights.read('base_model.vera_A').values;
    expect([...(await projection(1))]).toEqual([...(await projection(1))]);
    expect([...(await projection(1))]).not.toEqual([...(await projection(2))]);
  });

  it('refuses a file saved without its projections, saying why', async () => {
    const { adapter, files } = await saved(gpt2, 'vera', { rank: 4 });
    adapter.dispose();
    const config = { ...files.config, save_projection: false };
    expect(() => loadAdapter(gpt2.model, { ...files, config })).toThrow(InputFileError);
    expect(() => loadAdapter(gpt2.model, { ...files, config })).toThrow(/save_projection/);
  });
});

describe('(IA)³', () => {
  it("targets PEFT's gpt2 modules: c_attn's output (q, k and v: it is fused) and mlp.c_proj's input", async () => {
    const { adapter, files, weights } = await saved(gpt2, 'ia3', {});
    expect(files.config).toMatchObject({ peft_type: 'IA3', target_modules: ['c_attn', 'mlp.c_proj'], feedforward_modules: ['mlp.c_proj'], init_ia3_weights: true, fan_in_fan_out: true });
    const modules = targets(gpt2, adapter);
    expect(new Set(modules.map((m) => m.path.split('.').slice(-2).join('.')))).toEqual(new Set(['attn.c_attn', 'mlp.c_proj']));
    for (const m of modules) {
      const key = `${PEFT_PREFIX}${m.path}.ia3_l`;
      expect(shapeOf(weights, key)).toEqual(m.path.endsWith('mlp.c_proj') ? [1, m.dIn] : [m.dOut, 1]);
      expect(weights.read(key).values.every((v) => v === 1)).toBe(true);
    }
    adapter.dispose();
  });

  it("targets PEFT's llama modules: k_proj and v_proj outputs, down_proj's input", async () => {
    const { adapter, weights } = await saved(llama, 'ia3', {});
    const shapes = [...weights.entries].map(([k, e]) => [k.replace(/^.*layers\.0\./, ''), e.shape]).filter(([k]) => !String(k).includes('layers.1'));
    expect(Object.fromEntries(shapes)).toEqual({
      'self_attn.k_proj.ia3_l': [8, 1], // 2 KV heads × head size 4
      'self_attn.v_proj.ia3_l': [8, 1],
      'mlp.down_proj.ia3_l': [1, 24],
    });
    adapter.dispose();
  });

  it('reads feedforward_modules null as the family mapping, as PEFT fills it in', async () => {
    const { adapter, files } = await saved(gpt2, 'ia3', {});
    const loaded = loadAdapter(gpt2.model, { ...files, config: { ...files.config, feedforward_modules: null } }, 'ia3-run');
    expect(loaded.settings.feedforward).toEqual({ kind: 'suffixes', suffixes: ['mlp.c_proj'] });
    loaded.dispose();
    adapter.dispose();
  });

  it('refuses feedforward modules that are not targets, as IA3Config does', () => {
    const method = getAdapterMethod('ia3');
    const settings = method.withDefaults(gpt2.model, { targets: { kind: 'suffixes', suffixes: ['c_attn'] }, feedforward: { kind: 'suffixes', suffixes: ['c_fc'] } });
    expect(method.validate(gpt2.model, settings).join(' ')).toMatch(/feedforward modules must be among the target modules; not targeted: c_fc/);
  });
});

it('frees the tensors of a load that fails', async () => {
  const { adapter, files } = await saved(gpt2, 'vera', { rank: 4 });
  adapter.dispose();
  const before = tf.memory().numTensors;
  const weights = parseSafetensors(files.weights, 'x');
  const broken = { ...files, config: { ...files.config, r: 5 } }; // λ_d would be (5): the file's are (4)
  expect(() => loadAdapter(gpt2.model, broken)).toThrow(InputFileError);
  expect(weights.entries.size).toBeGreaterThan(0);
  expect(tf.memory().numTensors).toBe(before);
});
