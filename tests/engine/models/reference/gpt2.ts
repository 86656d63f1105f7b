/**
 * Naive GPT2LMHeadModel (transformers' modeling_gpt2.py), eval mode.
 *
 * h = wte[id] + wpe[pos]; per block: h += c_proj(attn(c_attn(ln_1(h))));
 * h += mlp.c_proj(act(mlp.c_fc(ln_2(h)))); logits = ln_f(h) · lm_head^T, the
 * head tied to wte unless tie_word_embeddings is false. Conv1D weights are
 * stored (d_in, d_out). Scores are divided by √head_dim when
 * scale_attn_weights, and further by (layer_idx + 1) when
 * scale_attn_by_inverse_layer_idx.
 */
import {
  activation,
  addVec,
  attention,
  cfg,
  embeddingRow,
  layerNorm,
  linear,
  mapVec,
  sequence,
  stackLogits,
  weight,
  type RefLogits,
  type RefWeights,
  type TokenBatch,
  type Vec,
} from './common';

interface Gpt2Dims {
  layers: number;
  width: number;
  heads: number;
  inner: number;
  vocab: number;
  positions: number;
  eps: number;
  act: (x: number) => number;
  tied: boolean;
  scaleWeights: boolean;
  scaleByLayer: boolean;
}

function dims(raw: Record<string, unknown>): Gpt2Dims {
  const width = cfg(raw, ['n_embd'], 768);
  return {
    layers: cfg(raw, ['n_layer'], 12),
    width,
    heads: cfg(raw, ['n_head'], 12),
    inner: cfg(raw, ['n_inner'], 4 * width),
    vocab: cfg(raw, ['vocab_size'], 50257),
    positions: cfg(raw, ['n_positions'], 1024),
    eps: cfg(raw, ['layer_norm_epsilon'], 1e-5),
    act: activation(cfg(raw, ['activation_function'], 'gelu_new')),
    tied: cfg(raw, ['tie_word_embeddings'], true),
    scaleWeights: cfg(raw, ['scale_attn_weights'], true),
    scaleByLayer: cfg(raw, ['scale_attn_by_inverse_layer_idx'], false),
  };
}

function block(h: Vec[], w: RefWeights, d: Gpt2Dims, layer: number): Vec[] {
  const p = `transformer.h.${layer}.`;
  const D = d.width;
  const get = (name: string, shape: number[]) => weight(w, p + name, shape);
  const headDim = D / d.heads;

  const x = h.map((t) => layerNorm(t, get('ln_1.weight', [D]), get('ln_1.bias', [D]), d.eps));
  const qkv = x.map((t) => linear(t, get('attn.c_attn.weight', [D, 3 * D]), get('attn.c_attn.bias', [3 * D]), D, 3 * D, 'conv1d'));
  let scale = d.scaleWeights ? 1 / Math.sqrt(headDim) : 1;
  if (d.scaleByLayer) scale /= layer + 1;
  const context = attention(
    qkv.map((t) => t.subarray(0, D)),
    qkv.map((t) => t.subarray(D, 2 * D)),
    qkv.map((t) => t.subarray(2 * D, 3 * D)),
    { numHeads: d.heads, numKvHeads: d.heads, headDim, scale, canAttend: (i, j) => j <= i },
  );
  h = h.map((t, i) =>
    addVec(t, linear(context[i], get('attn.c_proj.weight', [D, D]), get('attn.c_proj.bias', [D]), D, D, 'conv1d')),
  );

  return h.map((t) => {
    const y = layerNorm(t, get('ln_2.weight', [D]), get('ln_2.bias', [D]), d.eps);
    const up = mapVec(linear(y, get('mlp.c_fc.weight', [D, d.inner]), get('mlp.c_fc.bias', [d.inner]), D, d.inner, 'conv1d'), d.act);
    return addVec(t, linear(up, get('mlp.c_proj.weight', [d.inner, D]), get('mlp.c_proj.bias', [D]), d.inner, D, 'conv1d'));
  });
}

/** Logits (B, T, vocab) of GPT2LMHeadModel for `tokens`. */
export function gpt2Logits(raw: Record<string, unknown>, w: RefWeights, tokens: TokenBatch): RefLogits {
  const d = dims(raw);
  const D = d.width;
  const wte = weight(w, 'transformer.wte.weight', [d.vocab, D]);
  const wpe = weight(w, 'transformer.wpe.weight', [d.positions, D]);
  const head = d.tied ? wte : weight(w, 'lm_head.weight', [d.vocab, D]);
  const rows: Vec[] = [];
  for (let b = 0; b < tokens.batch; b++) {
    let h = sequence(tokens, b).map((id, pos) => addVec(embeddingRow(wte, id, D), embeddingRow(wpe, pos, D)));
    for (let layer = 0; layer < d.layers; layer++) h = block(h, w, d, layer);
    for (const t of h) {
      const normed = layerNorm(t, weight(w, 'transformer.ln_f.weight', [D]), weight(w, 'transformer.ln_f.bias', [D]), d.eps);
      rows.push(linear(normed, head, null, D, d.vocab));
    }
  }
  return stackLogits(rows, [tokens.batch, tokens.seqLength, d.vocab]);
}
