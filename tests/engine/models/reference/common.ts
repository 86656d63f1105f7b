/**
 * Shared math for the naive reference models (gpt2.ts, gpt_neo.ts, llama.ts,
 * vit.ts in this folder).
 *
 * These references exist to check the tfjs engine at shapes the fixtures do
 * not cover, so they are deliberately written the slow, obvious way: plain
 * loops in float64 over the checkpoint's float32 weights, one token vector at
 * a time, straight from the semantics of transformers' modeling_*.py. They
 * share no code with src/engine/models (only the safetensors reader is used,
 * by the tests, to get weights). reference-fixtures.test.ts proves each one
 * reproduces PyTorch's logits on tests/fixtures/reference, which is what makes them
 * trustworthy as a ground truth at other shapes.
 */

/** One tensor of a checkpoint, as read from safetensors. */
export interface RefTensor {
  shape: number[];
  values: Float32Array;
}

/** Checkpoint tensors by name. */
export type RefWeights = ReadonlyMap<string, RefTensor>;

/** A float64 vector: one token's hidden state, one query, one row of logits. */
export type Vec = Float64Array;

/** Logits as the engine returns them: row-major values of `shape`. */
export interface RefLogits {
  shape: number[];
  values: Float64Array;
}

/** Token ids (B, T), row-major. */
export interface TokenBatch {
  ids: Int32Array;
  batch: number;
  seqLength: number;
}

/** Images (B, C, H, W), row-major. */
export interface PixelBatch {
  pixels: Float32Array;
  batch: number;
  channels: number;
  height: number;
  width: number;
}

// ---------------------------------------------------------------------------
// config.json reads with transformers' defaults

type RawConfig = Record<string, unknown>;

/** The first of `names` that config.json sets (null counts as unset), else `fallback`. */
export function cfg<T>(raw: RawConfig, names: string[], fallback: T): T {
  for (const name of names) {
    if (raw[name] !== undefined && raw[name] !== null) return raw[name] as T;
  }
  if (fallback === undefined) throw new Error(`reference: config.json lacks "${names[0]}"`);
  return fallback;
}

// ---------------------------------------------------------------------------
// weights

/** A weight by name, checked against the shape the reference expects. */
export function weight(weights: RefWeights, name: string, shape: number[]): Float32Array {
  const tensor = weights.get(name);
  if (!tensor) throw new Error(`reference: missing weight "${name}"`);
  if (tensor.shape.join(',') !== shape.join(',')) {
    throw new Error(`reference: "${name}" has shape [${tensor.shape}], expected [${shape}]`);
  }
  return tensor.values;
}

/** A weight that may be absent (a bias that the config turns off, an untied head). */
export function optionalWeight(weights: RefWeights, name: string, shape: number[]): Float32Array | null {
  return weights.has(name) ? weight(weights, name, shape) : null;
}

// ---------------------------------------------------------------------------
// vector math

export function addVec(a: Vec, b: Vec): Vec {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] + b[i];
  return out;
}

/**
 * torch.nn.Linear: y[o] = sum_i x[i] W[o, i] + b[o], W stored (dOut, dIn).
 * Conv1D (GPT-2) stores W as (dIn, dOut): y[o] = sum_i x[i] W[i, o] + b[o].
 */
export function linear(
  x: Vec,
  w: Float32Array,
  b: Float32Array | null,
  dIn: number,
  dOut: number,
  layout: 'linear' | 'conv1d' = 'linear',
): Vec {
  const y = new Float64Array(dOut);
  for (let o = 0; o < dOut; o++) {
    let sum = b ? b[o] : 0;
    for (let i = 0; i < dIn; i++) {
      sum += x[i] * (layout === 'linear' ? w[o * dIn + i] : w[i * dOut + o]);
    }
    y[o] = sum;
  }
  return y;
}

/** torch.nn.LayerNorm: (x - mean) / sqrt(biased variance + eps) * w + b. */
export function layerNorm(x: Vec, w: Float32Array, b: Float32Array, eps: number): Vec {
  const n = x.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i];
  mean /= n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += (x[i] - mean) ** 2;
  variance /= n;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = ((x[i] - mean) / Math.sqrt(variance + eps)) * w[i] + b[i];
  return out;
}

/** LlamaRMSNorm: x / sqrt(mean(x^2) + eps) * w. */
export function rmsNorm(x: Vec, w: Float32Array, eps: number): Vec {
  let meanSquare = 0;
  for (let i = 0; i < x.length; i++) meanSquare += x[i] * x[i];
  meanSquare /= x.length;
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = (x[i] / Math.sqrt(meanSquare + eps)) * w[i];
  return out;
}

