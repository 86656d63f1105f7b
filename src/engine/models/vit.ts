/**
 * Vision Transformer (transformers' ViTForImageClassification),
 * `model_type: vit`; DeiT checkpoints saved with this type load too.
 *
 * Patch embedding (a stride-p convolution, computed as one matMul over
 * flattened patches), a CLS token and learned position embeddings, pre-norm
 * blocks, and a linear classifier on the final CLS state. A backbone-only
 * checkpoint (ViTModel, no `classifier`) loads with a freshly initialised
 * head, reported to the caller.
 */
import * as tf from '@tensorflow/tfjs';
import { InputFileError, ModelError } from '../errors';
import { boolField, CONFIG_LIMITS, intField, positiveNumberField, requireDivisible, stringField } from './config-fields';
import { activation, attention, layerNorm } from './layers';
import { linearForward } from './model';
import { blockLinearModules, layerNormParameters, linearParameters } from './specs';
import type { ImageClassifierConfig, LinearModule, ModelFamily, ModelGraph, ModelInputs, ParameterSpec } from './types';

export interface VitConfig extends ImageClassifierConfig {
  intermediateSize: number;
  activation: string;
  layerNormEps: number;
  qkvBias: boolean;
}

const PREFIX = 'vit.';

/**
 * Label names from `id2label` ({"0": "cat", ...}), or `num_labels` generic
 * names; at most CONFIG_LIMITS.labels either way, checked before the list
 * is built (num_labels 10^8 would otherwise be 10^8 strings).
 */
function labelNames(raw: Record<string, unknown>, file: string): string[] {
  const id2label = Object.hasOwn(raw, 'id2label') ? raw.id2label : undefined;
  if (id2label !== undefined && id2label !== null && (typeof id2label !== 'object' || Array.isArray(id2label))) {
    throw new InputFileError(file, '"id2label" must be an object mapping "0", "1", … to label names');
  }
  if (id2label) {
    const names = id2label as Record<string, unknown>;
    const count = Object.keys(names).length;
    if (count > CONFIG_LIMITS.labels) {
      throw new InputFileError(file, `"id2label" has ${count} labels, more than the ${CONFIG_LIMITS.labels} this app supports`);
    }
    const labels: string[] = [];
    for (let i = 0; i < count; i++) {
      const name = Object.hasOwn(names, String(i)) ? names[String(i)] : undefined;
      if (typeof name !== 'string') {
        throw new InputFileError(file, `"id2label" must map every index 0..${count - 1} to a name; index ${i} is missing`);
      }
      labels.push(name);
    }
    if (labels.length > 0) return labels;
  }
  const numLabels = intField(raw, ['num_labels'], file, 2, CONFIG_LIMITS.labels);
  return Array.from({ length: numLabels }, (_, i) => `LABEL_${i}`);
}

function normaliseConfig(raw: Record<string, unknown>, file: string): VitConfig {
  const L = CONFIG_LIMITS;
  const hiddenSize = intField(raw, ['hidden_size'], file, undefined, L.width);
  const numHeads = intField(raw, ['num_attention_heads'], file, undefined, L.heads);
  requireDivisible(file, 'hidden_size', hiddenSize, 'num_attention_heads', numHeads);
  const imageSize = intField(raw, ['image_size'], file, 224, L.imageSize);
  const patchSize = intField(raw, ['patch_size'], file, 16, L.imageSize);
  // image_size need not be a multiple of patch_size: the patch convolution
  // (kernel = stride = patch_size) then ignores the last pixels, as in transformers.
  if (patchSize > imageSize) {
    throw new InputFileError(file, `patch_size (${patchSize}) must not exceed image_size (${imageSize})`);
  }
  const labels = labelNames(raw, file);
  const config: VitConfig = {
    modelType: 'vit',
    task: 'image-classification',
    raw,
    numLayers: intField(raw, ['num_hidden_layers'], file, undefined, L.layers),
    hiddenSize,
    numHeads,
    imageSize,
    patchSize,
    numChannels: intField(raw, ['num_channels'], file, 3, L.channels),
    numLabels: labels.length,
    labels,
    intermediateSize: intField(raw, ['intermediate_size'], file, 4 * hiddenSize, L.width),
    activation: stringField(raw, ['hidden_act'], file, 'gelu'),
    layerNormEps: positiveNumberField(raw, ['layer_norm_eps'], file, 1e-12),
    qkvBias: boolField(raw, ['qkv_bias'], file, true),
  };
  activation(config.activation, file);
  return config;
}

