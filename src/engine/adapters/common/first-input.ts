/**
 * Which adapted layers see an input that no trainable tensor has touched.
 *
 * While training, a fused adapter op (WeGeFT's input side, LoRA's fused
 * path) returns the gradient of its input x along with its own, so it must
 * compute the base layer's input gradient dy · W. Autodiff computes that
 * anyway wherever x depends on a trainable tensor, but not for the first
 * adapted module(s) of the network, whose input comes from frozen layers
 * only: there a fused op would add a d_in · d_out product per token, so
 * those modules take a plain path. They are the modules that receive the
 * very input tensor the first adapted module (in forward order) received in
 * this forward pass: GPT-2's c_attn, the q, k and v of a ViT's or Llama's
 * first block.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Model } from '../../models/model';

export class FirstAdaptedInput {
  private input: tf.Tensor | null = null;

  /** `modulePaths`: the adapted modules; the first of them in the model's forward order is watched. */
  constructor(model: Model, modulePaths: Iterable<string>) {
    const adapted = new Set(modulePaths);
    this.modulePath = model.linearModules().find((m) => adapted.has(m.path))?.path ?? null;
  }

  readonly modulePath: string | null;

  /** Call from each module's hook: records the first module's input, and says whether `x` is it. */
  isUntouched(path: string, x: tf.Tensor): boolean {
    if (path === this.modulePath) this.input = x;
    return x === this.input;
  }
}
