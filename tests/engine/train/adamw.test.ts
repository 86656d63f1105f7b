/**
 * AdamW follows torch.optim.AdamW step for step: decoupled weight decay
 * first, bias-corrected moments, ε added after the bias-corrected sqrt(v).
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AdamW } from '../../../src/engine/train/adamw';
import { measureBufferBytes } from '../../../src/engine/train/buffer-bytes';
import { useBackend } from '../../helpers/backend';

/** torch.optim.AdamW's single-tensor update, in float64, for one parameter vector. */
class ReferenceAdamW {
  private m: number[];
  private v: number[];
  private t = 0;
  constructor(
    public p: number[],
    private readonly o: { lr: number; beta1: number; beta2: number; eps: number; wd: number },
  ) {
    this.m = p.map(() => 0);
    this.v = p.map(() => 0);
  }
  step(g: number[], lr = this.o.lr): void {
    const { beta1, beta2, eps, wd } = this.o;
    this.t++;
    const bc1 = 1 - beta1 ** this.t;
    const bc2Sqrt = Math.sqrt(1 - beta2 ** this.t);
    this.p = this.p.map((p, i) => {
      const decayed = p * (1 - lr * wd);
      this.m[i] = beta1 * this.m[i] + (1 - beta1) * g[i];
      this.v[i] = beta2 * this.v[i] + (1 - beta2) * g[i] * g[i];
      const denom = Math.sqrt(this.v[i]) / bc2Sqrt + eps;
      return decayed - (lr / bc1) * (this.m[i] / denom);
    });
  }
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs(actual[i] - expected[i]), `index ${i}: ${actual[i]} vs ${expected[i]}`).toBeLessThanOrEqual(tolerance);
  }
}

