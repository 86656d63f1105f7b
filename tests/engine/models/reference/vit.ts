/**
 * Naive ViTForImageClassification (transformers' modeling_vit.py), eval mode.
 *
 * Patch embedding: a Conv2d with kernel = stride = patch_size over
 * (C, H, W) pixels, giving (H // p)·(W // p) patch vectors in row-major grid
 * order (pixels past the last whole patch are never read, as with the
 * convolution). Tokens = [cls_token, patches...] + position_embeddings.
 * Per block (pre-norm): h += output.dense(attn(query, key, value of
 * layernorm_before(h))); h += output.dense(act(intermediate.dense(
 * layernorm_after(h)))). Attention is bidirectional, scaled by 1/√head_dim.
 * logits = classifier(layernorm(h)[CLS]).
 */
import {
  activation,
  addVec,
  attention,
  cfg,
  layerNorm,
  linear,
  mapVec,
  stackLogits,
  weight,
  type PixelBatch,
  type RefLogits,
  type RefWeights,
  type Vec,
} from './common';

interface VitDims {
  layers: number;
  width: number;
  heads: number;
  inner: number;
  image: number;
  patch: number;
  channels: number;
  labels: number;
  eps: number;
  act: (x: number) => number;
  qkvBias: boolean;
}

function dims(raw: Record<string, unknown>): VitDims {
  const id2label = raw.id2label as Record<string, string> | undefined;
  return {
    layers: cfg(raw, ['num_hidden_layers'], 12),
    width: cfg(raw, ['hidden_size'], 768),
    heads: cfg(raw, ['num_attention_heads'], 12),
    inner: cfg(raw, ['intermediate_size'], 3072),
    image: cfg(raw, ['image_size'], 224),
    patch: cfg(raw, ['patch_size'], 16),
    channels: cfg(raw, ['num_channels'], 3),
    labels: id2label ? Object.keys(id2label).length : cfg(raw, ['num_labels'], 2),
    eps: cfg(raw, ['layer_norm_eps'], 1e-12),
    act: activation(cfg(raw, ['hidden_act'], 'gelu')),
    qkvBias: cfg(raw, ['qkv_bias'], true),
  };
}

/** The conv output at grid cell (gy, gx) of image `b`: (D). */
function patchVector(pixels: PixelBatch, b: number, gy: number, gx: number, kernel: Float32Array, bias: Float32Array, d: VitDims): Vec {
  const { channels: C, height: H, width: W } = pixels;
  const p = d.patch;
  const out = new Float64Array(d.width);
  for (let o = 0; o < d.width; o++) {
    let sum: number = bias[o];
    for (let c = 0; c < C; c++) {
      for (let ky = 0; ky < p; ky++) {
        for (let kx = 0; kx < p; kx++) {
          const pixel = pixels.pixels[((b * C + c) * H + gy * p + ky) * W + gx * p + kx];
          sum += pixel * kernel[((o * C + c) * p + ky) * p + kx];
        }
      }
    }
    out[o] = sum;
  }
  return out;
}

function embeddings(pixels: PixelBatch, b: number, w: RefWeights, d: VitDims): Vec[] {
  const D = d.width;
  const grid = Math.floor(d.image / d.patch);
  const T = grid * grid + 1;
  const kernel = weight(w, 'vit.embeddings.patch_embeddings.projection.weight', [D, d.channels, d.patch, d.patch]);
  const bias = weight(w, 'vit.embeddings.patch_embeddings.projection.bias', [D]);
  const positions = weight(w, 'vit.embeddings.position_embeddings', [1, T, D]);
  const tokens: Vec[] = [Float64Array.from(weight(w, 'vit.embeddings.cls_token', [1, 1, D]))];
  for (let gy = 0; gy < grid; gy++) {
    for (let gx = 0; gx < grid; gx++) tokens.push(patchVector(pixels, b, gy, gx, kernel, bias, d));
  }
  return tokens.map((t, i) => addVec(t, Float64Array.from(positions.subarray(i * D, (i + 1) * D))));
}

function block(h: Vec[], w: RefWeights, d: VitDims, layer: number): Vec[] {
  const p = `vit.encoder.layer.${layer}.`;
  const D = d.width;
  const get = (name: string, shape: number[]) => weight(w, p + name, shape);
  const dense = (name: string, x: Vec, dIn: number, dOut: number, biased = true) =>
    linear(x, get(`${name}.weight`, [dOut, dIn]), biased ? get(`${name}.bias`, [dOut]) : null, dIn, dOut);

  const x = h.map((t) => layerNorm(t, get('layernorm_before.weight', [D]), get('layernorm_before.bias', [D]), d.eps));
  const project = (name: string) => x.map((t) => dense(`attention.attention.${name}`, t, D, D, d.qkvBias));
  const context = attention(project('query'), project('key'), project('value'), {
    numHeads: d.heads,
    numKvHeads: d.heads,
    headDim: D / d.heads,
    scale: 1 / Math.sqrt(D / d.heads),
    canAttend: () => true,
  });
  h = h.map((t, i) => addVec(t, dense('attention.output.dense', context[i], D, D)));

  return h.map((t) => {
    const y = layerNorm(t, get('layernorm_after.weight', [D]), get('layernorm_after.bias', [D]), d.eps);
    return addVec(t, dense('output.dense', mapVec(dense('intermediate.dense', y, D, d.inner), d.act), d.inner, D));
  });
}

/** Logits (B, labels) of ViTForImageClassification for `pixels`. */
export function vitLogits(raw: Record<string, unknown>, w: RefWeights, pixels: PixelBatch): RefLogits {
  const d = dims(raw);
  const D = d.width;
  if (pixels.height !== d.image || pixels.width !== d.image || pixels.channels !== d.channels) {
    throw new Error(`reference: images must be ${d.channels}x${d.image}x${d.image}`);
  }
  const rows: Vec[] = [];
  for (let b = 0; b < pixels.batch; b++) {
    let h = embeddings(pixels, b, w, d);
    for (let layer = 0; layer < d.layers; layer++) h = block(h, w, d, layer);
    const cls = layerNorm(h[0], weight(w, 'vit.layernorm.weight', [D]), weight(w, 'vit.layernorm.bias', [D]), d.eps);
    rows.push(linear(cls, weight(w, 'classifier.weight', [d.labels, D]), weight(w, 'classifier.bias', [d.labels]), D, d.labels));
  }
  return stackLogits(rows, [pixels.batch, d.labels]);
}
