/**
 * Nothing in the model families depends on the fixtures' sizes: at many
 * other shapes (depth, width, head counts, grouped-query ratios, head_dim
 * overrides, windows, RoPE settings, patch and image sizes, label counts,
 * activations, tied or untied heads, batch and sequence lengths), the
 * engine's logits match the naive float64 reference (validated against
 * PyTorch in reference-fixtures.test.ts) within 1e-4 on the CPU backend, and
 * a tiny configuration of each family does so on WebGPU too.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../../src/engine/models/load';
import { useBackend } from '../../helpers/backend';
import {
  checkpointSource,
  randomCheckpoint,
  randomInputs,
  toModelInputs,
  type CheckpointKnobs,
} from '../../helpers/random-checkpoint';
import { referenceLogits } from './reference';

const TOLERANCE = 1e-4;

interface ShapeCase {
  title: string;
  knobs: CheckpointKnobs;
  batch: number;
  /** Tokens per sequence (language models). */
  seqLength?: number;
}

const GPT2: ShapeCase[] = [
  { title: '1 layer, 3 heads of 8, sequence = n_positions', knobs: { family: 'gpt2', layers: 1, hidden: 24, heads: 3, vocab: 37, maxPositions: 10 }, batch: 3, seqLength: 10 },
  { title: '4 layers, relu, n_inner 40, untied head, one token', knobs: { family: 'gpt2', layers: 4, hidden: 16, heads: 2, intermediate: 40, activation: 'relu', tied: false }, batch: 1, seqLength: 1 },
  { title: '5 heads of 4, exact gelu, scale_attn_by_inverse_layer_idx', knobs: { family: 'gpt2', hidden: 20, heads: 5, activation: 'gelu', scaleAttnByInverseLayerIdx: true }, batch: 3, seqLength: 5 },
  { title: '3 layers, heads of 12, silu, unscaled attention', knobs: { family: 'gpt2', layers: 3, hidden: 48, heads: 4, activation: 'silu', scaleAttnWeights: false }, batch: 2, seqLength: 7 },
  { title: 'one head, untied, inverse-layer scaling, full context', knobs: { family: 'gpt2', hidden: 12, heads: 1, intermediate: 20, tied: false, scaleAttnByInverseLayerIdx: true, maxPositions: 12 }, batch: 1, seqLength: 12 },
  { title: '5 layers, 8 heads of 4, vocab 50', knobs: { family: 'gpt2', layers: 5, hidden: 32, heads: 8, vocab: 50 }, batch: 2, seqLength: 6 },
];

const GPT_NEO: ShapeCase[] = [
  { title: 'global + local (window 3), 3 heads, full context', knobs: { family: 'gpt_neo', hidden: 24, heads: 3, windowSize: 3, maxPositions: 9 }, batch: 3, seqLength: 9 },
  { title: '4 layers local-local-global-local, window 1, relu, untied', knobs: { family: 'gpt_neo', layers: 4, hidden: 16, heads: 2, windowSize: 1, attentionLayers: ['local', 'local', 'global', 'local'], activation: 'relu', tied: false }, batch: 1, seqLength: 6 },
  { title: '1 local layer, window wider than the sequence', knobs: { family: 'gpt_neo', layers: 1, hidden: 16, heads: 4, windowSize: 5, attentionLayers: ['local'] }, batch: 2, seqLength: 4 },
  { title: '3 global layers from attention_types only, exact gelu, one token', knobs: { family: 'gpt_neo', layers: 3, hidden: 20, heads: 4, intermediate: 30, activation: 'gelu', attentionLayers: ['global', 'global', 'global'], attentionConfig: 'types-only' }, batch: 3, seqLength: 1 },
  { title: '4 alternating layers, window 2, silu, full context', knobs: { family: 'gpt_neo', layers: 4, hidden: 16, heads: 2, windowSize: 2, activation: 'silu', maxPositions: 14 }, batch: 1, seqLength: 14 },
  { title: 'local then global, window 6, 5 heads of 8, untied', knobs: { family: 'gpt_neo', hidden: 40, heads: 5, windowSize: 6, attentionLayers: ['local', 'global'], tied: false }, batch: 2, seqLength: 11 },
];

const LLAMA: ShapeCase[] = [
  { title: 'GQA ratio 1, 1 layer, full context', knobs: { family: 'llama', layers: 1, hidden: 32, heads: 4, kvHeads: 4, maxPositions: 12 }, batch: 3, seqLength: 12 },
  { title: 'GQA ratio 2, head_dim 12 != 32/4, rope_theta 5e5, untied', knobs: { family: 'llama', hidden: 32, heads: 4, kvHeads: 2, headDim: 12, ropeTheta: 500000, tied: false }, batch: 2, seqLength: 7 },
  { title: 'GQA ratio 4, head_dim 6, 4 layers, linear RoPE scaling (v4 config), one token', knobs: { family: 'llama', layers: 4, hidden: 40, heads: 8, kvHeads: 2, headDim: 6, ropeScaling: { type: 'linear', factor: 2 }, configStyle: 'v4' }, batch: 1, seqLength: 1 },
  // head_dim 6 gives wavelengths 6.3, 136 and 2929: one in each llama3 band (< 64, 64..256, > 256).
  { title: 'multi-query (6:1), llama3 RoPE scaling across all three bands', knobs: { family: 'llama', hidden: 36, heads: 6, kvHeads: 1, ropeScaling: { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 256 } }, batch: 2, seqLength: 9 },
  { title: 'attention and MLP biases, GQA 3:1, gelu_new, v4 rope_theta 1000', knobs: { family: 'llama', hidden: 24, heads: 3, kvHeads: 1, attentionBias: true, mlpBias: true, activation: 'gelu_new', ropeTheta: 1000, configStyle: 'v4' }, batch: 3, seqLength: 5 },
  { title: '5 layers, intermediate 24, linear scaling (v5 rope_parameters), full context', knobs: { family: 'llama', layers: 5, hidden: 16, heads: 2, kvHeads: 1, intermediate: 24, maxPositions: 20, ropeScaling: { type: 'linear', factor: 4 } }, batch: 1, seqLength: 20 },
];

