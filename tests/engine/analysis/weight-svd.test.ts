/**
 * The backend's randomized top-k SVD of real-size weights against the exact
 * float64 Lanczos SVD, on a matrix with a decaying spectrum as trained
 * weights have (σᵢ = 0.93ⁱ): the singular values and the top-k subspace
 * agree to 1e-4, in both storage layouts, and no tensor leaks.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXACT_LIMIT, weightTopSvd } from '../../../src/engine/analysis/weight-svd';
import { orthonormalColumns, gaussianSource, truncatedSvd, type Svd } from '../../../src/engine/linalg/svd';
import { useBackend } from '../../helpers/backend';

const M = 300;
const N = 280;
const K = 16;

/** A (M, N) matrix U·diag(0.93ⁱ)·Vᵀ with random orthonormal U, V, row-major. */
function decayingMatrix(): Float64Array {
  const g = gaussianSource(7);
  const u = orthonormalColumns(Array.from({ length: N }, () => Float64Array.from({ length: M }, g)));
  const v = orthonormalColumns(Array.from({ length: N }, () => Float64Array.from({ length: N }, g)));
  const a = new Float64Array(M * N);
  for (let t = 0; t < N; t++) {
    const s = 0.93 ** t;
    for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) a[i * N + j] += u[t][i] * s * v[t][j];
  }
  return a;
}

/** ‖P_A − P_B‖ for the first k left vectors: the largest |1 − cos| over principal angles, as Σ (1 − σ(UaᵀUb)²). */
function subspaceGap(a: Svd, b: Svd, k: number): number {
  let captured = 0;
  for (let p = 0; p < k; p++) {
    for (let q = 0; q < k; q++) {
      let c = 0;
      for (let i = 0; i < a.rows; i++) c += a.u[i * a.k + p] * b.u[i * b.k + q];
      captured += c * c;
    }
  }
  return k - captured; // 0 when the subspaces are equal
}

beforeAll(async () => {
  await useBackend('cpu');
});

describe('weightTopSvd (randomized, products on the backend)', () => {
  const data = decayingMatrix();
  const exact = truncatedSvd({ rows: M, cols: N, data }, K);

  it.each(['linear', 'conv1d'] as const)('agrees with the exact SVD on a decaying spectrum (%s storage)', async (layout) => {
    expect(Math.min(M, N)).toBeGreaterThan(EXACT_LIMIT); // the randomized path is the one tested
    const stored = layout === 'linear'
      ? tf.tensor2d(Float32Array.from(data), [M, N])
      : tf.tidy(() => tf.transpose(tf.tensor2d(Float32Array.from(data), [M, N])) as tf.Tensor2D);
    const before = tf.memory().numTensors;
    const svd = await weightTopSvd(stored, layout, K, null);
    expect(tf.memory().numTensors).toBe(before);
    stored.dispose();
    expect([svd.rows, svd.cols, svd.k]).toEqual([M, N, K]);
    for (let t = 0; t < K; t++) expect(Math.abs(svd.s[t] - exact.s[t])).toBeLessThan(1e-4);
    expect(subspaceGap(svd, exact, K)).toBeLessThan(1e-4);
  });

  it('takes the exact path for a small weight', async () => {
    const small = { rows: 20, cols: 12, data: Float64Array.from({ length: 240 }, gaussianSource(3)) };
    const stored = tf.tensor2d(Float32Array.from(small.data), [20, 12]);
    const svd = await weightTopSvd(stored, 'linear', 4, small);
    stored.dispose();
    const reference = truncatedSvd(small, 4);
    expect([...svd.s]).toEqual([...reference.s]);
  });
});
