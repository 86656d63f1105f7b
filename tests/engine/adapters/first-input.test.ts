/**
 * The modules whose input no trainable tensor has touched, as the fused
 * adapter paths see them: those given the very tensor the first adapted
 * module received in the same forward pass. For GPT-2 that is the first
 * block's c_attn; for a ViT and for Llama the first block's q, k and v.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FirstAdaptedInput } from '../../../src/engine/adapters/common/first-input';
import type { LinearHook } from '../../../src/engine/models/model';
import { useBackend } from '../../helpers/backend';
import type { FixtureCase } from '../../helpers/fixtures';
import { fixtureModel, type TestModel } from './helpers';

const models = new Map<FixtureCase, TestModel>();

beforeAll(async () => {
  await useBackend('cpu');
  for (const name of ['gpt2', 'vit', 'llama'] as const) models.set(name, await fixtureModel(name));
});
afterAll(() => models.forEach((m) => m.dispose()));

/** Runs a forward pass with recording hooks on every block module; returns the untouched ones. */
function untouchedModules(name: FixtureCase, passes = 1): string[] {
  const { model, inputs } = models.get(name)!;
  const paths = model.linearModules().filter((m) => m.layer !== null).map((m) => m.path);
  const first = new FirstAdaptedInput(model, paths);
  const untouched = new Set<string>();
  const hook: LinearHook = (x, base) => {
    if (first.isUntouched(base.module.path, x)) untouched.add(base.module.path);
    return base.apply(x);
  };
  for (let i = 0; i < passes; i++) {
    tf.tidy(() => {
      model.withPatch({ linear: new Map(paths.map((p) => [p, hook])) }, () => model.forward(inputs));
    });
  }
  return [...untouched];
}

describe('FirstAdaptedInput', () => {
  it("is GPT-2's first c_attn", () => {
    expect(untouchedModules('gpt2')).toEqual(['transformer.h.0.attn.c_attn']);
  });

  it("is the first block's query, key and value in a ViT", () => {
    const block = 'vit.encoder.layer.0.attention.attention';
    expect(untouchedModules('vit')).toEqual([`${block}.query`, `${block}.key`, `${block}.value`]);
  });

  it("is the first block's q, k and v in Llama, pass after pass", () => {
    const block = 'model.layers.0.self_attn';
    expect(untouchedModules('llama', 2)).toEqual([`${block}.q_proj`, `${block}.k_proj`, `${block}.v_proj`]);
  });

  it('watches the first adapted module in forward order, not in the order given', () => {
    const { model } = models.get('gpt2')!;
    const first = new FirstAdaptedInput(model, ['transformer.h.1.mlp.c_fc', 'transformer.h.0.mlp.c_proj']);
    expect(first.modulePath).toBe('transformer.h.0.mlp.c_proj');
  });
});
