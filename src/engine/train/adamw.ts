/**
 * AdamW exactly as PyTorch's torch.optim.AdamW computes it (the single-tensor
 * path), so runs here can be compared step for step with the reference:
 *
 *   p ← p · (1 − lr·wd)                    decoupled weight decay, first
 *   m ← β1·m + (1 − β1)·g
 *   v ← β2·v + (1 − β2)·g²
 *   denom = sqrt(v) / sqrt(1 − β2^t) + ε
 *   p ← p − (lr / (1 − β1^t)) · m / denom
 *
 * tfjs's own AdamOptimizer differs (ε inside the bias correction, no
 * decoupled decay), which is why this exists.
 *
 * Like PyTorch, a variable with no gradient in a step is left alone and its
 * own step count does not advance. The caller keeps ownership of the
 * gradients: they are read, never disposed.
 */
import * as tf from '@tensorflow/tfjs';

export interface AdamWOptions {
  learningRate: number;
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Default 1e-8. */
  epsilon?: number;
  /** Decoupled weight decay; default 0. */
  weightDecay?: number;
}

/** A tensor's values on the host, in row-major order. */
export interface TensorData {
  shape: number[];
  values: Float32Array;
}

/** AdamW's state, as plain data: per-variable moments and step counts, and calls so far. */
export interface AdamWState {
  steps: number;
  moments: Record<string, { m: TensorData; v: TensorData; steps: number }>;
}

export async function tensorDataOf(tensor: tf.Tensor): Promise<TensorData> {
  return { shape: [...tensor.shape], values: Float32Array.from(await tensor.data()) };
}

interface Moments {
  /** First moment m, same shape as the variable. */
  m: tf.Variable;
  /** Second moment v. */
  v: tf.Variable;
  /** Updates applied to this variable (PyTorch's per-parameter `step`). */
  steps: number;
}

export class AdamW {
  private readonly learningRate: number;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;
  private readonly weightDecay: number;
  private readonly moments = new Map<string, Moments>();
  private steps = 0;
  private disposed = false;

  constructor(
    private readonly variables: ReadonlyMap<string, tf.Variable>,
    options: AdamWOptions,
  ) {
    this.learningRate = options.learningRate;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
    validateOptions(this.learningRate, this.beta1, this.beta2, this.epsilon, this.weightDecay);
  }

  /** Calls of applyGradients so far. */
  get stepCount(): number {
    return this.steps;
  }

  /**
   * One optimizer step. `grads` is keyed like the variables; `learningRate`
   * overrides the constructor's for this step (a schedule's current value);
   * `gradScale` (a scalar tensor, e.g. gradient clipping's coefficient)
   * multiplies each gradient as it is used, exactly as a scaled copy would.
   */
  applyGradients(grads: ReadonlyMap<string, tf.Tensor>, learningRate: number = this.learningRate, gradScale?: tf.Scalar): void {
    if (this.disposed) throw new Error('AdamW: applyGradients after dispose()');
    if (!(learningRate >= 0) || !Number.isFinite(learningRate)) {
      throw new Error(`AdamW: learning rate must be a finite number ≥ 0, got ${learningRate}`);
    }
    for (const [name, grad] of grads) {
      const variable = this.variables.get(name);
      if (!variable) throw new Error(`AdamW: gradient for "${name}", which is not one of the optimised variables`);
      if (grad.shape.join(',') !== variable.shape.join(',')) {
        throw new Error(`AdamW: gradient for "${name}" has shape [${grad.shape}], the variable [${variable.shape}]`);
      }
    }
    for (const [name, grad] of grads) this.updateOne(this.variables.get(name)!, this.momentsFor(name), grad, learningRate, gradScale);
    this.steps++;
  }

  /** The moments and step counts, read back from the device (for a checkpoint). */
  async exportState(): Promise<AdamWState> {
    const moments: AdamWState['moments'] = {};
    for (const [name, { m, v, steps }] of this.moments) {
      moments[name] = { m: await tensorDataOf(m), v: await tensorDataOf(v), steps };
    }
    return { steps: this.steps, moments };
  }

