/**
 * Activation checkpointing per block (Model.withCheckpointing): the
 * gradients of every trainable tensor equal the plain path's, for every
 * family and every method (after a few steps, so that no factor is still
 * zero), the loss is the same, the tensor count stays flat, and it really
 * saves memory (fewer bytes alive at the end of the forward pass).
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapterMethods, resolveAdapterSettings } from '../../../src/engine/adapters/registry';
import type { Adapter } from '../../../src/engine/adapters/types';
import { useBackend } from '../../helpers/backend';
import type { CheckpointKnobs } from '../../helpers/random-checkpoint';
import { lossOf, maxAbs, maxAbsDiff, randomModel, train, type TestModel } from '../adapters/helpers';

const FAMILIES: { name: string; knobs: CheckpointKnobs }[] = [
  { name: 'gpt2', knobs: { family: 'gpt2', layers: 3, hidden: 16, heads: 2, vocab: 24, tied: false } },
  { name: 'gpt_neo', knobs: { family: 'gpt_neo', layers: 2, hidden: 16, heads: 2, vocab: 24, windowSize: 3 } },
  { name: 'llama', knobs: { family: 'llama', layers: 2, hidden: 16, heads: 4, kvHeads: 2, vocab: 24, attentionBias: true } },
  { name: 'vit', knobs: { family: 'vit', layers: 2, hidden: 16, heads: 2, labels: 3, imageSize: 8, patchSize: 4 } },
];

/** Loss and gradients (by key, as plain numbers) with checkpointing on or off. */
function gradients(t: TestModel, adapter: Adapter, checkpointing: boolean): { loss: number; grads: Map<string, Float32Array>; bytesBeforeBackward: number } {
  const variables = [...adapter.trainable.values()];
  let bytesBeforeBackward = 0;
  const { value, grads } = t.model.withPatch(adapter.patch(), () =>
    t.model.withCheckpointing(checkpointing, () =>
      tf.variableGrads(() => {
        const loss = lossOf(t, t.model.forward(t.inputs));
        bytesBeforeBackward = tf.memory().numBytes;
        return loss;
      }, variables),
    ),
  );
  const loss = value.dataSync()[0];
  value.dispose();
  const byKey = new Map<string, Float32Array>();
  for (const [key, variable] of adapter.trainable) {
    const g = grads[variable.name];
    if (g) byKey.set(key, g.dataSync() as Float32Array);
  }
  for (const g of Object.values(grads)) g.dispose();
  return { loss, grads: byKey, bytesBeforeBackward };
}

beforeAll(async () => {
  await useBackend('cpu');
});

describe.each(FAMILIES)('$name', ({ name, knobs }) => {
  let t: TestModel;
  beforeAll(async () => {
    t = await randomModel(name, knobs);
  });
  afterAll(() => t.dispose());

  it.each(adapterMethods.map((m) => m.name))('%s: the same loss and gradients with and without checkpointing', (method) => {
    const resolved = resolveAdapterSettings(t.model, { method });
    expect(resolved.problems).toEqual([]);
    const adapter = resolved.method.create(t.model, resolved.settings, 5);
    try {
      // A few steps first: fresh LoRA-like adapters have a zero factor, whose partner's gradient is 0 either way.
      train(t, adapter, 2, 5e-2);
      const plain = gradients(t, adapter, false);
      const checkpointed = gradients(t, adapter, true);
      expect(checkpointed.loss).toBeCloseTo(plain.loss, 5);
      expect([...checkpointed.grads.keys()]).toEqual([...plain.grads.keys()]);
      expect(plain.grads.size).toBeGreaterThan(0);
      for (const [key, g] of plain.grads) {
        const tolerance = 1e-5 * Math.max(1, maxAbs(g));
        expect(maxAbsDiff(checkpointed.grads.get(key)!, g), `${method} ${key}`).toBeLessThanOrEqual(tolerance);
      }
      // Block-level methods must have a nonzero gradient somewhere (the recompute reaches their variables).
      expect(Math.max(...[...checkpointed.grads.values()].map(maxAbs))).toBeGreaterThan(0);
    } finally {
      adapter.dispose();
    }
  });

  it('keeps the tensor count flat and holds less memory before the backward pass', () => {
    const resolved = resolveAdapterSettings(t.model, { method: 'lora' });
    const adapter = resolved.method.create(t.model, resolved.settings, 5);
    try {
      const plain = gradients(t, adapter, false);
      gradients(t, adapter, true); // first call: nothing cached either way, but do it once before counting
      const before = tf.memory().numTensors;
      const checkpointed = gradients(t, adapter, true);
      gradients(t, adapter, true);
      expect(tf.memory().numTensors).toBe(before);
      expect(checkpointed.bytesBeforeBackward).toBeLessThan(plain.bytesBeforeBackward);
    } finally {
      adapter.dispose();
    }
  });
});

describe('a failing block', () => {
  it('restores the engine: later gradients are recorded and correct', async () => {
    const t = await randomModel('gpt2', FAMILIES[0].knobs);
    const x = tf.variable(tf.ones([2, 16])) as tf.Variable<tf.Rank.R2>;
    try {
      const fail = () => {
        throw new Error('block failed');
      };
      expect(() => tf.variableGrads(() => tf.sum(t.model.withCheckpointing(true, () => t.model.block(x, fail))) as tf.Scalar, [x])).toThrow('block failed');
      const engineState = (tf.engine() as unknown as { state: { kernelDepth: number; activeTape: unknown } }).state;
      expect(engineState.kernelDepth).toBe(0);
      engineState.activeTape = null; // what the trainer's disposeAbandonedTape does after a failed step
      const { value, grads } = tf.variableGrads(() => tf.sum(t.model.withCheckpointing(true, () => t.model.block(x, (h) => tf.mul(h, 3)))) as tf.Scalar, [x]);
      expect(Array.from(grads[x.name].dataSync())).toEqual(new Array(32).fill(3));
      value.dispose();
      grads[x.name].dispose();
    } finally {
      x.dispose();
      t.dispose();
    }
  });
});
