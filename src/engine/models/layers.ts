/**
 * Building blocks shared by the model families. Hidden states are kept 2-D,
 * (B*T, D), between blocks: every linear layer is then one matMul, and only
 * attention reshapes to (B, heads, T, head_dim).
 */
import * as tf from '@tensorflow/tfjs';
import { InputFileError } from '../errors';
import { attentionOp, layerNormOp, rmsNormOp } from './fused-ops';
import type { KvCache } from './kv-cache';

/** torch.nn.LayerNorm over the last axis (biased variance, as PyTorch). x: (N, D). */
export function layerNorm(x: tf.Tensor2D, weight: tf.Tensor, bias: tf.Tensor, eps: number): tf.Tensor2D {
  return layerNormOp(x, weight, bias, eps);
}

/** Llama's RMSNorm: x / sqrt(mean(x²) + eps) * weight. x: (N, D). */
export function rmsNorm(x: tf.Tensor2D, weight: tf.Tensor, eps: number): tf.Tensor2D {
  return rmsNormOp(x, weight, eps);
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const GELU_CUBIC = 0.044715;

export type Activation = (x: tf.Tensor) => tf.Tensor;

/**
 * An elementwise activation as one op whose gradient is dy · f'(x): the
 * backward pass keeps only x, where autodiff through the formula would keep
 * each intermediate (x³, tanh(...), products), several tensors the size of
 * the MLP's hidden layer per block, until the step ends.
 */
function withDerivative(f: (x: tf.Tensor) => tf.Tensor, derivative: (x: tf.Tensor) => tf.Tensor): Activation {
  const op = tf.customGrad((x, save) => {
    const value = f(x as tf.Tensor);
    // Saved tensors outlive the op's tidy: saved only once nothing can throw.
    (save as tf.GradSaveFunc)([x as tf.Tensor]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.tidy(() => tf.mul(dy, derivative(saved[0])));
    return { value, gradFunc };
  });
  return (x) => op(x);
}

/** Exact GELU (torch.nn.GELU()): 0.5 x (1 + erf(x / √2)). */
const exactGelu = withDerivative(
  (x) => tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))))),
  // 0.5 (1 + erf(x/√2)) + x · φ(x), φ the standard normal density.
  (x) =>
    tf.tidy(() =>
      tf.add(
        tf.mul(tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))), 0.5),
        tf.mul(x, tf.mul(tf.exp(tf.mul(tf.square(x), -0.5)), 1 / Math.sqrt(2 * Math.PI))),
      ),
    ),
);

/** The tanh approximation GPT-2 was trained with: 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³))). */
const tanhGelu = withDerivative(
  (x) =>
    tf.tidy(() => {
      const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), GELU_CUBIC)), SQRT_2_OVER_PI);
      return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(inner)));
    }),
  // 0.5 (1 + t) + 0.5 x (1 − t²) √(2/π) (1 + 3 · 0.044715 x²), t = tanh(inner).
  (x) =>
    tf.tidy(() => {
      const squared = tf.square(x);
      const t = tf.tanh(tf.mul(tf.mul(x, tf.add(1, tf.mul(squared, GELU_CUBIC))), SQRT_2_OVER_PI));
      const innerSlope = tf.mul(tf.add(1, tf.mul(squared, 3 * GELU_CUBIC)), SQRT_2_OVER_PI);
      return tf.add(tf.mul(tf.add(1, t), 0.5), tf.mul(tf.mul(tf.mul(x, 0.5), tf.sub(1, tf.square(t))), innerSlope));
    }),
);

/** SiLU (swish): x σ(x); derivative σ(x) (1 + x (1 − σ(x))). */
const silu = withDerivative(
  (x) => tf.tidy(() => tf.mul(x, tf.sigmoid(x))),
  (x) =>
    tf.tidy(() => {
      const sigmoid = tf.sigmoid(x);
      return tf.mul(sigmoid, tf.add(1, tf.mul(x, tf.sub(1, sigmoid))));
    }),
);

/** The activations config.json names (`hidden_act`, `activation_function`). */
export const ACTIVATIONS: Record<string, Activation> = {
  gelu: exactGelu,
  gelu_new: tanhGelu,
  gelu_pytorch_tanh: tanhGelu,
  gelu_fast: tanhGelu,
  quick_gelu: (x) => tf.tidy(() => tf.mul(x, tf.sigmoid(tf.mul(x, 1.702)))),
  relu: (x) => tf.relu(x),
  silu,
  swish: silu,
};

