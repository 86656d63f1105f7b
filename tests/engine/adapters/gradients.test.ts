/**
 * Gradients at shapes the fixtures do not cover. The low-rank paths of
 * WeGeFT and LoRA are checked against a second, independent graph: the
 * definition written out as a materialised weight, W' = W + s·ΔW, built
 * from the same variables and swapped in as a parameter override. Autodiff
 * through either graph must give the same gradient for every trainable
 * tensor (to the fixtures' gradient tolerance).
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapterTensorKey, savedModuleKey } from '../../../src/engine/adapters/common/keys';
import { getAdapterMethod } from '../../../src/engine/adapters/registry';
import type { Adapter } from '../../../src/engine/adapters/types';
import type { LinearModule } from '../../../src/engine/models/types';
import { createRng } from '../../../src/engine/random';
import { useBackend } from '../../helpers/backend';
import type { CheckpointKnobs } from '../../helpers/random-checkpoint';
import { gradientsOf, lossOf, maxAbs, maxAbsDiff, randomModel, type TestModel } from './helpers';

const SHAPES: { name: string; knobs: CheckpointKnobs }[] = [
  { name: 'gpt2, 3 layers, d=20 (Conv1D)', knobs: { family: 'gpt2', layers: 3, hidden: 20, heads: 2, intermediate: 28 } },
  { name: 'llama, GQA 3:1, d=18', knobs: { family: 'llama', layers: 2, hidden: 18, heads: 3, kvHeads: 1, intermediate: 30 } },
  { name: 'vit, 4 labels, d=16', knobs: { family: 'vit', layers: 2, hidden: 16, heads: 2, labels: 4 } },
];

/** W' = W + s·ΔW in the weight's storage layout; `deltaLinear` is ΔW as (d_out, d_in). */
function materialised(weight: tf.Tensor2D, module: LinearModule, deltaLinear: tf.Tensor2D, scale: number): tf.Tensor2D {
  const delta = module.layout === 'linear' ? deltaLinear : tf.transpose(deltaLinear);
  return tf.add(weight, tf.mul(delta, scale));
}

/** The weight as (d_out, d_in) whatever its storage layout. */
const asLinear = (weight: tf.Tensor2D, module: LinearModule) => (module.layout === 'linear' ? weight : tf.transpose(weight));

/** ΔW per targeted module, from the definition, with the adapter's own variables. */
function definitionDeltas(t: TestModel, adapter: Adapter): Map<LinearModule, tf.Tensor2D> {
  const deltas = new Map<LinearModule, tf.Tensor2D>();
  const perLayer = adapter.settings.perLayer ?? false;
  for (const module of t.model.linearModules().filter((m) => m.layer !== null)) {
    const W = asLinear(t.model.baseParam(module.weight) as tf.Tensor2D, module);
    if (adapter.method === 'lora') {
      const a = adapter.trainable.get(adapterTensorKey(module.path, 'lora_A'));
      const b = adapter.trainable.get(adapterTensorKey(module.path, 'lora_B'));
      if (a && b) deltas.set(module, tf.matMul(b as tf.Tensor2D, a as tf.Tensor2D)); // B·A
    } else {
      const owner = perLayer ? module.path : module.path.replace(/\.\d+\./, '.0.');
      const phi = adapter.trainable.get(adapterTensorKey(owner, 'wegeft_phi'));
      const psi = adapter.trainable.get(adapterTensorKey(owner, 'wegeft_psi'));
      if (phi && psi) deltas.set(module, tf.matMul(tf.matMul(W, phi as tf.Tensor2D, false, true), psi as tf.Tensor2D)); // W·phiᵀ·psi
    }
  }
  return deltas;
}

/** Gradients through the materialised weights instead of the adapter's hooks. */
function materialisedGradients(t: TestModel, adapter: Adapter): Map<string, tf.Tensor> {
  const scale = adapter.settings.alpha! / adapter.settings.rank!;
  const variables = [...adapter.trainable.values()];
  const { value, grads } = tf.variableGrads(() => {
    const params = new Map<string, tf.Tensor>();
    for (const [module, delta] of definitionDeltas(t, adapter)) {
      params.set(module.weight, materialised(t.model.baseParam(module.weight) as tf.Tensor2D, module, delta, scale));
    }
    for (const key of adapter.headKeys) params.set(key.slice(savedModuleKey('').length), adapter.trainable.get(key)!);
    return t.model.withPatch({ params }, () => lossOf(t, t.model.forward(t.inputs)));
  }, variables);
  value.dispose();
  return new Map([...adapter.trainable].map(([key, v]) => [key, grads[v.name]]));
}

beforeAll(async () => {
  await useBackend('cpu');
});

describe.each(SHAPES)('$name', ({ name, knobs }) => {
  let t: TestModel;
  beforeAll(async () => {
    t = await randomModel(name, knobs, 8);
  });
  afterAll(() => t.dispose());

  describe.each([
    ['wegeft, shared', 'wegeft', false],
    ['wegeft, per layer', 'wegeft', true],
    ['lora', 'lora', undefined], // LoRA has no per-layer option: giving one is refused
  ] as const)('%s', (_, methodName, perLayer) => {
    it('gives every trainable tensor the gradient the materialised update gives it', () => {
      const method = getAdapterMethod(methodName);
      const adapter = method.create(t.model, method.withDefaults(t.model, { rank: 3, alpha: 4, perLayer, targets: { kind: 'all-linear' } }), 2);
      // Non-zero everywhere, so no gradient is trivially zero.
      const random = createRng(17);
      for (const [key, v] of adapter.trainable) {
        if (!adapter.headKeys.includes(key)) v.assign(tf.tensor(Float32Array.from({ length: v.size }, () => (random() - 0.5) * 0.6), v.shape));
      }
      const lowRank = gradientsOf(t, adapter).grads;
      const reference = materialisedGradients(t, adapter);
      for (const [key, grad] of lowRank) {
        const expected = reference.get(key)!.dataSync();
        expect(maxAbs(expected), `${key} is trivially zero`).toBeGreaterThan(1e-6);
        expect(maxAbsDiff(grad.dataSync(), expected), key).toBeLessThanOrEqual(1e-4 + 1e-3 * maxAbs(expected));
      }
      for (const g of [...lowRank.values(), ...reference.values()]) g.dispose();
      adapter.dispose();
    });
  });
});
