/**
 * The key/value cache: a cached forward of the newest tokens computes what a
 * full forward computes at the last positions, for every causal family
 * (GPT-2's learned positions, GPT-Neo's local-window layers, Llama's RoPE
 * and grouped-query attention) with no adapter, LoRA or WeGeFT attached;
 * generation with the cache gives the full-recompute path's tokens, greedy
 * and sampled, across the context crop; and no tensor is left behind.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAdapterMethod } from '../../../src/engine/adapters/registry';
import type { Adapter } from '../../../src/engine/adapters/types';
import { ModelError } from '../../../src/engine/errors';
import { generate, type GenerateOptions } from '../../../src/engine/generate';
import { DirectorySource } from '../../../src/engine/io/node-source';
import { KvCache } from '../../../src/engine/models/kv-cache';
import { loadModel } from '../../../src/engine/models/load';
import type { Model } from '../../../src/engine/models/model';
import type { CausalLMConfig } from '../../../src/engine/models/types';
import { useBackend } from '../../helpers/backend';
import { fixtureDir } from '../../helpers/fixtures';

const FAMILIES = ['gpt2', 'gpt_neo', 'llama'] as const;
const METHODS = ['none', 'lora', 'wegeft'] as const;
const models = new Map<string, Model>();
const adapters = new Map<string, Adapter>();

beforeAll(async () => {
  await useBackend('cpu');
  for (const family of FAMILIES) {
    const model = await loadModel(new DirectorySource(fixtureDir(family)));
    models.set(family, model);
    for (const name of ['lora', 'wegeft'] as const) {
      const method = getAdapterMethod(name);
      const adapter = method.create(model, method.withDefaults(model, {}), 1);
      // A fresh adapter changes nothing (B = 0, phi = 0): give every trainable tensor values so it does.
      let seed = 10;
      for (const variable of adapter.trainable.values()) {
        variable.assign(tf.tidy(() => tf.add(variable, tf.randomNormal(variable.shape, 0, 0.3, 'float32', seed++))));
      }
      adapters.set(`${family}/${name}`, adapter);
    }
  }
});
afterAll(() => {
  for (const adapter of adapters.values()) adapter.dispose();
  for (const model of models.values()) model.dispose();
});

/** `fn` with the family's model and the method's patch attached until it settles (withPatch would detach at the first await). */
async function withSetup<T>(family: string, method: string, fn: (model: Model) => T | Promise<T>): Promise<T> {
  const model = models.get(family)!;
  model.attach(method === 'none' ? null : adapters.get(`${family}/${method}`)!.patch());
  try {
    return await fn(model);
  } finally {
    model.attach(null);
  }
}

/** Logits (T, V) of a full forward of `tokens`. */
function fullLogits(model: Model, tokens: number[]): number[][] {
  return tf.tidy(() => {
    const logits = model.forward({ inputIds: tf.tensor2d([tokens], undefined, 'int32') }) as tf.Tensor3D; // (1, T, V)
    return (logits.squeeze([0]) as tf.Tensor2D).arraySync();
  });
}

/** Logits (T, V) of a forward of `tokens` after what `cache` holds. */
function cachedLogits(model: Model, tokens: number[], cache: KvCache): number[][] {
  return tf.tidy(() => {
    const logits = model.forward({ inputIds: tf.tensor2d([tokens], undefined, 'int32'), cache }) as tf.Tensor3D;
    return (logits.squeeze([0]) as tf.Tensor2D).arraySync();
  });
}

function maxDiff(a: number[][], b: number[][]): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  a.forEach((row, i) => row.forEach((x, j) => (max = Math.max(max, Math.abs(x - b[i][j])))));
  return max;
}

const SEQUENCE = [5, 17, 42, 3, 88, 61, 7, 29, 50, 11, 73, 2];

