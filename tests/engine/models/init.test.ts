/**
 * Random initialisation from a config alone, as transformers' _init_weights:
 * weights ~ N(0, initializer_range), GPT-2's c_proj scaled by 1/sqrt(2·n_layer),
 * biases 0, norm scales 1; deterministic for a seed, on any backend; and the
 * model it gives runs, saves and loads like a checkpoint.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputFileError } from '../../../src/engine/errors';
import { writeSafetensors } from '../../../src/engine/io/safetensors';
import { MemorySource } from '../../../src/engine/io/source';
import { initialiseModel, initialiseModelFromConfig, parameterInit } from '../../../src/engine/models/init';
import { loadModel } from '../../../src/engine/models/load';
import type { Model } from '../../../src/engine/models/model';
import { useBackend } from '../../helpers/backend';

const GPT2 = { model_type: 'gpt2', n_embd: 64, n_layer: 2, n_head: 4, vocab_size: 100, n_positions: 16, initializer_range: 0.05 };
const VIT = { model_type: 'vit', hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 2, image_size: 8, patch_size: 4, num_labels: 3 };

function values(model: Model, name: string): Float32Array {
  return model.baseParam(name).dataSync() as Float32Array;
}

function std(x: Float32Array): number {
  const mean = x.reduce((a, b) => a + b, 0) / x.length;
  return Math.sqrt(x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length);
}

describe('initialiseModel', () => {
  beforeAll(() => useBackend('cpu'));

  it('gives every parameter the family expects, with its shape', () => {
    const model = initialiseModelFromConfig(GPT2, 1);
    for (const spec of model.family.parameters(model.config)) {
      expect(model.baseParam(spec.name).shape).toEqual(spec.shape);
    }
    model.dispose();
  });

  it('draws weights from N(0, initializer_range), biases 0 and norm scales 1', () => {
    const model = initialiseModelFromConfig(GPT2, 1);
    const wte = values(model, 'transformer.wte.weight');
    expect(std(wte)).toBeCloseTo(0.05, 2);
    expect(Math.abs(wte.reduce((a, b) => a + b, 0) / wte.length)).toBeLessThan(0.005);
    expect(values(model, 'transformer.h.0.attn.c_attn.bias').every((v) => v === 0)).toBe(true);
    expect(values(model, 'transformer.h.1.ln_2.weight').every((v) => v === 1)).toBe(true);
    expect(values(model, 'transformer.ln_f.bias').every((v) => v === 0)).toBe(true);
    model.dispose();
  });

  it("scales GPT-2's residual projections (c_proj) by 1/sqrt(2 · n_layer), as GPT-2 and transformers do", () => {
    const model = initialiseModelFromConfig(GPT2, 1);
    expect(std(values(model, 'transformer.h.0.mlp.c_proj.weight'))).toBeCloseTo(0.05 / Math.sqrt(4), 2);
    expect(std(values(model, 'transformer.h.0.attn.c_proj.weight'))).toBeCloseTo(0.05 / Math.sqrt(4), 2);
    expect(std(values(model, 'transformer.h.0.mlp.c_fc.weight'))).toBeCloseTo(0.05, 2);
    model.dispose();
  });

  it('uses the default initializer_range 0.02 when the config has none, for ViT too', () => {
    const model = initialiseModelFromConfig(VIT, 3);
    expect(std(values(model, 'vit.encoder.layer.0.attention.attention.query.weight'))).toBeCloseTo(0.02, 2);
    expect(parameterInit({ name: 'vit.embeddings.cls_token', shape: [1, 1, 32] }, model.config)).toEqual({ kind: 'normal', std: 0.02 });
    expect(parameterInit({ name: 'vit.layernorm.weight', shape: [32] }, model.config)).toEqual({ kind: 'ones' });
    model.dispose();
  });

  it('is deterministic for a seed, and another seed gives other weights', () => {
    const a = initialiseModelFromConfig(GPT2, 7);
    const b = initialiseModelFromConfig(GPT2, 7);
    const c = initialiseModelFromConfig(GPT2, 8);
    for (const name of a.parameterNames()) expect(values(a, name)).toEqual(values(b, name));
    expect(values(a, 'transformer.wte.weight')).not.toEqual(values(c, 'transformer.wte.weight'));
    // Each parameter has its own stream: two same-shaped weights differ.
    expect(values(a, 'transformer.h.0.mlp.c_fc.weight')).not.toEqual(values(a, 'transformer.h.1.mlp.c_fc.weight'));
    [a, b, c].forEach((m) => m.dispose());
  });

  it('runs forward, and saves and loads as a checkpoint with the same logits', async () => {
    const model = initialiseModelFromConfig(GPT2, 1);
    const ids = tf.tensor2d([[1, 2, 3, 4]], [1, 4], 'int32');
    const logits = model.forward({ inputIds: ids });
    expect(logits.shape).toEqual([1, 4, 100]);
    const tensors = model.parameterNames().map((name) => ({
      name,
      shape: model.baseParam(name).shape,
      values: values(model, name),
    }));
    const files = new Map([
      ['config.json', new TextEncoder().encode(JSON.stringify(GPT2))],
      ['model.safetensors', writeSafetensors(tensors)],
    ]);
    const loaded = await loadModel(new MemorySource('saved', files));
    const reloaded = loaded.forward({ inputIds: ids });
    expect(Array.from(await reloaded.data())).toEqual(Array.from(await logits.data()));
    tf.dispose([ids, logits, reloaded]);
    model.dispose();
    loaded.dispose();
  });

  it('takes a normalised config and its family directly', () => {
    const reference = initialiseModelFromConfig(VIT, 2);
    const model = initialiseModel(reference.family, reference.config, 2);
    expect(values(model, 'classifier.weight')).toEqual(values(reference, 'classifier.weight'));
    [reference, model].forEach((m) => m.dispose());
  });

  it('rejects a config with an unknown model_type, naming config.json', () => {
    expect(() => initialiseModelFromConfig({ model_type: 'bert' }, 0)).toThrow(InputFileError);
    expect(() => initialiseModelFromConfig({ model_type: 'bert' }, 0)).toThrow(/config\.json: unsupported model_type "bert"/);
  });
});
