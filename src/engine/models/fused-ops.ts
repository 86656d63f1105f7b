/**
 * Normalisation and attention as ops with their own gradients.
 *
 * tfjs's autodiff keeps every tensor a backward pass needs, and every
 * gradient it computes, until the whole backward pass ends. Composed of
 * elementwise ops, a LayerNorm kept about ten (N, D) tensors per call and
 * attention about a dozen (B, H, T, T) ones, per layer, for every method:
 * most of a training step's memory. As single ops they keep only what their
 * gradient formula reads (the normalised input and 1/σ; the attention
 * probabilities and q, k, v) and free their temporaries at once.
 */
import * as tf from '@tensorflow/tfjs';

const meanLast = (t: tf.Tensor) => tf.mean(t, -1, true);

/**
 * torch.nn.LayerNorm over the last axis (biased variance). x: (N, D).
 *
 *   x̂ = (x − μ) / σ,  y = x̂ γ + β
 *   dx = (g − mean(g) − x̂ · mean(g x̂)) / σ,  g = dy γ;  dγ = Σ dy x̂;  dβ = Σ dy
 */
export function layerNormOp(x: tf.Tensor2D, weight: tf.Tensor, bias: tf.Tensor, eps: number): tf.Tensor2D {
  const op = tf.customGrad((input, gamma, beta, save) => {
    const [xs, g1, b1] = [input, gamma, beta] as tf.Tensor[];
    const { mean, variance } = tf.moments(xs, -1, true);
    const inverseStd = tf.rsqrt(tf.add(variance, eps)); // (N, 1)
    const normed = tf.mul(tf.sub(xs, mean), inverseStd); // (N, D)
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.tidy(() => {
        const [xHat, invStd] = saved;
        const g = tf.mul(dy, g1); // (N, D)
        const dx = tf.mul(tf.sub(tf.sub(g, meanLast(g)), tf.mul(xHat, meanLast(tf.mul(g, xHat)))), invStd);
        const dGamma = tf.reshape(tf.sum(tf.mul(dy, xHat), 0), g1.shape);
        const dBeta = tf.reshape(tf.sum(dy, 0), b1.shape);
        return [dx, dGamma, dBeta];
      });
    const value = tf.add(tf.mul(normed, g1), b1) as tf.Tensor2D;
    // Saved tensors outlive this op's tidy: save only once nothing can throw.
    (save as tf.GradSaveFunc)([normed, inverseStd]);
    return { value, gradFunc };
  });
  return op(x, weight, bias) as tf.Tensor2D;
}

/**
 * Llama's RMSNorm: y = x r γ, r = 1 / √(mean(x²) + eps). x: (N, D).
 *
 *   dx = r · (g − x r² · mean(g x)),  g = dy γ;  dγ = Σ dy x r
 */
export function rmsNormOp(x: tf.Tensor2D, weight: tf.Tensor, eps: number): tf.Tensor2D {
  const op = tf.customGrad((input, gamma, save) => {
    const [xs, g1] = [input, gamma] as tf.Tensor[];
    const inverseRms = tf.rsqrt(tf.add(meanLast(tf.square(xs)), eps)); // (N, 1)
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.tidy(() => {
        const [xSaved, r] = saved;
        const g = tf.mul(dy, g1); // (N, D)
        const dx = tf.mul(tf.sub(g, tf.mul(tf.mul(xSaved, tf.square(r)), meanLast(tf.mul(g, xSaved)))), r);
        const dGamma = tf.reshape(tf.sum(tf.mul(dy, tf.mul(xSaved, r)), 0), g1.shape);
        return [dx, dGamma];
      });
    const value = tf.mul(tf.mul(xs, inverseRms), g1) as tf.Tensor2D;
    (save as tf.GradSaveFunc)([xs, inverseRms]);
    return { value, gradFunc };
  });
  return op(x, weight) as tf.Tensor2D;
}

/** How attention scores are shaped and masked (see layers.ts `attention`). */
export interface AttentionCore {
  /** (B, H, T, S) view of the scores, for the mask; (B, KV, group·T, S) as computed (S keys: T, or more with a cache). */
  headsShape: [number, number, number, number];
  groupedShape: [number, number, number, number];
  /** Additive (T, S) mask. */
  mask: tf.Tensor2D;
  scale: number;
}

/**
 * context = softmax(scale · q kᵀ + mask) v, with q (B, KV, group·T, hd) and
 * k, v (B, KV, T, hd). With P the probabilities:
 *
 *   dv = Pᵀ dc,  dP = dc vᵀ,  dS = P ⊙ (dP − Σ_j dP P),  dq = scale · dS k,  dk = scale · dSᵀ q
 */
export function attentionOp(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, core: AttentionCore): tf.Tensor4D {
  const { headsShape, groupedShape, mask, scale } = core;
  const op = tf.customGrad((qIn, kIn, vIn, save) => {
    const [qs, ks, vs] = [qIn, kIn, vIn] as tf.Tensor4D[];
    let scores = tf.matMul(qs, ks, false, true); // (B, KV, group·T, T)
    if (scale !== 1) scores = tf.mul(scores, scale);
    const masked = tf.add(tf.reshape(scores, headsShape), mask); // (B, H, T, T)
    const probs = tf.reshape(tf.softmax(masked, -1), groupedShape) as tf.Tensor4D; // (B, KV, group·T, T)
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.tidy(() => {
        const [qSaved, kSaved, vSaved, p] = saved as tf.Tensor4D[];
        const dc = dy as tf.Tensor4D;
        const dv = tf.matMul(p, dc, true, false); // (B, KV, T, hd)
        const dp = tf.matMul(dc, vSaved, false, true); // (B, KV, group·T, T)
        const ds = tf.mul(p, tf.sub(dp, tf.sum(tf.mul(dp, p), -1, true)));
        const scaled = scale === 1 ? ds : tf.mul(ds, scale);
        const dq = tf.matMul(scaled, kSaved); // (B, KV, group·T, hd)
        const dk = tf.matMul(scaled, qSaved, true, false); // (B, KV, T, hd)
        return [dq, dk, dv];
      });
    const value = tf.matMul(probs, vs) as tf.Tensor4D;
    (save as tf.GradSaveFunc)([qs, ks, vs, probs]);
    return { value, gradFunc };
  });
  return op(q, k, v) as tf.Tensor4D;
}