describe.each(FAMILIES)('%s', (family) => {
  describe.each(METHODS)('adapter: %s', (method) => {
    it('a cached forward equals the full forward at the same positions (prefill, one token at a time, then a chunk of 3)', async () => {
      await withSetup(family, method, (model) => {
        const full = fullLogits(model, SEQUENCE);
        if (method !== 'none') expect(maxDiff(full, model.withPatch(null, () => fullLogits(model, SEQUENCE)))).toBeGreaterThan(1e-3);
        const scale = Math.max(...full.flat().map(Math.abs));
        const cache = new KvCache(model.config.numLayers);
        try {
          const pieces = [SEQUENCE.slice(0, 4), [SEQUENCE[4]], [SEQUENCE[5]], [SEQUENCE[6]], SEQUENCE.slice(7, 10), SEQUENCE.slice(10)];
          let at = 0;
          for (const piece of pieces) {
            const got = cachedLogits(model, piece, cache);
            expect(maxDiff(got, full.slice(at, at + piece.length))).toBeLessThan(1e-5 * Math.max(1, scale));
            at += piece.length;
            expect(cache.length).toBe(at);
          }
        } finally {
          cache.dispose();
        }
      });
    });

    it('generates the full-recompute tokens, greedy and sampled, also past the context limit', async () => {
      await withSetup(family, method, async (model) => {
        const maxPositions = (model.config as CausalLMConfig).maxPositions;
        // Starts 3 short of the limit and runs 6 past it: the cached path must re-run the cropped context.
        const longPrompt = Array.from({ length: maxPositions - 3 }, (_, i) => (i * 7 + 1) % 96);
        const runs: [number[], GenerateOptions][] = [
          [SEQUENCE.slice(0, 3), { maxNewTokens: 12 }],
          [SEQUENCE.slice(0, 3), { maxNewTokens: 12, temperature: 0.9, topK: 10, seed: 7 }],
          [SEQUENCE.slice(0, 3), { maxNewTokens: 12, temperature: 1.3, seed: 3 }],
          [longPrompt, { maxNewTokens: 9 }],
          [longPrompt, { maxNewTokens: 9, temperature: 0.8, topK: 20, seed: 11 }],
        ];
        for (const [prompt, options] of runs) {
          const plain = await generate(model, prompt, { ...options, useCache: false });
          const cached = await generate(model, prompt, options);
          expect(cached).toEqual(plain);
          expect(cached.tokens).toHaveLength(options.maxNewTokens);
        }
      });
    });
  });

  it('leaks no tensors across a cached generation, a sampled one, or one aborted mid-way', async () => {
    const model = models.get(family)!;
    await generate(model, SEQUENCE, { maxNewTokens: 2 }); // warm-up: tfjs may cache tensors once
    const before = tf.memory().numTensors;
    let during = 0;
    await generate(model, SEQUENCE, {
      maxNewTokens: 6,
      onToken: (_, index) => {
        // The cache holds one key and one value tensor per layer while it runs.
        if (index === 3) during = tf.memory().numTensors;
      },
    });
    expect(during).toBe(before + 2 * model.config.numLayers);
    await generate(model, SEQUENCE, { maxNewTokens: 5, temperature: 0.8, topK: 10, seed: 1 });
    const controller = new AbortController();
    const aborted = await generate(model, SEQUENCE, {
      maxNewTokens: 20,
      signal: controller.signal,
      onToken: (_, index) => index === 2 && controller.abort(),
    });
    expect(aborted.stoppedBy).toBe('aborted');
    expect(aborted.tokens).toHaveLength(3);
    await withSetup(family, 'lora', () => generate(model, SEQUENCE, { maxNewTokens: 4 }));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a cached forward past the model maximum, and a cache for another model', () => {
    const model = models.get(family)!;
    const maxPositions = (model.config as CausalLMConfig).maxPositions;
    const cache = new KvCache(model.config.numLayers);
    try {
      cachedLogits(model, Array.from({ length: maxPositions - 1 }, () => 1), cache);
      expect(() => cachedLogits(model, [1, 2], cache)).toThrow(
        new ModelError(`${maxPositions - 1} cached and 2 new tokens exceed this model's maximum of ${maxPositions}`),
      );
      expect(cache.length).toBe(maxPositions - 1);
    } finally {
      cache.dispose();
    }
    const wrong = new KvCache(model.config.numLayers + 1);
    expect(() => cachedLogits(model, [1], wrong)).toThrow(`a key/value cache for ${model.config.numLayers + 1} layers does not fit`);
    wrong.dispose();
  });
});
