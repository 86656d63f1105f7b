/**
 * Generation and classification on the fixture models: greedy decoding is
 * argmax over repeated forwards, sampling repeats for a seed, and nothing
 * leaks.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAdapterMethod } from '../../src/engine/adapters/registry';
import { ModelError } from '../../src/engine/errors';
import { argmax, classifyTopK, generate, generateText, sampleToken } from '../../src/engine/generate';
import { DirectorySource } from '../../src/engine/io/node-source';
import { parseSafetensors } from '../../src/engine/io/safetensors';
import { loadModel } from '../../src/engine/models/load';
import type { Model } from '../../src/engine/models/model';
import { createTokenizer } from '../../src/engine/tokenizer';
import { useBackend } from '../helpers/backend';
import { fixtureDir } from '../helpers/fixtures';

let gpt2: Model;
let vit: Model;
const MAX_POSITIONS = 32; // the gpt2 fixture's n_positions
const PROMPT = [5, 17, 42, 3];

beforeAll(async () => {
  await useBackend('cpu');
  gpt2 = await loadModel(new DirectorySource(fixtureDir('gpt2')));
  vit = await loadModel(new DirectorySource(fixtureDir('vit')));
});
afterAll(() => {
  gpt2.dispose();
  vit.dispose();
});

/** Greedy decoding written out plainly: forward the (cropped) sequence, take tf.argMax of the last position. */
function greedyByHand(model: Model, prompt: number[], steps: number): number[] {
  const sequence = [...prompt];
  for (let s = 0; s < steps; s++) {
    const context = sequence.slice(-MAX_POSITIONS);
    const next = tf.tidy(() => {
      const logits = model.forward({ inputIds: tf.tensor2d([context], undefined, 'int32') }) as tf.Tensor3D; // (1, T, V)
      return tf.argMax(logits.gather([context.length - 1], 1).squeeze(), -1).dataSync()[0];
    });
    sequence.push(next);
  }
  return sequence.slice(prompt.length);
}