/** Whole patches along each side of the image. */
function patchGrid(c: VitConfig): number {
  return Math.floor(c.imageSize / c.patchSize);
}

function numPatches(c: VitConfig): number {
  return patchGrid(c) ** 2;
}

function linearModules(c: VitConfig): LinearModule[] {
  const D = c.hiddenSize;
  const modules = blockLinearModules(c.numLayers, (i) => `${PREFIX}encoder.layer.${i}`, 'linear', [
    ['attention.attention.query', D, D, c.qkvBias],
    ['attention.attention.key', D, D, c.qkvBias],
    ['attention.attention.value', D, D, c.qkvBias],
    ['attention.output.dense', D, D, true],
    ['intermediate.dense', D, c.intermediateSize, true],
    ['output.dense', c.intermediateSize, D, true],
  ]);
  modules.push({
    path: 'classifier', weight: 'classifier.weight', bias: 'classifier.bias',
    dIn: D, dOut: c.numLabels, layout: 'linear', layer: null,
  });
  return modules;
}

function parameters(c: VitConfig): ParameterSpec[] {
  const D = c.hiddenSize;
  const p = c.patchSize;
  const specs: ParameterSpec[] = [
    { name: `${PREFIX}embeddings.cls_token`, shape: [1, 1, D] },
    { name: `${PREFIX}embeddings.position_embeddings`, shape: [1, numPatches(c) + 1, D] },
    { name: `${PREFIX}embeddings.patch_embeddings.projection.weight`, shape: [D, c.numChannels, p, p] },
    { name: `${PREFIX}embeddings.patch_embeddings.projection.bias`, shape: [D] },
  ];
  for (let i = 0; i < c.numLayers; i++) {
    for (const norm of ['layernorm_before', 'layernorm_after']) {
      specs.push(...layerNormParameters(`${PREFIX}encoder.layer.${i}.${norm}`, D));
    }
  }
  // The classifier (outside the blocks) may be missing from a backbone-only checkpoint.
  for (const m of linearModules(c)) specs.push(...linearParameters(m, m.layer === null ? 'initialise' : undefined));
  specs.push(...layerNormParameters(`${PREFIX}layernorm`, D));
  return specs;
}

/**
 * pixels (B, C, H, W) → patch embeddings (B, N, D), N = ⌊H/p⌋·⌊W/p⌋, as the
 * stride-p convolution: each patch flattened in (C, p, p) order times the
 * kernel flattened the same way.
 */
function patchEmbeddings(model: ModelGraph<VitConfig>, pixels: tf.Tensor4D): tf.Tensor3D {
  const c = model.config;
  const [B, C] = pixels.shape;
  const p = c.patchSize;
  const gh = patchGrid(c);
  const gw = patchGrid(c);
  const D = c.hiddenSize;
  return tf.tidy(() => {
    // Pixels past the last whole patch are never read by the stride-p convolution.
    const covered =
      gh * p === pixels.shape[2] && gw * p === pixels.shape[3] ? pixels : tf.slice(pixels, [0, 0, 0, 0], [B, C, gh * p, gw * p]);
    const patches = tf.reshape(
      tf.transpose(tf.reshape(covered, [B, C, gh, p, gw, p]), [0, 2, 4, 1, 3, 5]), // (B, gh, gw, C, p, p)
      [B * gh * gw, C * p * p],
    );
    const kernel = tf.reshape(model.param(`${PREFIX}embeddings.patch_embeddings.projection.weight`), [D, C * p * p]);
    const bias = model.param(`${PREFIX}embeddings.patch_embeddings.projection.bias`);
    // As a linear layer (weight (D, C·p·p)), so training computes only the gradients it needs.
    const embedded = linearForward(patches as tf.Tensor2D, kernel as tf.Tensor2D, bias as tf.Tensor1D, 'linear');
    return tf.reshape(embedded, [B, gh * gw, D]) as tf.Tensor3D;
  });
}

