/** The losses transformers computes, in tfjs. */
import * as tf from '@tensorflow/tfjs';

/**
 * Mean negative log-likelihood of `labels` under `logits`, weighted by
 * `weights` (1 counts, 0 ignores). logits: (N, C); labels: int32 (N,);
 * weights: (N,) or null for all ones.
 *
 * One op with its own gradient, (softmax(logits) − onehot(labels)) · w / Σw,
 * so the backward pass keeps only the logits: composed of tfjs ops, it kept a
 * dozen (N, C) intermediates (log-probabilities, a one-hot, products and
 * their gradients) until the step's end, the largest memory of a language
 * model's step (N × vocabulary).
 */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, weights: tf.Tensor1D | null = null): tf.Scalar {
  const [N, C] = logits.shape;
  // customGrad runs this in a tidy, and keeps what `save` is given only while gradients are recorded.
  const loss = tf.customGrad((x, save) => {
    const input = x as tf.Tensor2D;
    const rowStarts = tf.mul(tf.range(0, N, 1, 'int32'), tf.scalar(C, 'int32')); // (N,)
    // Callers check labels (checkTrainingData, checkLabels); clamped here, an out-of-range one cannot read another row.
    const columns = tf.minimum(tf.maximum(labels, tf.scalar(0, 'int32')), tf.scalar(C - 1, 'int32')); // (N,)
    const picked = tf.gather(tf.reshape(input, [-1]), tf.add(rowStarts, columns)); // (N,): the labels' logits
    const nll = tf.sub(tf.logSumExp(input, -1), picked); // (N,)
    // d loss / d nll_i: 1/N for the mean; w_i / max(Σw, 1) weighted (the all-ignored batch: 0/0 would be NaN).
    const perRow = weights ? tf.div(weights, tf.maximum(tf.sum(weights), 1)) : tf.fill([N], 1 / N); // (N,)
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [savedLogits, savedPerRow, savedColumns] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
      // softmax · c − onehot · c, freeing each (N, C) temporary as soon as it is used. The one-hot
      // part is scattered: tf.oneHot with a float32 dtype writes garbage on the wasm backend (tfjs 4.22).
      const coefficient = tf.tidy(() => tf.mul(savedPerRow, dy)); // (N,)
      const probs = tf.softmax(savedLogits, -1); // (N, C)
      const scaled = tf.tidy(() => tf.mul(probs, tf.reshape(coefficient, [N, 1]))); // (N, C)
      probs.dispose();
      const atLabels = tf.tidy(() =>
        tf.scatterND(tf.stack([tf.range(0, N, 1, 'int32'), savedColumns], 1), coefficient, [N, C]),
      ); // (N, C): c_i at (i, label_i)
      coefficient.dispose();
      const grad = tf.sub(scaled, atLabels);
      scaled.dispose();
      atLabels.dispose();
      return grad;
    };
    const value = tf.sum(tf.mul(nll, perRow)) as tf.Scalar;
    // The labels too: the caller may free them before the backward pass runs. Saved last, once nothing
    // can throw: saved tensors outlive this op's tidy.
    (save as tf.GradSaveFunc)([input, perRow, columns]);
    return { value, gradFunc };
  });
  return loss(logits) as tf.Scalar;
}

/**
 * Causal LM loss as transformers computes it with labels = input_ids:
 * position t predicts token t+1, for t in 0..T-2. logits: (B, T, V);
 * inputIds: int32 (B, T); lossMask: (B, T) with 1 where token t counts as
 * a target (prompt tokens and padding get 0), or null for all.
 *
 * The targets are shifted rather than the logits sliced: every position
 * gets the next token as its label and the last one weight 0, which is the
 * same loss without copying the (B, T-1, V) logits forward and padding their
 * gradient back.
 */
export function causalLmLoss(logits: tf.Tensor3D, inputIds: tf.Tensor2D, lossMask: tf.Tensor2D | null = null): tf.Scalar {
  return tf.tidy(() => {
    const [B, T, V] = logits.shape;
    const next = tf.concat([tf.slice(inputIds, [0, 1], [B, T - 1]), tf.zeros([B, 1], 'int32')], 1); // (B, T)
    const counts = lossMask ? tf.cast(lossMask, 'float32') : tf.ones([B, T]); // (B, T): token t is a target
    // Position t is weighted by whether token t+1 counts; the last position predicts nothing.
    const weights = tf.concat([tf.slice(counts, [0, 1], [B, T - 1]), tf.zeros([B, 1])], 1); // (B, T)
    return crossEntropy(
      tf.reshape(logits, [B * T, V]) as tf.Tensor2D,
      tf.reshape(next, [-1]) as tf.Tensor1D,
      tf.reshape(weights, [-1]) as tf.Tensor1D,
    );
  });
}