describe('generate', () => {
  it('greedy generation equals argmax over repeated forwards', async () => {
    const { tokens, stoppedBy } = await generate(gpt2, PROMPT, { maxNewTokens: 8 });
    expect(tokens).toEqual(greedyByHand(gpt2, PROMPT, 8));
    expect(stoppedBy).toBe('max-new-tokens');
    expect((await generate(gpt2, PROMPT, { maxNewTokens: 8 })).tokens).toEqual(tokens);
  });

  it('crops the context to the model maximum instead of failing', async () => {
    const longPrompt = Array.from({ length: 30 }, (_, i) => (i * 7) % 96);
    const { tokens } = await generate(gpt2, longPrompt, { maxNewTokens: 6 });
    expect(tokens).toEqual(greedyByHand(gpt2, longPrompt, 6));
  });

  it('sampling repeats for a seed and varies across seeds', async () => {
    const options = { maxNewTokens: 12, temperature: 1 };
    const a = await generate(gpt2, PROMPT, { ...options, seed: 7 });
    const b = await generate(gpt2, PROMPT, { ...options, seed: 7 });
    const c = await generate(gpt2, PROMPT, { ...options, seed: 8 });
    expect(b.tokens).toEqual(a.tokens);
    expect(c.tokens).not.toEqual(a.tokens);
    expect(a.tokens.every((t) => Number.isInteger(t) && t >= 0 && t < 96)).toBe(true);
  });

  it('a temperature near 0, or top-k = 1, equals greedy', async () => {
    const greedy = (await generate(gpt2, PROMPT, { maxNewTokens: 8 })).tokens;
    expect((await generate(gpt2, PROMPT, { maxNewTokens: 8, temperature: 1e-6, seed: 3 })).tokens).toEqual(greedy);
    expect((await generate(gpt2, PROMPT, { maxNewTokens: 8, temperature: 1.5, topK: 1, seed: 3 })).tokens).toEqual(greedy);
  });

  it('stops after the EOS token, which it includes', async () => {
    const greedy = (await generate(gpt2, PROMPT, { maxNewTokens: 8 })).tokens;
    const eos = greedy[2];
    const { tokens, stoppedBy } = await generate(gpt2, PROMPT, { maxNewTokens: 8, eosTokenId: eos });
    expect(tokens).toEqual(greedy.slice(0, greedy.indexOf(eos) + 1));
    expect(stoppedBy).toBe('eos');
    const ignoring = await generate(gpt2, PROMPT, { maxNewTokens: 8, eosTokenId: eos, stopAtEos: false });
    expect(ignoring.tokens).toEqual(greedy);
  });

  it('streams each token as it comes, and stops when aborted', async () => {
    const controller = new AbortController();
    const streamed: Array<[number, number]> = [];
    const { tokens, stoppedBy } = await generate(gpt2, PROMPT, {
      maxNewTokens: 8,
      signal: controller.signal,
      onToken: (token, index) => {
        streamed.push([token, index]);
        if (index === 2) controller.abort();
      },
    });
    expect(stoppedBy).toBe('aborted');
    expect(tokens).toHaveLength(3);
    expect(streamed).toEqual(tokens.map((t, i) => [t, i]));
  });

  it('leaks no tensors, greedy or sampled', async () => {
    await generate(gpt2, PROMPT, { maxNewTokens: 1 }); // warm-up: tfjs may cache tensors once
    const before = tf.memory().numTensors;
    await generate(gpt2, PROMPT, { maxNewTokens: 5 });
    await generate(gpt2, PROMPT, { maxNewTokens: 5, temperature: 0.8, topK: 10, seed: 1 });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('uses the adapter patch attached to the model', async () => {
    const greedy = (await generate(gpt2, PROMPT, { maxNewTokens: 4 })).tokens;
    const zeros = tf.zeros(gpt2.baseParam('transformer.wte.weight').shape);
    // A zero (tied) embedding makes every logit 0: argmax picks token 0 every time.
    gpt2.attach({ params: new Map([['transformer.wte.weight', zeros]]) });
    try {
      expect((await generate(gpt2, PROMPT, { maxNewTokens: 4 })).tokens).toEqual([0, 0, 0, 0]);
    } finally {
      gpt2.attach(null);
      zeros.dispose();
    }
    expect((await generate(gpt2, PROMPT, { maxNewTokens: 4 })).tokens).toEqual(greedy);
  });

  it('rejects bad prompts, options and models with clear errors', async () => {
    await expect(generate(gpt2, [], { maxNewTokens: 2 })).rejects.toThrow(new ModelError('generation needs a prompt of at least one token'));
    await expect(generate(gpt2, [3, 96], { maxNewTokens: 2 })).rejects.toThrow("prompt token id 96 is outside this model's vocabulary (0–95)");
    await expect(generate(gpt2, [3], { maxNewTokens: -1 })).rejects.toThrow(/maxNewTokens must be a whole number/);
    await expect(generate(gpt2, [3], { maxNewTokens: 2, temperature: -1 })).rejects.toThrow(/temperature must be ≥ 0/);
    await expect(generate(gpt2, [3], { maxNewTokens: 2, topK: 1.5 })).rejects.toThrow(/topK must be a whole number/);
    await expect(generate(vit, [3], { maxNewTokens: 2 })).rejects.toThrow(/text generation needs a language model/);
  });

  it('returns nothing for maxNewTokens = 0', async () => {
    expect(await generate(gpt2, PROMPT, { maxNewTokens: 0 })).toEqual({ tokens: [], stoppedBy: 'max-new-tokens' });
  });
});

describe('generateText', () => {
  // A character-level tokenizer whose 96 tokens (' ' to DEL) match the fixture's vocabulary.
  const vocab = Object.fromEntries(Array.from({ length: 96 }, (_, i) => [String.fromCharCode(32 + i), i]));
  const tokenizer = createTokenizer(
    { model: { type: 'BPE', vocab, merges: [], ignore_merges: false }, decoder: { type: 'Fuse' }, added_tokens: [] },
    {},
    { tokenizer: 'chars/tokenizer.json', config: 'chars/tokenizer_config.json' },
  );

  it('encodes the prompt, generates, and decodes the new tokens', async () => {
    const result = await generateText(gpt2, tokenizer, 'Hi!', { maxNewTokens: 5 });
    expect(result.promptTokens).toEqual([40, 73, 1]);
    expect(result.tokens).toEqual((await generate(gpt2, [40, 73, 1], { maxNewTokens: 5 })).tokens);
    expect(result.text).toBe(result.tokens.map((t) => String.fromCharCode(32 + t)).join(''));
  });
});

describe('sampleToken', () => {
  const counts = (logits: number[], temperature: number, topK: number, draws = 10_000) => {
    const histogram = new Array<number>(logits.length).fill(0);
    for (let i = 0; i < draws; i++) histogram[sampleToken(logits, temperature, topK, (i + 0.5) / draws)]++;
    return histogram.map((c) => c / draws);
  };

  it('draws in proportion to softmax(logits / temperature)', () => {
    const logits = [Math.log(1), Math.log(2), Math.log(3), Math.log(4)];
    counts(logits, 1, 0).forEach((p, i) => expect(p).toBeCloseTo((i + 1) / 10, 3));
    // Temperature 2 takes square roots of the odds.
    const roots = [1, 2, 3, 4].map(Math.sqrt);
    const total = roots.reduce((a, b) => a + b);
    counts(logits, 2, 0).forEach((p, i) => expect(p).toBeCloseTo(roots[i] / total, 3));
  });

  it('keeps only the top k (and ties with the k-th)', () => {
    expect(counts([0, 3, 1, 2], 1, 2).map((p) => p > 0)).toEqual([false, true, false, true]);
    expect(counts([1, 5, 1, 5], 1, 1).map((p) => p > 0)).toEqual([false, true, false, true]);
  });

  it('is argmax at temperature 0, the first index on ties', () => {
    expect(sampleToken([1, 4, 4, 2], 0, 0, 0.99)).toBe(1);
    expect(argmax([3, 1, 3])).toBe(0);
  });

  it('stays finite for huge logits or tiny temperatures', () => {
    expect(sampleToken([1e30, 0, -1e30], 1, 0, 0.5)).toBe(0);
    expect(sampleToken([0.1, 0.2, 0.15], 1e-12, 0, 0.999)).toBe(1);
  });
});

describe('classifyTopK', () => {
  const file = parseSafetensors(readFileSync(path.join(fixtureDir('vit'), 'inputs.safetensors')), 'inputs');
  const expected = parseSafetensors(readFileSync(path.join(fixtureDir('vit'), 'expected.safetensors')), 'expected').read('logits');
  const pixels = file.read('pixel_values');

  /** Softmax of the fixture's expected logits, per image, computed by hand. */
  function expectedProbabilities(): number[][] {
    const [batch, labels] = expected.shape;
    return Array.from({ length: batch }, (_, b) => {
      const row = Array.from(expected.values.subarray(b * labels, (b + 1) * labels));
      const max = Math.max(...row);
      const exps = row.map((v) => Math.exp(v - max));
      const total = exps.reduce((a, c) => a + c);
      return exps.map((e) => e / total);
    });
  }

  it('gives each image its k most probable labels, by name, most probable first', async () => {
    const input = tf.tensor4d(pixels.values as Float32Array, pixels.shape as [number, number, number, number]);
    const before = tf.memory().numTensors;
    const predictions = await classifyTopK(vit, input, 3);
    expect(tf.memory().numTensors).toBe(before);
    const probabilities = expectedProbabilities();
    expect(predictions).toHaveLength(3);
    predictions.forEach((top, b) => {
      const order = probabilities[b].map((p, i) => [p, i]).sort((x, y) => y[0] - x[0]).slice(0, 3);
      expect(top.map((p) => p.index)).toEqual(order.map(([, i]) => i));
      top.forEach((p, j) => {
        expect(p.label).toBe(`LABEL_${p.index}`);
        expect(p.probability).toBeCloseTo(order[j][0], 5);
      });
    });
    const all = await classifyTopK(vit, input, 50); // more than there are labels
    all.forEach((top) => {
      expect(top).toHaveLength(5);
      expect(top.reduce((a, p) => a + p.probability, 0)).toBeCloseTo(1, 5);
    });
    input.dispose();
  });

  it('with an adapter whose new head has fewer classes than k, gives those classes by the adapter\'s names (Try it said "k passed to topk() must be <= 3")', async () => {
    const head = getAdapterMethod('head');
    const adapter = head.create(vit, head.withDefaults(vit, { labels: ['sun', 'cloud', 'rain'] }), 0);
    const input = tf.tensor4d(pixels.values as Float32Array, pixels.shape as [number, number, number, number]);
    vit.attach(adapter.patch());
    try {
      const before = tf.memory().numTensors;
      const predictions = await classifyTopK(vit, input, 5, ['sun', 'cloud', 'rain']);
      expect(tf.memory().numTensors).toBe(before);
      for (const top of predictions) {
        expect(top).toHaveLength(3);
        expect(top.map((p) => p.label).sort()).toEqual(['cloud', 'rain', 'sun']);
        expect(top.reduce((a, p) => a + p.probability, 0)).toBeCloseTo(1, 5);
      }
    } finally {
      vit.attach(null);
      input.dispose();
      adapter.dispose();
    }
  });

  it('rejects a language model and a bad k', async () => {
    const input = tf.zeros([1, 3, 16, 16]) as tf.Tensor4D;
    await expect(classifyTopK(gpt2, input, 1)).rejects.toThrow(/classification needs an image classifier/);
    await expect(classifyTopK(vit, input, 0)).rejects.toThrow(/k must be a whole number ≥ 1/);
    input.dispose();
  });
});

describe('generate on WebGPU (Dawn + SwiftShader)', () => {
  let cpuGreedy: number[];
  let onGpu: Model;

  beforeAll(async () => {
    cpuGreedy = (await generate(gpt2, PROMPT, { maxNewTokens: 6 })).tokens;
    await useBackend('webgpu');
    onGpu = await loadModel(new DirectorySource(fixtureDir('gpt2')));
  });
  afterAll(async () => {
    onGpu.dispose();
    await useBackend('cpu');
  });

  it('gives the greedy tokens of the CPU backend, and leaks nothing', async () => {
    await generate(onGpu, PROMPT, { maxNewTokens: 1 }); // warm-up
    const before = tf.memory().numTensors;
    expect((await generate(onGpu, PROMPT, { maxNewTokens: 6 })).tokens).toEqual(cpuGreedy);
    expect(tf.memory().numTensors).toBe(before);
  });
});
