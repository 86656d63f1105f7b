/**
 * Checkpoints come in more layouts than save_pretrained's: the loader
 * accepts every real-world variant of the same weights (keys without the
 * base-model prefix, buffers such as causal masks and RoPE frequencies, a
 * tied lm_head stored or omitted, shards, half precision, transformers 4 or
 * 5 configs) and computes the same logits from them, while anything that
 * leaves a needed tensor undetermined is a clear InputFileError.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputFileError } from '../../../src/engine/errors';
import { parseSafetensors } from '../../../src/engine/io/safetensors';
import { MemorySource } from '../../../src/engine/io/source';
import { loadModel, readModelConfig } from '../../../src/engine/models/load';
import type { Model } from '../../../src/engine/models/model';
import { useBackend } from '../../helpers/backend';
import {
  checkpointFiles,
  checkpointSource,
  randomCheckpoint,
  randomInputs,
  roundToDtype,
  toModelInputs,
  type CheckpointFileOptions,
  type CheckpointKnobs,
  type NamedTensor,
  type RandomCheckpoint,
  type RandomInputs,
} from '../../helpers/random-checkpoint';
import { referenceLogits, type RefWeights } from './reference';

const TOLERANCE = 1e-4;

beforeAll(async () => {
  await useBackend('cpu');
});

function inputsFor(ckpt: RandomCheckpoint): RandomInputs {
  return randomInputs(ckpt, { batch: 2, seqLength: 5, seed: 3 });
}

async function engineLogits(model: Model, inputs: RandomInputs): Promise<Float32Array> {
  const modelInputs = toModelInputs(inputs);
  const logits = model.forward(modelInputs);
  const values = (await logits.data()) as Float32Array;
  tf.dispose([logits, ...Object.values(modelInputs)]);
  return values;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** Loads the files, checks the logits against the naive reference on `weights`, and returns the model. */
async function loadAndCompare(
  ckpt: RandomCheckpoint,
  options: CheckpointFileOptions = {},
  weights: RefWeights = ckpt.weights,
): Promise<Model> {
  const model = await loadModel(checkpointSource(ckpt, options));
  const inputs = inputsFor(ckpt);
  const expected = referenceLogits(options.config ?? ckpt.config, weights, inputs);
  expect(maxAbsDiff(await engineLogits(model, inputs), expected.values)).toBeLessThanOrEqual(TOLERANCE);
  return model;
}

