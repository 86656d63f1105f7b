/**
 * The shared matrix: every fine-tuning method, on every fixture case and on
 * random checkpoints at other shapes, must
 *
 * - leave the outputs unchanged when fresh (zero-init delta, head from the checkpoint);
 * - know its exact trainable-parameter count before allocating anything;
 * - give the same outputs merged as unmerged, after training;
 * - give identical outputs after a save → load round trip;
 * - export a merged checkpoint that loadModel turns back into the adapted model;
 * - keep the tensor count flat across AdamW steps and free everything on dispose;
 * - never change the base model.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportMergedModel } from '../../../src/engine/adapters/export';
import { adapterMethods } from '../../../src/engine/adapters/registry';
import type { Adapter, AdapterMethod } from '../../../src/engine/adapters/types';
import { MemorySource } from '../../../src/engine/io/source';
import { loadModel } from '../../../src/engine/models/load';
import { AdamW } from '../../../src/engine/train/adamw';
import { useBackend } from '../../helpers/backend';
import { FIXTURE_CASES } from '../../helpers/fixtures';
import {
  fixtureModel,
  gradientsOf,
  logitsWith,
  maxAbs,
  maxAbsDiff,
  RANDOM_SHAPES,
  randomModel,
  roundTrip,
  train,
  type TestModel,
} from './helpers';

const CASES = [
  ...FIXTURE_CASES.map((name) => ({ name: `fixture ${name}`, open: () => fixtureModel(name) })),
  ...RANDOM_SHAPES.map(({ name, knobs }) => ({ name: `random ${name}`, open: () => randomModel(name, knobs) })),
];

/** Float32 reassociation only: relative to the logits' scale. */
const mergeTolerance = (logits: Float32Array) => 1e-4 * Math.max(1, maxAbs(logits));

/**
 * Methods whose fresh adapter equals the base only up to float32 rounding:
 * PiSSA computes W·x as W_res·x + s·B·(A·x), the same number reassociated.
 * Every other method's start is the base bit for bit (B = 0, lambda_b = 0,
 * scales of exactly 1, m = ‖W‖ computed as the forward pass computes it).
 */
const REASSOCIATED_AT_START = new Set(['pissa']);
const freshTolerance = (method: string, logits: Float32Array) =>
  REASSOCIATED_AT_START.has(method) ? 1e-5 * Math.max(1, maxAbs(logits)) : 1e-6;

beforeAll(async () => {
  await useBackend('cpu');
});

