/**
 * The top singular triplets of a real-size weight, with its big products on
 * the backend (WebGPU, WASM: tfjs matMul) and the small steps in float64 on
 * the CPU: randomized subspace iteration (Halko, Martinsson & Tropp 2011,
 * algorithm 4.4). Q spans W·Ω for a Gaussian Ω with k + oversampling
 * columns, refined by `niter` passes of Wᵀ then W with re-orthonormalisation
 * between them; then B = Qᵀ·W is small, its SVD exact, and W ≈ (Q·U_B)·S·V_Bᵀ.
 *
 * Lanczos in JavaScript (linalg/svd.ts) is exact but needs up to min(m, n)
 * passes over W when the spectrum has no gap; a GPT-2 small weight then
 * costs seconds, and 48 of them minutes. Here each pass is one matMul with
 * a thin matrix. The bundled models' weights (min(m, n) ≤ EXACT_LIMIT) keep
 * the exact path.
 */
import * as tf from '@tensorflow/tfjs';
import { gaussianSource, orthonormalColumns, thinSvd, truncatedSvd, type DenseMatrix, type Svd } from '../linalg/svd';
import type { LinearModule } from '../models/types';

/** Weights up to this min(d_out, d_in) get the exact (Lanczos) SVD. */
export const EXACT_LIMIT = 256;

export interface BackendSvdOptions {
  /** Extra columns beyond k (default 10). */
  oversample?: number;
  /** Power iterations (default 4). */
  niter?: number;
  seed?: number;
}

/**
 * The top-k SVD of a stored weight in its logical (d_out, d_in) layout:
 * `stored` is (d_out, d_in) for `linear`, (d_in, d_out) for `conv1d`.
 * `exact`, the same matrix on the CPU, takes the exact path when it is small.
 */
export async function weightTopSvd(stored: tf.Tensor2D, layout: LinearModule['layout'], k: number, exact: DenseMatrix | null, options: BackendSvdOptions = {}): Promise<Svd> {
  const [m, n] = layout === 'conv1d' ? [stored.shape[1], stored.shape[0]] : stored.shape;
  if (exact && Math.min(m, n) <= EXACT_LIMIT) return truncatedSvd(exact, k);
  const q = Math.min(k + (options.oversample ?? 10), Math.min(m, n));
  const transposedStorage = layout === 'conv1d';
  // W·X and Wᵀ·X for a thin X, whatever the storage layout.
  const times = (x: tf.Tensor2D) => tf.matMul(stored, x, transposedStorage, false) as tf.Tensor2D; // (m, q)
  const transposeTimes = (x: tf.Tensor2D) => tf.matMul(stored, x, !transposedStorage, false) as tf.Tensor2D; // (n, q)
  const gaussian = gaussianSource(options.seed ?? 0);
  let basis = await orthonormalised(times, Array.from({ length: q }, () => Float64Array.from({ length: n }, gaussian)), n);
  for (let i = 0; i < (options.niter ?? 4); i++) {
    const right = await orthonormalised(transposeTimes, basis, m);
    basis = await orthonormalised(times, right, n);
  }
  // Bᵀ = Wᵀ·Q (n, q); its SVD Bᵀ = V_B·S·U_Bᵀ gives W ≈ (Q·U_B)·S·V_Bᵀ.
  const bt = await columnsOf(transposeTimes, basis, m); // q columns of length n
  const btMatrix = new Float64Array(n * q);
  bt.forEach((col, j) => col.forEach((v, i) => (btMatrix[i * q + j] = v)));
  const small = thinSvd({ rows: n, cols: q, data: btMatrix }); // u: V_B (n, q), v: U_B (q, q)
  const u = new Float64Array(m * k);
  const v = new Float64Array(n * k);
  for (let t = 0; t < k; t++) {
    for (let i = 0; i < m; i++) {
      let sum = 0;
      for (let j = 0; j < q; j++) sum += basis[j][i] * small.v[j * q + t];
      u[i * k + t] = sum;
    }
    for (let i = 0; i < n; i++) v[i * k + t] = small.u[i * q + t];
  }
  return { rows: m, cols: n, k, u, s: small.s.slice(0, k), v };
}

/** product(X) for X with the given columns (each of length `length`), as float64 columns. */
async function columnsOf(product: (x: tf.Tensor2D) => tf.Tensor2D, columns: Float64Array[], length: number): Promise<Float64Array[]> {
  const q = columns.length;
  const x = new Float32Array(length * q); // (length, q) row-major
  columns.forEach((col, j) => col.forEach((value, i) => (x[i * q + j] = value)));
  const input = tf.tensor2d(x, [length, q]);
  const out = product(input);
  input.dispose();
  try {
    const rows = out.shape[0];
    const values = await out.data();
    return Array.from({ length: q }, (_, j) => Float64Array.from({ length: rows }, (_, i) => values[i * q + j]));
  } finally {
    out.dispose();
  }
}

async function orthonormalised(product: (x: tf.Tensor2D) => tf.Tensor2D, columns: Float64Array[], length: number): Promise<Float64Array[]> {
  return orthonormalColumns(await columnsOf(product, columns, length));
}
