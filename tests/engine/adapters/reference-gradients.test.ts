/**
 * DoRA, PiSSA, VeRA and (IA)³ against the float64 reference (reference/layers.ts):
 * for each targeted layer of the first block, on Conv1D (GPT-2) and Linear
 * (Llama, with biases) layouts, the engine's hook must give the reference's
 * output, and autodiff through it (DoRA: its own backward) the reference's
 * gradient of Σ c ⊙ y for every trainable tensor of the layer and for x,
 * taken by central differences in float64. No PEFT is run here: the float64
 * reference is the check.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PEFT_PREFIX } from '../../../src/engine/adapters/common/keys';
import { isFeedforward } from '../../../src/engine/adapters/ia3/config';
import { getAdapterMethod } from '../../../src/engine/adapters/registry';
import type { Adapter, AdapterSettings } from '../../../src/engine/adapters/types';
import { parseSafetensors } from '../../../src/engine/io/safetensors';
import type { LinearModule } from '../../../src/engine/models/types';
import { createRng } from '../../../src/engine/random';
import { useBackend } from '../../helpers/backend';
import type { CheckpointKnobs } from '../../helpers/random-checkpoint';
import { maxAbs, maxAbsDiff, randomModel, type TestModel } from './helpers';
import {
  doraForward, finiteDifferenceGradients, ia3Forward, loraForward, veraForward, type Params, type ReferenceLayer,
} from './reference/layers';

const SHAPES: { name: string; knobs: CheckpointKnobs }[] = [
  { name: 'gpt2 (Conv1D), d=12', knobs: { family: 'gpt2', layers: 2, hidden: 12, heads: 2, intermediate: 20 } },
  { name: 'llama with biases, d=12', knobs: { family: 'llama', layers: 2, hidden: 12, heads: 2, kvHeads: 1, intermediate: 18, attentionBias: true, mlpBias: true } },
];

const ALL_LINEAR = { kind: 'all-linear' } as const;
const METHODS: [string, Partial<AdapterSettings>][] = [
  ['dora', { rank: 3, alpha: 5, targets: ALL_LINEAR }],
  ['pissa', { rank: 3, alpha: 5, targets: ALL_LINEAR }],
  ['pissa', { rank: 3, alpha: 5, targets: ALL_LINEAR, pissaNiter: 2 }],
  ['vera', { rank: 7, targets: ALL_LINEAR, dInitial: 0.3 }],
  ['ia3', {}], // the family's PEFT defaults: outputs of k/v (c_attn), input of the feed-forward output layer
];

const N = 4;

beforeAll(async () => {
  await useBackend('cpu');
});

/** The stored weight as (d_out, d_in) float64. */
function referenceLayer(t: TestModel, m: LinearModule): ReferenceLayer {
  const stored = t.model.baseParam(m.weight).dataSync();
  const weight = new Float64Array(m.dOut * m.dIn);
  for (let o = 0; o < m.dOut; o++) {
    for (let i = 0; i < m.dIn; i++) weight[o * m.dIn + i] = m.layout === 'linear' ? stored[o * m.dIn + i] : stored[i * m.dOut + o];
  }
  const bias = m.bias ? Float64Array.from(t.model.baseParam(m.bias).dataSync()) : null;
  return { dIn: m.dIn, dOut: m.dOut, weight, bias };
}

/** The adapter's tensors of one module by their PEFT name (lora_A, vera_lambda_b, …). */
function moduleKeys(adapter: Adapter, m: LinearModule): Map<string, string> {
  const prefix = `${PEFT_PREFIX}${m.path}.`;
  const out = new Map<string, string>();
  for (const key of adapter.trainable.keys()) {
    if (key.startsWith(prefix)) out.set(key.slice(prefix.length).replace(/\.weight$/, ''), key);
  }
  return out;
}

const REFERENCE_NAMES: Record<string, string> = {
  lora_A: 'A', lora_B: 'B', lora_magnitude_vector: 'm', vera_lambda_d: 'lambdaD', vera_lambda_b: 'lambdaB', ia3_l: 'l',
};

/** Moves every trainable tensor off its start (kept near it: DoRA's m near ‖W‖, (IA)³'s l near 1). */
function perturb(adapter: Adapter, seed: number): void {
  const random = createRng(seed);
  for (const v of adapter.trainable.values()) {
    const values = v.dataSync();
    v.assign(tf.tensor(Float32Array.from(values, (x) => x * (1 + 0.4 * (random() - 0.5)) + 0.3 * (random() - 0.5)), v.shape));
  }
}

