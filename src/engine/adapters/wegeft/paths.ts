/**
 * WeGeFT's two exact low-rank forward paths. Neither builds the (d_out, d_in)
 * update ΔW = s · W · phiᵀ · psi; they differ in what they cost.
 *
 * Output side, y = base(x) + s · (x · psiᵀ) · (W · phiᵀ)ᵀ: the generator
 * product W · phiᵀ costs r · d_in · d_out per layer per step, forward and
 * again backward, whatever the batch.
 *
 * Input side, y = base(x + s · (x · psiᵀ) · phi), the same function
 * (x · (W + ΔW)ᵀ = (x + s · x · psiᵀ · phi) · Wᵀ): no W · phiᵀ at all, and the
 * rest costs what LoRA's token-side products cost. Its backward pass needs
 * dy · W, the base layer's input gradient, which autodiff computes anyway
 * for every layer whose input depends on a trainable tensor; for the first
 * adapted module(s) of the network, whose input no trainable tensor has
 * touched yet, it would be an extra d_in · d_out product per token.
 *
 * So while gradients are recorded, those modules (common/first-input.ts)
 * take the output side, every other module the input side; without
 * gradients (evaluation, generation, where a step may be one token) every
 * module takes the input side.
 */
import * as tf from '@tensorflow/tfjs';
import type { BaseLinear, LinearHook } from '../../models/model';
import type { LinearModule } from '../../models/types';
import type { FirstAdaptedInput } from '../common/first-input';

const scaledBy = (scale: number) => (t: tf.Tensor) => (scale === 1 ? t : tf.mul(t, scale));

/**
 * phi ↦ s · phi · Wᵀ (r, d_out), the transpose of the generated update's
 * left factor s · W · phiᵀ, as one op with its own gradient
 * dphi = s · dy · W (conv1d, which stores Wᵀ: s · dy · Wᵀ). W is a frozen base
 * weight alive for the whole step, so the backward pass reads it where it is:
 * autodiff would save a copy of it per layer. Each product transposes only
 * its small operand (phi or dy, r rows) or none, and the small result if
 * need be: a backend that transposes an operand by copying it (wasm) never
 * copies W.
 */
function generatedFactor(weight: tf.Tensor2D, layout: LinearModule['layout'], scale: number): (phi: tf.Tensor2D) => tf.Tensor2D {
  const scaled = scaledBy(scale);
  return tf.customGrad((phi) => {
    const value = tf.tidy(() =>
      scaled(
        layout === 'conv1d'
          ? tf.matMul(phi as tf.Tensor2D, weight) // phi (r, d_in) · W (d_in, d_out)
          : tf.transpose(tf.matMul(weight, phi as tf.Tensor2D, false, true)), // (W (d_out, d_in) · phiᵀ)ᵀ
      ),
    ); // (r, d_out)
    const gradFunc = (dy: tf.Tensor) =>
      tf.tidy(() =>
        scaled(
          layout === 'conv1d'
            ? tf.transpose(tf.matMul(weight, dy as tf.Tensor2D, false, true)) // (W (d_in, d_out) · dyᵀ)ᵀ
            : tf.matMul(dy as tf.Tensor2D, weight), // dy (r, d_out) · W (d_out, d_in)
        ),
      ); // (r, d_in)
    return { value: value as tf.Tensor2D, gradFunc };
  }) as (phi: tf.Tensor2D) => tf.Tensor2D;
}

/** y = base(x) + s · (x · psiᵀ) · (W · phiᵀ)ᵀ. */
function outputSide(x: tf.Tensor2D, base: BaseLinear, phi: tf.Variable, psi: tf.Variable, scale: number): tf.Tensor2D {
  return tf.tidy(() => {
    const phiW = generatedFactor(base.weight, base.module.layout, scale)(phi as tf.Tensor2D); // (r, d_out), times s
    const xPsi = tf.matMul(x, psi as tf.Tensor2D, false, true); // (N, r)
    return tf.add(base.apply(x), tf.matMul(xPsi, phiW)) as tf.Tensor2D; // (N, d_out)
  });
}

/**
 * y = base(x + s · (x · psiᵀ) · phi) as one op with its own gradient:
 *
 *   g  = dy · W (conv1d: dy · Wᵀ)       the input gradient of base   (N, d_in)
 *   du = s · g · phiᵀ                    u = x · psiᵀ                 (N, r)
 *   dphi = s · uᵀ · g,  dpsi = duᵀ · x,  dx = g + du · psi
 *
 * It keeps x and u for the backward pass (as LoRA keeps x and x · Aᵀ), not
 * the adjusted input, and never copies W.
 */
function inputSide(x: tf.Tensor2D, base: BaseLinear, phi: tf.Variable, psi: tf.Variable, scale: number): tf.Tensor2D {
  const scaled = scaledBy(scale);
  const op = tf.customGrad((input, phiIn, psiIn, save) => {
    const [xs, phiT, psiT] = [input, phiIn, psiIn] as tf.Tensor2D[];
    const su = scaled(tf.matMul(xs, psiT, false, true)) as tf.Tensor2D; // (N, r): s · x · psiᵀ
    const value = base.apply(tf.add(xs, tf.matMul(su, phiT)) as tf.Tensor2D); // (N, d_out)
    (save as tf.GradSaveFunc)([xs, su]); // last: saved tensors outlive the op's tidy, should anything throw
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.tidy(() => {
        const [savedX, savedSu] = saved as tf.Tensor2D[];
        // Input gradient of the base layer: y = a · Wᵀ (linear) or a · W (conv1d).
        const g = tf.matMul(dy as tf.Tensor2D, base.weight, false, base.module.layout === 'conv1d'); // (N, d_in)
        const du = scaled(tf.matMul(g, phiT, false, true)) as tf.Tensor2D; // (N, r)
        const dphi = tf.matMul(savedSu, g, true, false); // (r, d_in)
        const dpsi = tf.matMul(du, savedX, true, false); // (r, d_in)
        const dx = tf.add(g, tf.matMul(du, psiT)); // (N, d_in)
        return [dx, dphi, dpsi];
      });
    return { value, gradFunc };
  });
  return op(x, phi, psi) as tf.Tensor2D;
}

/** The hook of one module: the input side, or the output side where that is cheaper (see above). */
export function wegeftHook(phi: tf.Variable, psi: tf.Variable, scale: number, first: FirstAdaptedInput): LinearHook {
  return (x: tf.Tensor2D, base: BaseLinear) => {
    const untouched = first.isUntouched(base.module.path, x);
    // The input-side op returns no gradient for W and b: should they be trained too, autodiff must see them.
    const trainedBase = base.weight instanceof tf.Variable || base.bias instanceof tf.Variable;
    if (tf.engine().isTapeOn() && (untouched || trainedBase)) return outputSide(x, base, phi, psi, scale);
    return inputSide(x, base, phi, psi, scale);
  };
}
