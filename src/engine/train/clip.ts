/**
 * Global-norm gradient clipping as torch.nn.utils.clip_grad_norm_ computes it:
 *
 *   total = sqrt(Σ_g ‖g‖²)           over every gradient together
 *   coef  = max_norm / (total + 1e-6)
 *   g ← g · min(coef, 1)             scaled only when coef < 1
 *
 * Everything stays on the device: the norm comes back as a tensor, so a
 * training step never waits for the GPU to decide whether to clip.
 */
import * as tf from '@tensorflow/tfjs';

/** The L2 norm of all gradients taken together, as a scalar tensor. */
export function globalNorm(grads: Iterable<tf.Tensor>): tf.Scalar {
  // Each gradient's square is freed as soon as it is summed: one tidy around them all would keep
  // a copy of every gradient alive at once (for full fine-tuning, the whole model's size again).
  const squares = [...grads].map((g) => tf.tidy(() => tf.sum(tf.square(g)) as tf.Scalar));
  const norm = tf.tidy(() => (squares.length === 0 ? tf.scalar(0) : (tf.sqrt(sumPairwise(squares)) as tf.Scalar)));
  squares.forEach((s) => s.dispose());
  return norm;
}

/**
 * Σ of scalars as a tree of two-input adds. Not tf.addN: on WebGPU it binds
 * every input at once, and past the device's limit of storage buffers per
 * shader (8 on many) its pipeline is invalid and the sum silently wrong.
 */
function sumPairwise(values: tf.Scalar[]): tf.Scalar {
  let level = values;
  while (level.length > 1) {
    const next: tf.Scalar[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? tf.add(level[i], level[i + 1]) : level[i]);
    level = next;
  }
  return level[0];
}

/**
 * min(max_norm / (norm + 1e-6), 1), as a scalar tensor the caller disposes:
 * the factor clip_grad_norm_ scales every gradient by. The optimizer applies
 * it to one gradient at a time (AdamW's gradScale), so clipping never holds a
 * scaled copy of every gradient beside the gradients.
 */
export function clipCoefficient(norm: tf.Scalar, maxNorm: number): tf.Scalar {
  if (!(maxNorm > 0) || !Number.isFinite(maxNorm)) {
    throw new Error(`the maximum gradient norm must be a finite number > 0, got ${maxNorm}`);
  }
  // min(coef, 1): a multiply by exactly 1 when the norm is already small.
  return tf.tidy(() => tf.minimum(tf.div(maxNorm, tf.add(norm, 1e-6)), 1) as tf.Scalar);
}

export interface ClippedGradients {
  /** New tensors, keyed as the input; the caller disposes them. */
  grads: Map<string, tf.Tensor>;
  /** The norm before clipping (what torch returns); the caller disposes it. */
  norm: tf.Scalar;
}

/**
 * Scales `grads` so their global norm is at most `maxNorm`. The input tensors
 * are left as they are (the caller still owns and disposes them).
 */
export function clipByGlobalNorm(grads: ReadonlyMap<string, tf.Tensor>, maxNorm: number): ClippedGradients {
  if (!(maxNorm > 0) || !Number.isFinite(maxNorm)) {
    throw new Error(`the maximum gradient norm must be a finite number > 0, got ${maxNorm}`);
  }
  const norm = globalNorm(grads.values());
  const coef = clipCoefficient(norm, maxNorm);
  const clipped = new Map<string, tf.Tensor>();
  for (const [name, g] of grads) clipped.set(name, tf.mul(g, coef));
  coef.dispose();
  return { grads: clipped, norm };
}