describe('AdamW', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  const created: tf.Tensor[] = [];
  const track = <T extends tf.Tensor>(t: T): T => {
    created.push(t);
    return t;
  };
  afterEach(() => {
    for (const t of created.splice(0)) t.dispose();
  });

  it('takes a first step of lr · g / (|g| + ε) after decaying the weights by (1 − lr·wd)', () => {
    const weights = track(tf.variable(tf.tensor1d([1, -2, 0.5, 3])));
    const optimizer = new AdamW(new Map([['w', weights]]), { learningRate: 0.1, weightDecay: 0.5 });
    const grad = track(tf.tensor1d([0.2, -4, 1e-9, 0]));
    optimizer.applyGradients(new Map([['w', grad]]));
    // After one step the bias corrections cancel: m̂ = g, sqrt(v̂) = |g|.
    const expected = [1, -2, 0.5, 3].map((p, i) => {
      const g = [0.2, -4, 1e-9, 0][i];
      return p * (1 - 0.1 * 0.5) - (0.1 * g) / (Math.abs(g) + 1e-8);
    });
    expectClose(weights.dataSync(), expected);
    expect(optimizer.stepCount).toBe(1);
    optimizer.dispose();
  });

  it('matches the PyTorch formula over many steps, with weight decay, custom betas and a changing learning rate', () => {
    const options = { lr: 0.01, beta1: 0.8, beta2: 0.99, eps: 1e-6, wd: 0.1 };
    const initial = [0.3, -0.7, 1.5, 0.01, -2.2, 0.9];
    const reference = new ReferenceAdamW(initial.slice(), options);
    const weights = track(tf.variable(tf.tensor2d(initial, [2, 3])));
    const optimizer = new AdamW(new Map([['w', weights]]), {
      learningRate: options.lr, beta1: options.beta1, beta2: options.beta2, epsilon: options.eps, weightDecay: options.wd,
    });
    for (let step = 0; step < 12; step++) {
      const g = initial.map((_, i) => Math.sin(step * 1.7 + i) * (i + 1) * 0.3);
      const lr = step % 3 === 2 ? 0.003 : options.lr;
      reference.step(g, lr);
      const grad = tf.tensor2d(g, [2, 3]);
      optimizer.applyGradients(new Map([['w', grad]]), lr);
      grad.dispose();
    }
    expectClose(weights.dataSync(), reference.p, 1e-5);
    optimizer.dispose();
  });

  it('leaves a variable without a gradient untouched, and its bias correction starts at its own first step', () => {
    const a = track(tf.variable(tf.tensor1d([1, 2])));
    const b = track(tf.variable(tf.tensor1d([3, 4])));
    const optimizer = new AdamW(new Map([['a', a], ['b', b]]), { learningRate: 0.05 });
    const refA = new ReferenceAdamW([1, 2], { lr: 0.05, beta1: 0.9, beta2: 0.999, eps: 1e-8, wd: 0 });
    const refB = new ReferenceAdamW([3, 4], { lr: 0.05, beta1: 0.9, beta2: 0.999, eps: 1e-8, wd: 0 });
    const ga = track(tf.tensor1d([0.5, -0.25]));
    const gb = track(tf.tensor1d([-1, 2]));
    optimizer.applyGradients(new Map([['a', ga]]));
    refA.step([0.5, -0.25]);
    expectClose(b.dataSync(), [3, 4], 0);
    optimizer.applyGradients(new Map([['a', ga], ['b', gb]]));
    refA.step([0.5, -0.25]);
    refB.step([-1, 2]);
    expectClose(a.dataSync(), refA.p);
    expectClose(b.dataSync(), refB.p);
    expect(optimizer.stepCount).toBe(2);
    optimizer.dispose();
  });

  it('keeps the tensor count flat across steps and never disposes the caller’s gradients', () => {
    const w = track(tf.variable(tf.randomNormal([4, 5], 0, 1, 'float32', 1)));
    const optimizer = new AdamW(new Map([['w', w]]), { learningRate: 1e-3, weightDecay: 0.01 });
    const grad = track(tf.randomNormal([4, 5], 0, 1, 'float32', 2));
    optimizer.applyGradients(new Map([['w', grad]])); // allocates the moments
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) optimizer.applyGradients(new Map([['w', grad]]));
    expect(tf.memory().numTensors).toBe(before);
    expect(grad.isDisposed).toBe(false);
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(before - 2); // its two moment buffers
    expect(w.isDisposed).toBe(false);
  });

  it('holds at most five buffers of the variable\'s size at once in an update (four without a gradient scale), and a scale is the same as a scaled gradient', async () => {
    const shape = [64, 64];
    const bytes = 64 * 64 * 4;
    const w = track(tf.variable(tf.randomNormal(shape, 0, 1, 'float32', 1)));
    const copy = track(tf.variable(w.clone()));
    const grad = track(tf.randomNormal(shape, 0, 1, 'float32', 2));
    const scale = track(tf.scalar(0.25));
    const scaled = track(tf.mul(grad, scale));
    const a = new AdamW(new Map([['w', w]]), { learningRate: 1e-2, weightDecay: 0.1 });
    const b = new AdamW(new Map([['w', copy]]), { learningRate: 1e-2, weightDecay: 0.1 });
    a.applyGradients(new Map([['w', grad]]), 1e-2, scale); // allocates the moments
    b.applyGradients(new Map([['w', scaled]]));
    const withScale = await measureBufferBytes(async () => a.applyGradients(new Map([['w', grad]]), 1e-2, scale));
    const without = await measureBufferBytes(async () => b.applyGradients(new Map([['w', scaled]])));
    expect(withScale.bytes.peak).toBeLessThanOrEqual(5 * bytes + 64);
    expect(without.bytes.peak).toBeLessThanOrEqual(4 * bytes + 64);
    expect(Array.from(await w.data())).toEqual(Array.from(await copy.data()));
    a.dispose();
    b.dispose();
  });

  it('rejects gradients it cannot apply, naming the variable', () => {
    const w = track(tf.variable(tf.zeros([2, 2])));
    const optimizer = new AdamW(new Map([['w', w]]), { learningRate: 1e-3 });
    const wrongShape = track(tf.zeros([4]));
    expect(() => optimizer.applyGradients(new Map([['w', wrongShape]]))).toThrow(/"w" has shape \[4\]/);
    expect(() => optimizer.applyGradients(new Map([['other', wrongShape]]))).toThrow(/"other", which is not one/);
    expect(() => optimizer.applyGradients(new Map(), Number.NaN)).toThrow(/learning rate/);
    optimizer.dispose();
    expect(() => optimizer.applyGradients(new Map())).toThrow(/after dispose/);
  });

  it('rejects invalid options', () => {
    const w = track(tf.variable(tf.zeros([1])));
    expect(() => new AdamW(new Map([['w', w]]), { learningRate: -1 })).toThrow(/learningRate/);
    expect(() => new AdamW(new Map([['w', w]]), { learningRate: 1e-3, beta1: 1 })).toThrow(/beta1/);
    expect(() => new AdamW(new Map([['w', w]]), { learningRate: 1e-3, beta2: -0.1 })).toThrow(/beta2/);
    expect(() => new AdamW(new Map([['w', w]]), { learningRate: 1e-3, weightDecay: Number.NaN })).toThrow(/weightDecay/);
  });
});