async function loadError(source: MemorySource): Promise<InputFileError> {
  const before = tf.memory().numTensors;
  const error = await loadModel(source).then(
    (model) => {
      model.dispose();
      return new Error('loadModel accepted the checkpoint');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputFileError);
  expect(tf.memory().numTensors, 'a failed load leaves no tensors behind').toBe(before);
  return error as InputFileError;
}

function constant(name: string, shape: number[], value: number): NamedTensor {
  return { name, shape, values: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(value) };
}

/** GPT-2's old causal-mask buffer: tril(ones(P, P)) as (1, 1, P, P). */
function causalMaskBuffer(name: string, positions: number): NamedTensor {
  const mask = constant(name, [1, 1, positions, positions], 0);
  for (let i = 0; i < positions; i++) for (let j = 0; j <= i; j++) mask.values[i * positions + j] = 1;
  return mask;
}

const GPT2: CheckpointKnobs = { family: 'gpt2', layers: 2, hidden: 16, heads: 2, maxPositions: 8 };
const GPT_NEO: CheckpointKnobs = { family: 'gpt_neo', layers: 2, hidden: 16, heads: 2, windowSize: 3, maxPositions: 8 };
const LLAMA: CheckpointKnobs = { family: 'llama', layers: 2, hidden: 16, heads: 4, kvHeads: 2, maxPositions: 8 };
const VIT: CheckpointKnobs = { family: 'vit', layers: 2, hidden: 16, heads: 2, labels: 4 };

describe('keys with or without the base-model prefix', () => {
  it("GPT-2 as the hub's `gpt2` stores it: `h.0.attn.c_attn.weight`, `wte.weight`, with `attn.bias` and `attn.masked_bias` buffers", async () => {
    const ckpt = randomCheckpoint(GPT2, { seed: 1 });
    const buffers = [0, 1].flatMap((i) => [causalMaskBuffer(`h.${i}.attn.bias`, 8), constant(`h.${i}.attn.masked_bias`, [], -1e4)]);
    const files = checkpointFiles(ckpt, { withoutBasePrefix: true, extra: buffers });
    const stored = [...parseSafetensors(files.get('model.safetensors')!, 'model.safetensors').entries.keys()];
    expect(stored).toContain('h.0.attn.c_attn.weight');
    expect(stored).toContain('wte.weight');
    expect(stored.some((k) => k.startsWith('transformer.'))).toBe(false);

    const model = await loadAndCompare(ckpt, { withoutBasePrefix: true, extra: buffers });
    // Parameters keep their canonical names whatever the file called them.
    expect(model.parameterNames()).toContain('transformer.h.0.attn.c_attn.weight');
    expect(model.parameterCount()).toBe(ckpt.parameterCount);
    model.dispose();
  });

  it('GPT-2 with the prefix keeps loading with prefixed mask buffers', async () => {
    const ckpt = randomCheckpoint(GPT2, { seed: 2 });
    const buffers = [causalMaskBuffer('transformer.h.0.attn.bias', 8), constant('transformer.h.1.attn.masked_bias', [], -1e4)];
    (await loadAndCompare(ckpt, { extra: buffers })).dispose();
  });

  it('GPT-Neo ignores its `attn.attention.bias` and `attn.attention.masked_bias` buffers', async () => {
    const ckpt = randomCheckpoint(GPT_NEO, { seed: 3 });
    const buffers = [0, 1].flatMap((i) => [
      causalMaskBuffer(`transformer.h.${i}.attn.attention.bias`, 8),
      constant(`transformer.h.${i}.attn.attention.masked_bias`, [], -1e9),
    ]);
    (await loadAndCompare(ckpt, { extra: buffers })).dispose();
    (await loadAndCompare(ckpt, { withoutBasePrefix: true, extra: buffers.map((b) => ({ ...b, name: b.name.slice(12) })) })).dispose();
  });

  it('Llama without `model.`, with `rotary_emb.inv_freq` buffers, prefixed or not', async () => {
    const ckpt = randomCheckpoint(LLAMA, { seed: 4 });
    const invFreq = (name: string) => constant(name, [2], 0.5);
    const bare = [invFreq('layers.0.self_attn.rotary_emb.inv_freq'), invFreq('layers.1.self_attn.rotary_emb.inv_freq')];
    const prefixed = [invFreq('model.layers.0.self_attn.rotary_emb.inv_freq')];
    (await loadAndCompare(ckpt, { withoutBasePrefix: true, extra: bare })).dispose();
    (await loadAndCompare(ckpt, { extra: prefixed })).dispose();
  });

  it('a buffer-like name that is not a known buffer is still rejected', async () => {
    const ckpt = randomCheckpoint(GPT2, { seed: 5 });
    const error = await loadError(checkpointSource(ckpt, { extra: [constant('transformer.h.0.attn.bias_scale', [1], 1)] }));
    expect(error.message).toContain('transformer.h.0.attn.bias_scale');
    expect(error.message).toContain('does not explain');
  });

  it('a misshapen tensor in an unprefixed checkpoint is named as stored, with both shapes', async () => {
    const ckpt = randomCheckpoint(GPT2, { seed: 6 });
    const wrong = constant('h.1.mlp.c_fc.weight', [64, 16], 0.1); // Conv1D stores (d_in, d_out) = (16, 64)
    const error = await loadError(
      checkpointSource(ckpt, { withoutBasePrefix: true, omit: ['transformer.h.1.mlp.c_fc.weight'], extra: [wrong] }),
    );
    expect(error.tensor).toBe('h.1.mlp.c_fc.weight');
    expect(error.message).toContain('[64,16]');
    expect(error.message).toContain('[16,64]');
  });
});

describe('ViT backbone checkpoints (ViTModel) without a classifier', () => {
  const backbone = (ckpt: RandomCheckpoint, withoutBasePrefix: boolean): CheckpointFileOptions => ({
    withoutBasePrefix,
    omit: ['classifier.weight', 'classifier.bias'],
    // ViTModel has a pooler that ViTForImageClassification does not use.
    extra: [
      constant(`${withoutBasePrefix ? '' : 'vit.'}pooler.dense.weight`, [16, 16], 0.1),
      constant(`${withoutBasePrefix ? '' : 'vit.'}pooler.dense.bias`, [16], 0),
    ],
  });

  it.each([true, false])('load with a freshly initialised head, reported (without `vit.`: %s)', async (withoutBasePrefix) => {
    const ckpt = randomCheckpoint(VIT, { seed: 7 });
    const model = await loadModel(checkpointSource(ckpt, backbone(ckpt, withoutBasePrefix)), { seed: 11 });
    expect([...model.initialisedParameters].sort()).toEqual(['classifier.bias', 'classifier.weight']);
    const weight = model.baseParam('classifier.weight').dataSync();
    const bias = model.baseParam('classifier.bias').dataSync();
    expect(Array.from(bias)).toEqual([0, 0, 0, 0]);
    expect(Math.max(...Array.from(weight, Math.abs))).toBeGreaterThan(0);
    expect(Math.max(...Array.from(weight, Math.abs))).toBeLessThan(0.2); // N(0, initializer_range 0.02)

    // The backbone is the checkpoint's: with the new head, the logits are the reference's.
    const weights = new Map(ckpt.weights);
    weights.set('classifier.weight', { name: 'classifier.weight', shape: [4, 16], values: Float32Array.from(weight) });
    weights.set('classifier.bias', { name: 'classifier.bias', shape: [4], values: Float32Array.from(bias) });
    const inputs = inputsFor(ckpt);
    const expected = referenceLogits(ckpt.config, weights, inputs);
    expect(maxAbsDiff(await engineLogits(model, inputs), expected.values)).toBeLessThanOrEqual(TOLERANCE);
    model.dispose();
  });

  it('initialise the head from the seed: the same seed gives the same head, another seed another', async () => {
    const ckpt = randomCheckpoint(VIT, { seed: 8 });
    const head = async (seed: number) => {
      const model = await loadModel(checkpointSource(ckpt, backbone(ckpt, true)), { seed });
      const values = Array.from(model.baseParam('classifier.weight').dataSync());
      model.dispose();
      return values;
    };
    expect(await head(5)).toEqual(await head(5));
    expect(await head(5)).not.toEqual(await head(6));
  });

  it('a checkpoint with its classifier reports nothing initialised', async () => {
    const model = await loadAndCompare(randomCheckpoint(VIT, { seed: 9 }));
    expect(model.initialisedParameters).toEqual([]);
    model.dispose();
  });
});

describe('tied and untied language-model heads', () => {
  it.each([GPT2, LLAMA])('a tied lm_head.weight stored in the file is accepted, and the head stays tied to the embedding ($family)', async (knobs) => {
    const ckpt = randomCheckpoint({ ...knobs, tied: true } as CheckpointKnobs, { seed: 10 });
    // Even a stored copy that differs is ignored: transformers ties lm_head to the input embedding.
    const storedHead = constant('lm_head.weight', [40, 16], 0.05);
    const model = await loadAndCompare(ckpt, { extra: [storedHead] });
    expect(model.hasParam('lm_head.weight')).toBe(false);
    expect(model.parameterCount()).toBe(ckpt.parameterCount);
    model.dispose();
  });

  it.each([GPT2, GPT_NEO, LLAMA])('an untied head is loaded and used ($family)', async (knobs) => {
    const ckpt = randomCheckpoint({ ...knobs, tied: false } as CheckpointKnobs, { seed: 11 });
    expect(ckpt.weights.has('lm_head.weight')).toBe(true);
    const model = await loadAndCompare(ckpt);
    expect(model.hasParam('lm_head.weight')).toBe(true);
    model.dispose();
  });

  it.each([GPT2, LLAMA])('an untied head missing from the file is an error naming lm_head.weight ($family)', async (knobs) => {
    const ckpt = randomCheckpoint({ ...knobs, tied: false } as CheckpointKnobs, { seed: 12 });
    const error = await loadError(checkpointSource(ckpt, { omit: ['lm_head.weight'] }));
    expect(error.file).toBe(`random-${knobs.family}/model.safetensors`);
    expect(error.message).toContain('lm_head.weight');
  });
});

describe('sharded checkpoints (model.safetensors.index.json)', () => {
  it.each([
    [2, GPT2, false],
    [3, LLAMA, true],
    [3, VIT, false],
  ] as const)('%i shards of %o (without prefix: %s) load like one file', async (shards, knobs, withoutBasePrefix) => {
    const ckpt = randomCheckpoint(knobs, { seed: 13 });
    const files = checkpointFiles(ckpt, { shards, withoutBasePrefix });
    expect(files.has('model.safetensors')).toBe(false);
    expect([...files.keys()].filter((f) => f.endsWith('.safetensors'))).toHaveLength(shards);
    (await loadAndCompare(ckpt, { shards, withoutBasePrefix })).dispose();
  });

  it('an index that points to a missing shard names that shard', async () => {
    const files = checkpointFiles(randomCheckpoint(LLAMA, { seed: 14 }), { shards: 3 });
    files.delete('model-00002-of-00003.safetensors');
    const error = await loadError(new MemorySource('sharded', files));
    expect(error.file).toBe('sharded/model-00002-of-00003.safetensors');
    expect(error.message).toContain('model.safetensors.index.json');
  });

  it('an index that lists a tensor its shard lacks names the shard and the tensor', async () => {
    const files = checkpointFiles(randomCheckpoint(GPT2, { seed: 15 }), { shards: 2 });
    const index = JSON.parse(new TextDecoder().decode(files.get('model.safetensors.index.json')));
    index.weight_map['transformer.ghost.weight'] = 'model-00001-of-00002.safetensors';
    files.set('model.safetensors.index.json', new TextEncoder().encode(JSON.stringify(index)));
    const error = await loadError(new MemorySource('sharded', files));
    expect(error.file).toBe('sharded/model-00001-of-00002.safetensors');
    expect(error.tensor).toBe('transformer.ghost.weight');
  });
});

describe('half-precision weights (F16, BF16) are read as float32', () => {
  // Rounding weights of std 0.2 to 11 (F16) or 8 (BF16) significant bits moves
  // these logits (|logit| up to ~4) by about 5e-3 and 2e-2 at most (measured).
  it.each([
    ['F16', 0.02],
    ['BF16', 0.1],
  ] as const)('%s: exactly the rounded weights, and logits close to the F32 model', async (dtype, closeToF32) => {
    const ckpt = randomCheckpoint(LLAMA, { seed: 16 });
    const files = checkpointFiles(ckpt, { dtype });
    const header = parseSafetensors(files.get('model.safetensors')!, 'model.safetensors');
    expect(new Set([...header.entries.values()].map((e) => e.dtype))).toEqual(new Set([dtype]));

    const rounded = new Map([...ckpt.weights].map(([name, t]) => [name, { ...t, values: roundToDtype(t.values, dtype) }]));
    const half = await loadAndCompare(ckpt, { dtype }, rounded);
    const full = await loadModel(checkpointSource(ckpt));
    const inputs = inputsFor(ckpt);
    const diff = maxAbsDiff(await engineLogits(half, inputs), await engineLogits(full, inputs));
    expect(diff).toBeGreaterThan(0); // the weights really were rounded
    expect(diff).toBeLessThanOrEqual(closeToF32);
    half.dispose();
    full.dispose();
  });
});

describe('config.json as transformers 4 and 5 write it', () => {
  const v4Source = (config: Record<string, unknown>) =>
    new MemorySource('cfg', new Map([['config.json', new TextEncoder().encode(JSON.stringify(config))]]));

  it('Llama: v4 `rope_theta` + `rope_scaling` {type: linear} and v5 `rope_parameters` mean the same model', async () => {
    const knobs: CheckpointKnobs = { ...LLAMA, ropeTheta: 20000, ropeScaling: { type: 'linear', factor: 2 } } as CheckpointKnobs;
    const v4 = randomCheckpoint({ ...knobs, configStyle: 'v4' } as CheckpointKnobs, { seed: 17 });
    const v5 = randomCheckpoint({ ...knobs, configStyle: 'v5' } as CheckpointKnobs, { seed: 17 });
    expect(v4.config.rope_scaling).toEqual({ type: 'linear', factor: 2 });
    expect(v4.config.rope_theta).toBe(20000);
    expect(v5.config.rope_parameters).toEqual({ rope_theta: 20000, rope_type: 'linear', factor: 2 });
    for (const ckpt of [v4, v5]) {
      const { config } = await readModelConfig(v4Source(ckpt.config));
      expect(config).toMatchObject({ ropeTheta: 20000, ropeScaling: { type: 'linear', factor: 2 } });
    }
    const inputs = inputsFor(v4);
    const [a, b] = [await loadAndCompare(v4), await loadAndCompare(v5)];
    expect(Array.from(await engineLogits(a, inputs))).toEqual(Array.from(await engineLogits(b, inputs)));
    a.dispose();
    b.dispose();
  });

  it('Llama: a v4 config with `rope_scaling: null` and no head_dim uses hidden / heads and plain RoPE', async () => {
    const ckpt = randomCheckpoint({ ...LLAMA, configStyle: 'v4' } as CheckpointKnobs, { seed: 18 });
    expect(ckpt.config.rope_scaling).toBeNull();
    expect('head_dim' in ckpt.config).toBe(false);
    const { config } = await readModelConfig(v4Source(ckpt.config));
    expect(config).toMatchObject({ headDim: 4, ropeTheta: 10000, ropeScaling: { type: 'default' } });
    (await loadAndCompare(ckpt)).dispose();
  });

  it('GPT-Neo with `attention_types` but no `attention_layers` expands the pattern', async () => {
    const ckpt = randomCheckpoint(
      { ...GPT_NEO, layers: 4, attentionLayers: ['global', 'local', 'global', 'local'], attentionConfig: 'types-only' } as CheckpointKnobs,
      { seed: 19 },
    );
    expect('attention_layers' in ckpt.config).toBe(false);
    expect(ckpt.config.attention_types).toEqual([[['global', 'local'], 2]]);
    const { config } = await readModelConfig(v4Source(ckpt.config));
    expect(config).toMatchObject({ attentionLayers: ['global', 'local', 'global', 'local'] });
    (await loadAndCompare(ckpt)).dispose();
  });

  it("GPT-Neo with neither field takes transformers' default (24 alternating layers), and says so when it does not fit", async () => {
    const base = randomCheckpoint(GPT_NEO, { seed: 20 }).config;
    const { attention_layers: _layers, attention_types: _types, ...neither } = base;
    const { config } = await readModelConfig(v4Source({ ...neither, num_layers: 24 }));
    expect((config as unknown as { attentionLayers: string[] }).attentionLayers).toEqual(
      Array.from({ length: 24 }, (_, i) => (i % 2 === 0 ? 'global' : 'local')),
    );
    const error = await readModelConfig(v4Source(neither)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputFileError);
    expect((error as Error).message).toContain('attention_types');
  });

  it.each([
    [[['global'], 1e15]],
    [[['global', 'local'], 'two']],
    [7],
    [[[[], 2]]],
  ])('GPT-Neo with a malformed `attention_types` %j is a clear error, not a crash or a hang', async (attentionTypes) => {
    const { attention_layers: _layers, ...config } = randomCheckpoint(GPT_NEO, { seed: 21 }).config;
    const error = await readModelConfig(v4Source({ ...config, attention_types: attentionTypes })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputFileError);
    expect((error as InputFileError).file).toBe('cfg/config.json');
    expect((error as Error).message).toMatch(/attention_(types|layers)/);
  });
});