export function activation(name: string, file: string): Activation {
  const fn = ACTIVATIONS[name];
  if (!fn) {
    throw new InputFileError(file, `unsupported activation "${name}" (supported: ${Object.keys(ACTIVATIONS).join(', ')})`);
  }
  return fn;
}

/**
 * Additive attention mask (T, past + T): 0 where query i (at position
 * past + i) may see key j, -1e9 elsewhere. `past`: positions already in a
 * key/value cache.
 */
export function attentionMask(seqLength: number, window: number | null, past = 0): tf.Tensor2D {
  if (past > 0) {
    // Built here: bandPart's band is relative to the diagonal of a square
    // matrix and cannot express "i + past − window < j ≤ i + past".
    const keys = past + seqLength;
    const mask = new Float32Array(seqLength * keys);
    for (let i = 0; i < seqLength; i++) {
      const position = past + i;
      for (let j = 0; j < keys; j++) {
        if (j > position || (window !== null && position - j >= window)) mask[i * keys + j] = -1e9;
      }
    }
    return tf.tensor2d(mask, [seqLength, keys]);
  }
  return tf.tidy(() => {
    const ones = tf.ones([seqLength, seqLength]);
    // Causal: j <= i. Local (GPT-Neo): also i - j < window. A window at
    // least as long as the sequence restricts nothing (and bandPart refuses
    // a band wider than the matrix: TinyStories' 256 on a short prompt).
    const lower = window === null || window - 1 >= seqLength ? -1 : window - 1;
    const allowed = tf.linalg.bandPart(ones, lower, 0);
    return tf.mul(tf.sub(1, allowed), -1e9) as tf.Tensor2D;
  });
}

export interface AttentionShape {
  batch: number;
  seqLength: number;
  numHeads: number;
  /** Grouped-query attention: numHeads must be a multiple of it. */
  numKvHeads: number;
  headDim: number;
  /** Multiplier on q·k (1/√head_dim, or 1 for GPT-Neo). */
  scale: number;
}

/** Where a layer keeps its keys and values between forward passes (generation). */
export interface LayerCache {
  cache: KvCache;
  layer: number;
}

/**
 * Softmax attention. q: (B*T, H*hd); k, v: (B*T, KV*hd) of the T new tokens;
 * mask: (T, S) additive, S = T, or past + T with a cache, whose keys and
 * values the new ones are appended to. Returns (B*T, H*hd).
 */
export function attention(
  q: tf.Tensor2D,
  k: tf.Tensor2D,
  v: tf.Tensor2D,
  mask: tf.Tensor2D,
  s: AttentionShape,
  cached?: LayerCache,
): tf.Tensor2D {
  return tf.tidy(() => {
    const { batch: B, seqLength: T, numHeads: H, numKvHeads: KV, headDim: hd } = s;
    const group = H / KV;
    // (B*T, H*hd) → (B, T, H, hd) → (B, H, T, hd) → (B, KV, group*T, hd): query head h = kv*group + g
    // shares kv head `kv`, so grouping queries avoids copying k and v `group` times.
    const qh = tf.reshape(tf.transpose(tf.reshape(q, [B, T, H, hd]), [0, 2, 1, 3]), [B, KV, group * T, hd]) as tf.Tensor4D;
    let kh = tf.transpose(tf.reshape(k, [B, T, KV, hd]), [0, 2, 1, 3]) as tf.Tensor4D; // (B, KV, T, hd)
    let vh = tf.transpose(tf.reshape(v, [B, T, KV, hd]), [0, 2, 1, 3]) as tf.Tensor4D; // (B, KV, T, hd)
    if (cached) ({ k: kh, v: vh } = cached.cache.append(cached.layer, kh, vh)); // (B, KV, S, hd)
    const S = kh.shape[2];
    // Scores (B, KV, group*T, S), masked as (B, H, T, S).
    const grouped = attentionOp(qh, kh, vh, { headsShape: [B, H, T, S], groupedShape: [B, KV, group * T, S], mask, scale: s.scale });
    const context = tf.reshape(grouped, [B, H, T, hd]); // (B, KV, group*T, hd) → (B, H, T, hd)
    return tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [B * T, H * hd]) as tf.Tensor2D;
  });
}

/** Token embedding lookup: ids (B, T) → (B*T, D). */
export function embed(table: tf.Tensor, ids: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.gather(table, tf.reshape(ids, [-1])) as tf.Tensor2D);
}

/** Position ids offset..offset+T-1 repeated for each sequence: (B*T,). */
export function positionIds(batch: number, seqLength: number, offset = 0): tf.Tensor1D {
  return tf.tidy(() => tf.tile(tf.range(offset, offset + seqLength, 1, 'int32'), [batch]) as tf.Tensor1D);
}
