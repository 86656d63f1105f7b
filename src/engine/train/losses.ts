/** The losses transformers computes, in tfjs. */
import * as tf from '@tensorflow/tfjs';

/**
 * Mean negative log-likelihood of `labels` under `logits`, weighted by
 * `weights` (1 counts, 0 ignores). logits: (N, C); labels: int32 (N,);
 * weights: (N,) or null for all ones.
 */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, weights: tf.Tensor1D | null = null): tf.Scalar {
  return tf.tidy(() => {
    const numClasses = logits.shape[1];
    const logProbs = tf.logSoftmax(logits, -1);
    const picked = tf.sum(tf.mul(logProbs, tf.oneHot(labels, numClasses)), -1); // (N,)
    if (!weights) return tf.neg(tf.mean(picked)) as tf.Scalar;
    // Guard the all-ignored batch: 0/0 would be NaN.
    return tf.div(tf.neg(tf.sum(tf.mul(picked, weights))), tf.maximum(tf.sum(weights), 1)) as tf.Scalar;
  });
}

/**
 * Causal LM loss as transformers computes it with labels = input_ids:
 * position t predicts token t+1, for t in 0..T-2. logits: (B, T, V);
 * inputIds: int32 (B, T); lossMask: (B, T) with 1 where token t counts as
 * a target (prompt tokens and padding get 0), or null for all.
 */
export function causalLmLoss(logits: tf.Tensor3D, inputIds: tf.Tensor2D, lossMask: tf.Tensor2D | null = null): tf.Scalar {
  return tf.tidy(() => {
    const [B, T, V] = logits.shape;
    const predictions = tf.reshape(tf.slice(logits, [0, 0, 0], [B, T - 1, V]), [B * (T - 1), V]) as tf.Tensor2D;
    const targets = tf.reshape(tf.slice(inputIds, [0, 1], [B, T - 1]), [-1]) as tf.Tensor1D;
    const weights = lossMask
      ? (tf.reshape(tf.slice(tf.cast(lossMask, 'float32'), [0, 1], [B, T - 1]), [-1]) as tf.Tensor1D)
      : null;
    return crossEntropy(predictions, targets, weights);
  });
}