describe.each(CASES)('$name', ({ name: caseName, open }) => {
  let t: TestModel;
  let baseLogits: Float32Array;
  beforeAll(async () => {
    t = await open();
    baseLogits = logitsWith(t, null);
  });
  afterAll(() => t.dispose());

  describe.each(adapterMethods.map((m) => [m.name, m] as [string, AdapterMethod]))('%s', (methodName, method) => {
    const settings = () => method.withDefaults(t.model, {});

    if (caseName === 'fixture llama' && methodName === 'bitfit') {
      it('explains that a model without biases leaves BitFit nothing to train', () => {
        expect(method.validate(t.model, settings()).join(' ')).toMatch(/no bias terms, so BitFit would train nothing/);
        expect(() => method.create(t.model, settings(), 0)).toThrow(/BitFit would train nothing/);
      });
      return;
    }

    it('has valid defaults, and a fresh adapter leaves the outputs unchanged', () => {
      expect(method.validate(t.model, settings())).toEqual([]);
      const adapter = method.create(t.model, settings(), 11);
      expect(maxAbsDiff(logitsWith(t, adapter.patch()), baseLogits)).toBeLessThanOrEqual(freshTolerance(methodName, baseLogits));
      adapter.dispose();
    });

    it('knows its exact trainable count before creating anything, and every counted element gets a gradient', () => {
      const before = tf.memory().numTensors;
      const counted = method.countTrainable(t.model, settings());
      expect(tf.memory().numTensors).toBe(before);
      const adapter = method.create(t.model, settings(), 11);
      expect(adapter.trainableParameterCount()).toBe(counted);
      const { grads } = gradientsOf(t, adapter);
      let trained = 0;
      for (const [key, variable] of adapter.trainable) {
        const grad = grads.get(key);
        expect(grad?.shape, key).toEqual(variable.shape);
        trained += grad!.size;
      }
      expect(trained).toBe(counted);
      for (const g of grads.values()) g.dispose();
      adapter.dispose();
    });

    describe('after training', () => {
      // One trained adapter serves these tests; each leaves it as it found it (unmerged).
      let adapter: Adapter;
      let trained: Float32Array;
      beforeAll(() => {
        adapter = method.create(t.model, settings(), 11);
        train(t, adapter, 3);
        trained = logitsWith(t, adapter.patch());
      });
      afterAll(() => adapter.dispose());

      it('gives the same outputs merged as unmerged', () => {
        expect(maxAbsDiff(trained, baseLogits), 'training changed nothing').toBeGreaterThan(1e-4);
        adapter.merge();
        expect(adapter.merged).toBe(true);
        expect(maxAbsDiff(logitsWith(t, adapter.patch()), trained)).toBeLessThanOrEqual(mergeTolerance(trained));
        adapter.unmerge();
        expect(adapter.merged).toBe(false);
        expect(maxAbsDiff(logitsWith(t, adapter.patch()), trained)).toBe(0);
      });

      it('gives ΔW of every block module it changed: the merged minus the base weight, as (d_out, d_in), without leaking', () => {
        const before = tf.memory().numTensors;
        const merged = adapter.mergedWeights();
        const deltas = adapter.deltaWeights();
        const changed = t.model.linearModules().filter(
          (m) => m.layer !== null && maxAbsDiff(merged.get(m.weight)!.dataSync(), t.model.baseParam(m.weight).dataSync()) > 0,
        );
        expect(deltas.map((d) => d.module.path)).toEqual(changed.map((m) => m.path));
        for (const d of deltas) {
          expect((d.lowRank === null) !== (d.dense === null), d.module.path).toBe(true);
          const actual = d.lowRank ? tf.matMul(d.lowRank.left, d.lowRank.right) : d.dense!;
          expect(actual.shape).toEqual([d.module.dOut, d.module.dIn]);
          const stored = tf.sub(merged.get(d.module.weight)!, t.model.baseParam(d.module.weight));
          const expected = d.module.layout === 'conv1d' ? tf.transpose(stored) : stored;
          const scale = Math.max(1e-3, maxAbs(expected.dataSync()));
          expect(maxAbsDiff(actual.dataSync(), expected.dataSync()) / scale, d.module.path).toBeLessThan(1e-4);
          for (const x of new Set([actual, stored, expected, d.lowRank?.left, d.lowRank?.right, d.dense])) x?.dispose();
        }
        for (const x of merged.values()) x.dispose();
        expect(tf.memory().numTensors).toBe(before);
      });

      it('gives identical outputs after saving and loading', async () => {
        const loaded = await roundTrip(t, adapter);
        expect(loaded.method).toBe(methodName);
        expect(loaded.settings).toEqual(adapter.settings);
        expect([...loaded.trainable.keys()].sort()).toEqual([...adapter.trainable.keys()].sort());
        expect(loaded.trainableParameterCount()).toBe(adapter.trainableParameterCount());
        expect(maxAbsDiff(logitsWith(t, loaded.patch()), trained)).toBe(0);
        loaded.dispose();
      });

      it('exports a merged checkpoint that loads back as the adapted model', async () => {
        const files = await exportMergedModel(t.model, adapter);
        expect([...files.keys()].sort()).toEqual(['config.json', 'model.safetensors']);
        const exported = await loadModel(new MemorySource('exported', files));
        const logits = exported.forward(t.inputs);
        expect(maxAbsDiff(logits.dataSync(), trained)).toBeLessThanOrEqual(mergeTolerance(trained));
        logits.dispose();
        exported.dispose();
      });

      it('has not changed the base model, merged or not', () => {
        expect(maxAbsDiff(logitsWith(t, null), baseLogits)).toBe(0);
        adapter.merge();
        expect(maxAbsDiff(logitsWith(t, null), baseLogits)).toBe(0);
        adapter.unmerge();
      });
    });

    it('keeps the tensor count flat across AdamW steps, and frees (and detaches) everything on dispose', () => {
      const before = tf.memory().numTensors;
      const adapter = method.create(t.model, settings(), 11);
      const optimizer = new AdamW(adapter.trainable, { learningRate: 1e-3, weightDecay: 0.01 });
      train(t, adapter, 1, 1e-3, optimizer); // allocates the moments
      const afterFirstStep = tf.memory().numTensors;
      train(t, adapter, 3, 1e-3, optimizer);
      expect(tf.memory().numTensors).toBe(afterFirstStep);
      adapter.merge();
      adapter.unmerge();
      expect(tf.memory().numTensors).toBe(afterFirstStep);
      optimizer.dispose();
      t.model.attach(adapter.patch());
      adapter.dispose();
      expect(t.model.attachedPatch, 'a disposed adapter stays attached').toBeNull();
      expect(tf.memory().numTensors).toBe(before);
    });
  });
});