  /** Puts back what exportState() returned; the variables' shapes must match. */
  importState(state: AdamWState): void {
    if (this.disposed) throw new Error('AdamW: importState after dispose()');
    for (const [name, saved] of Object.entries(state.moments)) {
      const variable = this.variables.get(name);
      if (!variable) throw new Error(`AdamW: the checkpoint has moments for "${name}", which is not one of the optimised variables`);
      for (const moment of [saved.m, saved.v]) {
        if (moment.shape.join(',') !== variable.shape.join(',') || moment.values.length !== variable.size) {
          throw new Error(`AdamW: the checkpoint's moments for "${name}" have shape [${moment.shape}], the variable [${variable.shape}]`);
        }
      }
    }
    for (const { m, v } of this.moments.values()) {
      m.dispose();
      v.dispose();
    }
    this.moments.clear();
    for (const [name, saved] of Object.entries(state.moments)) {
      const variable = this.variables.get(name)!;
      const load = (t: TensorData) => tf.tidy(() => tf.variable(tf.tensor(t.values, variable.shape, 'float32'), false));
      this.moments.set(name, { m: load(saved.m), v: load(saved.v), steps: saved.steps });
    }
    this.steps = state.steps;
  }

  /** Frees the moment buffers (not the variables, which belong to the caller). */
  dispose(): void {
    for (const { m, v } of this.moments.values()) {
      m.dispose();
      v.dispose();
    }
    this.moments.clear();
    this.disposed = true;
  }

  private momentsFor(name: string): Moments {
    let moments = this.moments.get(name);
    if (!moments) {
      const variable = this.variables.get(name)!;
      // tidy frees the zeros; variables are never tracked by tidy, so they survive it.
      const zeros = () => tf.tidy(() => tf.variable(tf.zeros(variable.shape), false));
      moments = { m: zeros(), v: zeros(), steps: 0 };
      this.moments.set(name, moments);
    }
    return moments;
  }

  /**
   * The update of one variable. Each temporary is freed as soon as the next
   * one is made (one tidy around them all would hold about 13 of the
   * variable's size at once; this holds at most three), in the same order of
   * operations, so the values are the same.
   */
  private updateOne(variable: tf.Variable, moments: Moments, grad: tf.Tensor, learningRate: number, gradScale?: tf.Scalar): void {
    moments.steps++;
    const t = moments.steps;
    const biasCorrection1 = 1 - this.beta1 ** t;
    const biasCorrection2Sqrt = Math.sqrt(1 - this.beta2 ** t);
    const stepSize = learningRate / biasCorrection1;
    tf.tidy(() => {
      // An error part-way leaves the rest to the tidy; disposing twice is harmless.
      const g = gradScale ? tf.mul(grad, gradScale) : grad;
      const free = (...tensors: tf.Tensor[]) => tensors.forEach((x) => x !== grad && x.dispose());
      // m ← β1·m + (1 − β1)·g
      let a = tf.mul(moments.m, this.beta1);
      let b = tf.mul(g, 1 - this.beta1);
      const m = tf.add(a, b);
      free(a, b);
      moments.m.assign(m);
      free(m);
      // v ← β2·v + (1 − β2)·g²
      b = tf.square(g);
      free(g);
      a = tf.mul(b, 1 - this.beta2);
      free(b);
      b = tf.mul(moments.v, this.beta2);
      const v = tf.add(b, a);
      free(a, b);
      moments.v.assign(v);
      free(v);
      // denom = sqrt(v) / sqrt(1 − β2^t) + ε
      a = tf.sqrt(moments.v);
      b = tf.div(a, biasCorrection2Sqrt);
      free(a);
      const denom = tf.add(b, this.epsilon);
      free(b);
      // p ← p·(1 − lr·wd) − (lr / (1 − β1^t)) · m / denom
      a = tf.div(moments.m, denom);
      free(denom);
      b = tf.mul(a, stepSize);
      free(a);
      if (this.weightDecay !== 0) {
        a = tf.mul(variable, 1 - learningRate * this.weightDecay);
        variable.assign(a);
        free(a);
      }
      a = tf.sub(variable, b);
      free(b);
      variable.assign(a);
    });
  }
}

function validateOptions(lr: number, beta1: number, beta2: number, epsilon: number, weightDecay: number): void {
  const problems: string[] = [];
  if (!(lr >= 0) || !Number.isFinite(lr)) problems.push(`learningRate must be a finite number ≥ 0, got ${lr}`);
  if (!(beta1 >= 0 && beta1 < 1)) problems.push(`beta1 must be in [0, 1), got ${beta1}`);
  if (!(beta2 >= 0 && beta2 < 1)) problems.push(`beta2 must be in [0, 1), got ${beta2}`);
  if (!(epsilon >= 0) || !Number.isFinite(epsilon)) problems.push(`epsilon must be a finite number ≥ 0, got ${epsilon}`);
  if (!(weightDecay >= 0) || !Number.isFinite(weightDecay)) {
    problems.push(`weightDecay must be a finite number ≥ 0, got ${weightDecay}`);
  }
  if (problems.length > 0) throw new Error(`AdamW: ${problems.join('; ')}`);
}
