/**
 * Naive LlamaForCausalLM (transformers' modeling_llama.py and
 * modeling_rope_utils.py), eval mode.
 *
 * h = embed_tokens[id]; per block: h += o_proj(attn(rope(q_proj(x)),
 * rope(k_proj(x)), v_proj(x))) with x = input_layernorm(h);
 * h += down_proj(act(gate_proj(y)) * up_proj(y)) with
 * y = post_attention_layernorm(h); logits = norm(h) · lm_head^T.
 *
 * RoPE: inv_freq[i] = theta^(-2i/head_dim); `linear` scaling divides it by
 * `factor`; `llama3` divides low frequencies (wavelength above
 * original_max / low_freq_factor) by `factor`, keeps high ones (below
 * original_max / high_freq_factor), and blends in between. Then
 * q'[i] = q[i]·cos(t·f_i) − q[i+half]·sin(t·f_i) and
 * q'[i+half] = q[i+half]·cos(t·f_i) + q[i]·sin(t·f_i) (rotate_half).
 * Query head h uses key/value head floor(h / (heads / kv_heads)).
 */
import {
  activation,
  addVec,
  attention,
  cfg,
  embeddingRow,
  linear,
  rmsNorm,
  sequence,
  stackLogits,
  weight,
  type RefLogits,
  type RefWeights,
  type TokenBatch,
  type Vec,
} from './common';

interface LlamaDims {
  layers: number;
  width: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  inner: number;
  vocab: number;
  eps: number;
  act: (x: number) => number;
  tied: boolean;
  attentionBias: boolean;
  mlpBias: boolean;
  invFreq: number[];
}

/** RoPE inverse frequencies from config.json, transformers 4 or 5 style. */
export function inverseFrequencies(raw: Record<string, unknown>, headDim: number): number[] {
  const rope = (raw.rope_parameters ?? raw.rope_scaling ?? {}) as Record<string, unknown>;
  const theta = cfg(rope, ['rope_theta'], cfg(raw, ['rope_theta'], 10000));
  const type = cfg(rope, ['rope_type', 'type'], 'default');
  const base: number[] = [];
  for (let i = 0; i < headDim / 2; i++) base.push(1 / theta ** ((2 * i) / headDim));
  if (type === 'default') return base;
  const factor = rope.factor as number;
  if (type === 'linear') return base.map((f) => f / factor);
  if (type !== 'llama3') throw new Error(`reference: no RoPE type "${type}"`);
  const original = rope.original_max_position_embeddings as number;
  const low = rope.low_freq_factor as number;
  const high = rope.high_freq_factor as number;
  return base.map((f) => {
    const wavelength = (2 * Math.PI) / f;
    if (wavelength < original / high) return f;
    if (wavelength > original / low) return f / factor;
    const smooth = (original / wavelength - low) / (high - low);
    return (1 - smooth) * (f / factor) + smooth * f;
  });
}

function dims(raw: Record<string, unknown>): LlamaDims {
  const width = cfg(raw, ['hidden_size'], 4096);
  const heads = cfg(raw, ['num_attention_heads'], 32);
  const headDim = cfg(raw, ['head_dim'], Math.floor(width / heads));
  return {
    layers: cfg(raw, ['num_hidden_layers'], 32),
    width,
    heads,
    kvHeads: cfg(raw, ['num_key_value_heads'], heads),
    headDim,
    inner: cfg(raw, ['intermediate_size'], 11008),
    vocab: cfg(raw, ['vocab_size'], 32000),
    eps: cfg(raw, ['rms_norm_eps'], 1e-6),
    act: activation(cfg(raw, ['hidden_act'], 'silu')),
    tied: cfg(raw, ['tie_word_embeddings'], false),
    attentionBias: cfg(raw, ['attention_bias'], false),
    mlpBias: cfg(raw, ['mlp_bias'], false),
    invFreq: inverseFrequencies(raw, headDim),
  };
}

/** Rotates every head of one token's projection by position `pos`. */
function rope(x: Vec, pos: number, heads: number, headDim: number, invFreq: number[]): Vec {
  const out = new Float64Array(x.length);
  const half = headDim / 2;
  for (let h = 0; h < heads; h++) {
    const o = h * headDim;
    for (let i = 0; i < half; i++) {
      const cos = Math.cos(pos * invFreq[i]);
      const sin = Math.sin(pos * invFreq[i]);
      out[o + i] = x[o + i] * cos - x[o + half + i] * sin;
      out[o + half + i] = x[o + half + i] * cos + x[o + i] * sin;
    }
  }
  return out;
}

function block(h: Vec[], w: RefWeights, d: LlamaDims, layer: number): Vec[] {
  const p = `model.layers.${layer}.`;
  const D = d.width;
  const qDim = d.heads * d.headDim;
  const kvDim = d.kvHeads * d.headDim;
  const proj = (name: string, x: Vec, dIn: number, dOut: number) => {
    const biased = name.startsWith('mlp.') ? d.mlpBias : d.attentionBias;
    const bias = biased ? weight(w, `${p}${name}.bias`, [dOut]) : null;
    return linear(x, weight(w, `${p}${name}.weight`, [dOut, dIn]), bias, dIn, dOut);
  };

  const x = h.map((t) => rmsNorm(t, weight(w, `${p}input_layernorm.weight`, [D]), d.eps));
  const q = x.map((t, pos) => rope(proj('self_attn.q_proj', t, D, qDim), pos, d.heads, d.headDim, d.invFreq));
  const k = x.map((t, pos) => rope(proj('self_attn.k_proj', t, D, kvDim), pos, d.kvHeads, d.headDim, d.invFreq));
  const v = x.map((t) => proj('self_attn.v_proj', t, D, kvDim));
  const context = attention(q, k, v, {
    numHeads: d.heads,
    numKvHeads: d.kvHeads,
    headDim: d.headDim,
    scale: 1 / Math.sqrt(d.headDim),
    canAttend: (i, j) => j <= i,
  });
  h = h.map((t, i) => addVec(t, proj('self_attn.o_proj', context[i], qDim, D)));

  return h.map((t) => {
    const y = rmsNorm(t, weight(w, `${p}post_attention_layernorm.weight`, [D]), d.eps);
    const gate = proj('mlp.gate_proj', y, D, d.inner);
    const up = proj('mlp.up_proj', y, D, d.inner);
    const product = gate.map((g, i) => d.act(g) * up[i]);
    return addVec(t, proj('mlp.down_proj', product, d.inner, D));
  });
}

/** Logits (B, T, vocab) of LlamaForCausalLM for `tokens`. */
export function llamaLogits(raw: Record<string, unknown>, w: RefWeights, tokens: TokenBatch): RefLogits {
  const d = dims(raw);
  const D = d.width;
  const embed = weight(w, 'model.embed_tokens.weight', [d.vocab, D]);
  const head = d.tied ? embed : weight(w, 'lm_head.weight', [d.vocab, D]);
  const rows: Vec[] = [];
  for (let b = 0; b < tokens.batch; b++) {
    let h = sequence(tokens, b).map((id) => embeddingRow(embed, id, D));
    for (let layer = 0; layer < d.layers; layer++) h = block(h, w, d, layer);
    for (const t of h) rows.push(linear(rmsNorm(t, weight(w, 'model.norm.weight', [D]), d.eps), head, null, D, d.vocab));
  }
  return stackLogits(rows, [tokens.batch, tokens.seqLength, d.vocab]);
}