function forward(model: ModelGraph<VitConfig>, inputs: ModelInputs): tf.Tensor {
  const c = model.config;
  if (!('pixelValues' in inputs)) throw new ModelError('a ViT needs images (pixelValues)');
  const pixels = inputs.pixelValues;
  const [B, C, H, W] = pixels.shape;
  if (C !== c.numChannels || H !== c.imageSize || W !== c.imageSize) {
    throw new ModelError(
      `pixelValues must be (batch, ${c.numChannels}, ${c.imageSize}, ${c.imageSize}), got [${pixels.shape}]`,
    );
  }
  const D = c.hiddenSize;
  const T = numPatches(c) + 1;
  const headDim = D / c.numHeads;
  const act = activation(c.activation, 'config.json');
  return tf.tidy(() => {
    const cls = tf.tile(model.param(`${PREFIX}embeddings.cls_token`), [B, 1, 1]); // (B, 1, D)
    const tokens = tf.concat([cls, patchEmbeddings(model, pixels)], 1); // (B, T, D)
    const withPositions = tf.add(tokens, model.param(`${PREFIX}embeddings.position_embeddings`));
    let h = tf.reshape(withPositions, [B * T, D]) as tf.Tensor2D;
    const noMask = tf.zeros([T, T]) as tf.Tensor2D; // ViT attention is bidirectional
    for (let i = 0; i < c.numLayers; i++) {
      // One block, h (B*T, D) → (B*T, D); checkpointed when the run asks (model.block).
      h = model.block(h, (h) => {
        const block = `${PREFIX}encoder.layer.${i}`;
        const ln = (name: string, x: tf.Tensor2D) =>
          layerNorm(x, model.param(`${block}.${name}.weight`), model.param(`${block}.${name}.bias`), c.layerNormEps);

        const x = ln('layernorm_before', h);
        const q = model.linear(`${block}.attention.attention.query`, x);
        const k = model.linear(`${block}.attention.attention.key`, x);
        const v = model.linear(`${block}.attention.attention.value`, x);
        const context = attention(q, k, v, noMask, {
          batch: B, seqLength: T, numHeads: c.numHeads, numKvHeads: c.numHeads, headDim, scale: 1 / Math.sqrt(headDim),
        });
        h = tf.add(h, model.linear(`${block}.attention.output.dense`, context));

        const up = act(model.linear(`${block}.intermediate.dense`, ln('layernorm_after', h))) as tf.Tensor2D;
        h = tf.add(h, model.linear(`${block}.output.dense`, up));
        return h;
      });
    }
    h = layerNorm(h, model.param(`${PREFIX}layernorm.weight`), model.param(`${PREFIX}layernorm.bias`), c.layerNormEps);
    // The CLS state of each image: rows 0, T, 2T, ... of (B*T, D).
    const clsStates = tf.reshape(tf.slice(tf.reshape(h, [B, T, D]), [0, 0, 0], [B, 1, D]), [B, D]) as tf.Tensor2D;
    return model.linear('classifier', clsStates); // (B, labels)
  });
}

export const vit: ModelFamily<VitConfig> = {
  modelType: 'vit',
  displayName: 'ViT',
  task: 'image-classification',
  normaliseConfig,
  parameters,
  linearModules,
  basePrefix: PREFIX,
  // ViTForImageClassification has no pooler; checkpoints from ViTModel do.
  ignoredKeys: [/^(vit\.)?pooler\./],
  forward,
  // The WeGeFT paper's vision setting: the attention output projection only.
  defaultTargets: ['attention.output.dense'],
  headModules: () => ['classifier'],
};
