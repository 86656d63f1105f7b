/**
 * Naive GPTNeoForCausalLM (transformers' modeling_gpt_neo.py), eval mode.
 *
 * Like GPT-2 but with separate bias-free q/k/v projections and a biased
 * out_proj (torch.nn.Linear layout), attention scores NOT divided by
 * √head_dim, and per-layer attention kinds: `global` is causal, `local`
 * additionally hides keys `window_size` or more positions back
 * (transformers builds it as tril(ones) XOR tril(ones, -window_size)).
 * The layer kinds come from `attention_layers`, else from expanding
 * `attention_types` ([[["global", "local"], n], ...]).
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

interface GptNeoDims {
  layers: number;
  width: number;
  heads: number;
  inner: number;
  vocab: number;
  positions: number;
  eps: number;
  act: (x: number) => number;
  tied: boolean;
  window: number;
  kinds: string[];
}

function layerKinds(raw: Record<string, unknown>): string[] {
  const explicit = raw.attention_layers as string[] | undefined;
  if (explicit) return explicit;
  const types = cfg<Array<[string[], number]>>(raw, ['attention_types'], [[['global', 'local'], 12]]);
  const kinds: string[] = [];
  for (const [pattern, repeat] of types) for (let r = 0; r < repeat; r++) kinds.push(...pattern);
  return kinds;
}

function dims(raw: Record<string, unknown>): GptNeoDims {
  const width = cfg(raw, ['hidden_size'], 2048);
  const d: GptNeoDims = {
    layers: cfg(raw, ['num_layers'], 24),
    width,
    heads: cfg(raw, ['num_heads'], 16),
    inner: cfg(raw, ['intermediate_size'], 4 * width),
    vocab: cfg(raw, ['vocab_size'], 50257),
    positions: cfg(raw, ['max_position_embeddings'], 2048),
    eps: cfg(raw, ['layer_norm_epsilon'], 1e-5),
    act: activation(cfg(raw, ['activation_function'], 'gelu_new')),
    tied: cfg(raw, ['tie_word_embeddings'], true),
    window: cfg(raw, ['window_size'], 256),
    kinds: layerKinds(raw),
  };
  if (d.kinds.length !== d.layers) throw new Error(`reference: ${d.kinds.length} attention kinds for ${d.layers} layers`);
  return d;
}

function block(h: Vec[], w: RefWeights, d: GptNeoDims, layer: number): Vec[] {
  const p = `transformer.h.${layer}.`;
  const D = d.width;
  const get = (name: string, shape: number[]) => weight(w, p + name, shape);

  const x = h.map((t) => layerNorm(t, get('ln_1.weight', [D]), get('ln_1.bias', [D]), d.eps));
  const project = (name: string) => x.map((t) => linear(t, get(`attn.attention.${name}.weight`, [D, D]), null, D, D));
  const local = d.kinds[layer] === 'local';
  const context = attention(project('q_proj'), project('k_proj'), project('v_proj'), {
    numHeads: d.heads,
    numKvHeads: d.heads,
    headDim: D / d.heads,
    scale: 1,
    canAttend: (i, j) => j <= i && (!local || i - j < d.window),
  });
  h = h.map((t, i) =>
    addVec(t, linear(context[i], get('attn.attention.out_proj.weight', [D, D]), get('attn.attention.out_proj.bias', [D]), D, D)),
  );

  return h.map((t) => {
    const y = layerNorm(t, get('ln_2.weight', [D]), get('ln_2.bias', [D]), d.eps);
    const up = mapVec(linear(y, get('mlp.c_fc.weight', [d.inner, D]), get('mlp.c_fc.bias', [d.inner]), D, d.inner), d.act);
    return addVec(t, linear(up, get('mlp.c_proj.weight', [D, d.inner]), get('mlp.c_proj.bias', [D]), d.inner, D));
  });
}

/** Logits (B, T, vocab) of GPTNeoForCausalLM for `tokens`. */
export function gptNeoLogits(raw: Record<string, unknown>, w: RefWeights, tokens: TokenBatch): RefLogits {
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
