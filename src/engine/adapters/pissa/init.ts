/**
 * PiSSA's initialisation (PEFT's LoraLayer.pissa_init), on the CPU in float64:
 *
 *   W = U·diag(S)·Vᵀ (W as (d_out, d_in)); keep the top r
 *   A = diag(√(S_r / s))·V_rᵀ   (r, d_in)      B = U_r·diag(√(S_r / s))   (d_out, r)
 *   W_res = W − s·B·A, which replaces W, so W_res + s·B·A = W at the start.
 *
 * A and B are rounded to float32 before W_res is formed, so the start equals
 * the base layer up to W_res's own rounding. GPT-2's Conv1D stores W
 * transposed; W_res is returned in the stored layout.
 */
import { randomizedSvd, truncatedSvd } from '../../linalg/svd';
import type { LinearModule } from '../../models/types';
import { deriveSeed } from '../../random';

export interface PissaStart {
  /** (r, d_in) */
  a: Float32Array;
  /** (d_out, r) */
  b: Float32Array;
  /** W − s·B·A in the weight's storage layout. */
  residual: Float32Array;
}

/**
 * `weight` as stored; `niter` null for the exact SVD ("pissa"), else the
 * randomized one ("pissa_niter_N"), whose random start is seeded from the
 * module path alone so that loading the adapter rebuilds the same residual.
 */
export function pissaStart(weight: Float32Array, module: LinearModule, rank: number, scale: number, niter: number | null): PissaStart {
  const { dIn, dOut } = module;
  const linear = module.layout === 'linear' ? weight : transpose(weight, dIn, dOut); // (d_out, d_in)
  const matrix = { rows: dOut, cols: dIn, data: linear };
  const seed = deriveSeed(0, `pissa:${module.path}`);
  const svd = niter === null ? truncatedSvd(matrix, rank, { seed }) : randomizedSvd(matrix, rank, { niter, seed });
  const a = new Float32Array(rank * dIn);
  const b = new Float32Array(dOut * rank);
  for (let t = 0; t < rank; t++) {
    const root = Math.sqrt(svd.s[t] / scale);
    for (let j = 0; j < dIn; j++) a[t * dIn + j] = root * svd.v[j * rank + t];
    for (let i = 0; i < dOut; i++) b[i * rank + t] = svd.u[i * rank + t] * root;
  }
  const residual = new Float32Array(dOut * dIn);
  for (let i = 0; i < dOut; i++) {
    for (let j = 0; j < dIn; j++) {
      let low = 0;
      for (let t = 0; t < rank; t++) low += b[i * rank + t] * a[t * dIn + j];
      residual[i * dIn + j] = linear[i * dIn + j] - scale * low;
    }
  }
  return { a, b, residual: module.layout === 'linear' ? residual : transpose(residual, dOut, dIn) };
}

/** (rows, cols) row-major → (cols, rows). */
function transpose(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = values[i * cols + j];
  return out;
}