const VIT: ShapeCase[] = [
  { title: '8x8 images, patch 4, 1 layer', knobs: { family: 'vit', layers: 1 }, batch: 3 },
  { title: '12x12 single-channel, patch 3, 4 layers, 10 labels, gelu_new', knobs: { family: 'vit', layers: 4, hidden: 24, heads: 2, imageSize: 12, patchSize: 3, channels: 1, labels: 10, activation: 'gelu_new' }, batch: 1 },
  { title: '10x10 with patch 4 (the conv drops 2 pixels), no qkv bias', knobs: { family: 'vit', hidden: 16, heads: 4, imageSize: 10, patchSize: 4, labels: 2, qkvBias: false }, batch: 2 },
  { title: 'one 6x6 patch, 4 channels, 7 labels, relu', knobs: { family: 'vit', hidden: 20, heads: 5, imageSize: 6, patchSize: 6, channels: 4, labels: 7, activation: 'relu' }, batch: 3 },
  { title: '16x16, patch 8, 6 heads of 8, intermediate 100, 3 layers', knobs: { family: 'vit', layers: 3, hidden: 48, heads: 6, intermediate: 100, imageSize: 16, patchSize: 8, labels: 4 }, batch: 2 },
  { title: '9x9, patch 3, 2 channels, silu, no qkv bias', knobs: { family: 'vit', hidden: 12, heads: 3, imageSize: 9, patchSize: 3, channels: 2, labels: 5, activation: 'silu', qkvBias: false }, batch: 1 },
];

/** Loads the random checkpoint into the engine, runs both, and returns max |engine - reference|. */
async function engineVersusReference(c: ShapeCase, seed: number): Promise<number> {
  const ckpt = randomCheckpoint(c.knobs, { seed });
  const inputs = randomInputs(ckpt, { batch: c.batch, seqLength: c.seqLength, seed: seed + 1 });
  const model = await loadModel(checkpointSource(ckpt));
  try {
    expect(model.parameterCount()).toBe(ckpt.parameterCount);
    const before = tf.memory().numTensors;
    const modelInputs = toModelInputs(inputs);
    const logits = model.forward(modelInputs);
    const values = await logits.data();
    const shape = logits.shape;
    tf.dispose([logits, ...Object.values(modelInputs)]);
    expect(tf.memory().numTensors, 'the forward pass leaks no tensors').toBe(before);

    const expected = referenceLogits(ckpt.config, ckpt.weights, inputs);
    expect(shape).toEqual(expected.shape);
    let maxDiff = 0;
    let maxAbs = 0;
    for (let i = 0; i < values.length; i++) {
      const diff = Math.abs(values[i] - expected.values[i]);
      maxDiff = Number.isNaN(diff) ? Infinity : Math.max(maxDiff, diff);
      maxAbs = Math.max(maxAbs, Math.abs(expected.values[i]));
    }
    // The comparison means something only if the logits are far from zero: 1000x the tolerance.
    expect(maxAbs).toBeGreaterThan(1000 * TOLERANCE);
    return maxDiff;
  } finally {
    model.dispose();
  }
}

const FAMILIES = [
  ['gpt2', GPT2],
  ['gpt_neo', GPT_NEO],
  ['llama', LLAMA],
  ['vit', VIT],
] as const;

describe('on the CPU backend, the engine matches the naive reference', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  describe.each(FAMILIES)('%s', (_family, cases) => {
    it.each(cases.map((c, i) => [c.title, c, i] as const))('%s', async (_title, c, i) => {
      expect(await engineVersusReference(c, 100 + i)).toBeLessThanOrEqual(TOLERANCE);
    });
  });
});

describe('on WebGPU, the engine matches the naive reference', () => {
  beforeAll(async () => {
    await useBackend('webgpu');
  });
  afterAll(async () => {
    await useBackend('cpu');
  });

  const tiny: ShapeCase[] = [GPT2[2], GPT_NEO[0], LLAMA[1], VIT[2]];
  it.each(tiny.map((c) => [`${c.knobs.family}: ${c.title}`, c] as const))('%s', async (_title, c) => {
    expect(await engineVersusReference(c, 7)).toBeLessThanOrEqual(TOLERANCE);
  });
});