describe.each(SHAPES)('$name', ({ name, knobs }) => {
  let t: TestModel;
  beforeAll(async () => {
    t = await randomModel(name, knobs, 21);
  });
  afterAll(() => t.dispose());

  describe.each(METHODS)('%s %j', (methodName, requested) => {
    it('matches the float64 reference: outputs, and gradients of every tensor and of x', async () => {
      const method = getAdapterMethod(methodName);
      const settings = method.withDefaults(t.model, requested);
      const adapter = method.create(t.model, settings, 5);
      // PiSSA's residual is defined by the start: W_res = W − s·B₀·A₀, read before the tensors move.
      const start = new Map([...adapter.trainable].map(([k, v]) => [k, Float64Array.from(v.dataSync())]));
      perturb(adapter, 9);
      // VeRA's shared projections, as saved.
      const saved = parseSafetensors((await adapter.save()).weights, 'adapter_model.safetensors');
      const shared = methodName === 'vera'
        ? { a: Float64Array.from(saved.read('base_model.vera_A').values), maxIn: saved.entries.get('base_model.vera_A')!.shape[1], b: Float64Array.from(saved.read('base_model.vera_B').values) }
        : null;
      const r = settings.rank ?? 0;
      const s = settings.alpha !== undefined ? settings.alpha / settings.rank! : 0;
      const modules = t.model.linearModules().filter((m) => m.layer === 0 && moduleKeys(adapter, m).size > 0);
      expect(modules.length).toBeGreaterThan(0);
      const random = createRng(31);
      const hooks = adapter.patch().linear!;
      for (const m of modules) {
        const keys = moduleKeys(adapter, m);
        let layer = referenceLayer(t, m);
        if (methodName === 'pissa') {
          const [a0, b0] = [start.get(keys.get('lora_A')!)!, start.get(keys.get('lora_B')!)!];
          const ba = loraForward({ ...layer, weight: new Float64Array(layer.weight.length), bias: null }, eye(m.dIn), m.dIn, { A: a0, B: b0 }, r, s); // (d_in, d_out) = (B·A)ᵀ
          const residual = layer.weight.map((w, idx) => w - ba[(idx % m.dIn) * m.dOut + Math.floor(idx / m.dIn)]);
          layer = { ...layer, weight: residual };
        }
        const params: Params = {};
        for (const [peftName, key] of keys) params[REFERENCE_NAMES[peftName]] = Float64Array.from(adapter.trainable.get(key)!.dataSync());
        const frozen: Params = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v.slice()]));
        const feedforward = methodName === 'ia3' && isFeedforward(m, settings.feedforward!);
        const forward = (p: Params, x: Float64Array): Float64Array => {
          switch (methodName) {
            case 'dora': return doraForward(layer, x, N, p, r, s, frozen);
            case 'pissa': return loraForward(layer, x, N, p, r, s);
            case 'vera': return veraForward(layer, x, N, p, r, shared!);
            default: return ia3Forward(layer, x, N, p, feedforward);
          }
        };
        const x = Float64Array.from({ length: N * m.dIn }, () => 2 * random() - 1);
        const c = Float64Array.from({ length: N * m.dOut }, () => 2 * random() - 1);
        const expectedY = forward(params, x);
        const expectedGrads = finiteDifferenceGradients(forward, params, x, c);

        const base = t.model.baseLinear(m.path);
        const hook = hooks.get(m.path)!;
        const xT = tf.tensor2d(Float32Array.from(x), [N, m.dIn]);
        const cT = tf.tensor2d(Float32Array.from(c), [N, m.dOut]);
        const y = hook(xT, base);
        expect(maxAbsDiff(y.dataSync(), expectedY), `${m.path} output`).toBeLessThanOrEqual(1e-5 * Math.max(1, maxAbs(expectedY)));
        const objective = (input: tf.Tensor2D) => tf.sum(tf.mul(hook(input, base), cT)) as tf.Scalar;
        const variables = [...keys.values()].map((k) => adapter.trainable.get(k)!);
        const { value, grads } = tf.variableGrads(() => objective(xT), variables);
        const dx = tf.grad((input) => objective(input as tf.Tensor2D))(xT);
        const check = (label: string, actual: tf.Tensor, expected: Float64Array) => {
          expect(maxAbs(expected), `${label} is trivially zero`).toBeGreaterThan(1e-6);
          expect(maxAbsDiff(actual.dataSync(), expected), label).toBeLessThanOrEqual(1e-4 + 1e-3 * maxAbs(expected));
        };
        for (const [peftName, key] of keys) check(`${m.path} ${peftName}`, grads[adapter.trainable.get(key)!.name], expectedGrads[REFERENCE_NAMES[peftName]]);
        check(`${m.path} x`, dx, expectedGrads.x);
        tf.dispose([xT, cT, y, value, dx, ...Object.values(grads)]);
      }
      adapter.dispose();
    });
  });
});

/** The identity (size, size), as rows of x: x·Mᵀ then gives Mᵀ. */
function eye(size: number): Float64Array {
  const out = new Float64Array(size * size);
  for (let i = 0; i < size; i++) out[i * size + i] = 1;
  return out;
}