/** Softmax of a list of scores, -Infinity meaning masked out. */
export function softmax(scores: number[]): number[] {
  let max = -Infinity;
  for (const s of scores) max = Math.max(max, s);
  const exps = scores.map((s) => (s === -Infinity ? 0 : Math.exp(s - max)));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

// ---------------------------------------------------------------------------
// activations (transformers' ACT2FN), scalar versions

/**
 * erf in float64, from the everywhere-convergent series of positive terms
 * erf(x) = 2/√π · e^{-x²} · Σ_n 2^n x^{2n+1} / (1·3·5···(2n+1)),
 * so no cancellation; |x| > 6 is ±1 to double precision.
 */
export function erf(x: number): number {
  if (Math.abs(x) > 6) return Math.sign(x);
  let term = x;
  let sum = x;
  for (let n = 1; n < 500; n++) {
    term *= (2 * x * x) / (2 * n + 1);
    sum += term;
    if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
}

const exactGelu = (x: number) => 0.5 * x * (1 + erf(x / Math.SQRT2));
const tanhGelu = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
const silu = (x: number) => x / (1 + Math.exp(-x));

const ACTIVATIONS: Record<string, (x: number) => number> = {
  gelu: exactGelu,
  gelu_new: tanhGelu,
  gelu_pytorch_tanh: tanhGelu,
  gelu_fast: tanhGelu,
  quick_gelu: (x) => x / (1 + Math.exp(-1.702 * x)),
  relu: (x) => Math.max(0, x),
  silu,
  swish: silu,
};

export function activation(name: string): (x: number) => number {
  const fn = ACTIVATIONS[name];
  if (!fn) throw new Error(`reference: no activation "${name}"`);
  return fn;
}

export function mapVec(x: Vec, fn: (v: number) => number): Vec {
  return x.map(fn);
}

// ---------------------------------------------------------------------------
// attention

export interface NaiveAttention {
  numHeads: number;
  /** Query head h reads key/value head floor(h / (numHeads / numKvHeads)) (transformers' repeat_kv). */
  numKvHeads: number;
  headDim: number;
  /** Multiplier on q·k. */
  scale: number;
  /** Whether query position i may attend to key position j. */
  canAttend: (i: number, j: number) => boolean;
}

/**
 * Multi-head attention over one sequence. q[t]: (numHeads·headDim),
 * k[t], v[t]: (numKvHeads·headDim). Returns the concatenated heads per token.
 */
export function attention(q: Vec[], k: Vec[], v: Vec[], a: NaiveAttention): Vec[] {
  const T = q.length;
  const group = a.numHeads / a.numKvHeads;
  const out = q.map(() => new Float64Array(a.numHeads * a.headDim));
  for (let h = 0; h < a.numHeads; h++) {
    const kvOffset = Math.floor(h / group) * a.headDim;
    const qOffset = h * a.headDim;
    for (let i = 0; i < T; i++) {
      const scores: number[] = [];
      for (let j = 0; j < T; j++) {
        if (!a.canAttend(i, j)) {
          scores.push(-Infinity);
          continue;
        }
        let dot = 0;
        for (let d = 0; d < a.headDim; d++) dot += q[i][qOffset + d] * k[j][kvOffset + d];
        scores.push(dot * a.scale);
      }
      const probs = softmax(scores);
      for (let j = 0; j < T; j++) {
        for (let d = 0; d < a.headDim; d++) out[i][qOffset + d] += probs[j] * v[j][kvOffset + d];
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// sequences and logits

/** Token `id`'s row of an embedding table (vocab, D). */
export function embeddingRow(table: Float32Array, id: number, width: number): Vec {
  return Float64Array.from(table.subarray(id * width, (id + 1) * width));
}

/** The token ids of sequence `b`. */
export function sequence(tokens: TokenBatch, b: number): number[] {
  return Array.from(tokens.ids.subarray(b * tokens.seqLength, (b + 1) * tokens.seqLength));
}

/** Stacks per-sequence rows of logits into (B, T, V) or (B, C) values. */
export function stackLogits(rows: Vec[], shape: number[]): RefLogits {
  const width = shape[shape.length - 1];
  const values = new Float64Array(rows.length * width);
  rows.forEach((row, i) => values.set(row, i * width));
  return { shape, values };
}

function logSumExp(row: ArrayLike<number>, offset: number, width: number): number {
  let max = -Infinity;
  for (let c = 0; c < width; c++) max = Math.max(max, row[offset + c]);
  let sum = 0;
  for (let c = 0; c < width; c++) sum += Math.exp(row[offset + c] - max);
  return max + Math.log(sum);
}

/** transformers' causal LM loss with labels = input_ids: position t predicts token t+1. */
export function causalLmLoss(logits: RefLogits, tokens: TokenBatch): number {
  const [B, T, V] = logits.shape;
  let total = 0;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T - 1; t++) {
      const offset = (b * T + t) * V;
      const target = tokens.ids[b * T + t + 1];
      total += logSumExp(logits.values, offset, V) - logits.values[offset + target];
    }
  }
  return total / (B * (T - 1));
}

/** Mean cross-entropy of (B, C) logits against labels. */
export function classificationLoss(logits: RefLogits, labels: ArrayLike<number>): number {
  const [B, C] = logits.shape;
  let total = 0;
  for (let b = 0; b < B; b++) total += logSumExp(logits.values, b * C, C) - logits.values[b * C + labels[b]];
  return total / B;
}
