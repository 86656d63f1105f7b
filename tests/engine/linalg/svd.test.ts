/**
 * The engine's SVD against float64 references built here, independently of
 * it: matrices made as Q₁·diag(s)·Q₂ᵀ from random orthonormal columns (so
 * the exact singular triplets are known), reconstruction, rank-deficient
 * and wide/tall cases, the randomized variant, and the time budget on the
 * bundled models' shapes.
 */
import { describe, expect, it } from 'vitest';
import { randomizedSvd, symmetricTridiagonalEigen, thinSvd, truncatedSvd, type Svd } from '../../../src/engine/linalg/svd';
import { createRng } from '../../../src/engine/random';

function gaussian(seed: number): () => number {
  const random = createRng(seed);
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** `count` orthonormal columns of length `length` (modified Gram–Schmidt of Gaussian vectors). */
function orthonormal(length: number, count: number, seed: number): Float64Array[] {
  const g = gaussian(seed);
  const out: Float64Array[] = [];
  while (out.length < count) {
    const w = Float64Array.from({ length }, g);
    for (let pass = 0; pass < 2; pass++) {
      for (const q of out) {
        let c = 0;
        for (let i = 0; i < length; i++) c += q[i] * w[i];
        for (let i = 0; i < length; i++) w[i] -= c * q[i];
      }
    }
    const norm = Math.hypot(...w);
    out.push(w.map((x) => x / norm));
  }
  return out;
}

/** A = Σ_t s_t · p_t · q_tᵀ (rows, cols), with its exact factors. */
function knownSvd(rows: number, cols: number, s: number[], seed: number) {
  const p = orthonormal(rows, s.length, seed);
  const q = orthonormal(cols, s.length, seed + 1);
  const data = new Float64Array(rows * cols);
  s.forEach((st, t) => {
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[i * cols + j] += st * p[t][i] * q[t][j];
  });
  return { matrix: { rows, cols, data }, p, q };
}

const column = (values: Float64Array, length: number, k: number, t: number) => Float64Array.from({ length }, (_, i) => values[i * k + t]);
const dot = (a: Float64Array, b: Float64Array) => a.reduce((sum, x, i) => sum + x * b[i], 0);

/** max |Uᵀ·U − I| over the k columns. */
function orthogonalityError(values: Float64Array, length: number, k: number): number {
  let worst = 0;
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) {
      worst = Math.max(worst, Math.abs(dot(column(values, length, k, a), column(values, length, k, b)) - (a === b ? 1 : 0)));
    }
  }
  return worst;
}

function expectMatchesKnown(svd: Svd, s: number[], p: Float64Array[], q: Float64Array[], k: number, tolerance: number): void {
  expect(svd.k).toBe(k);
  for (let t = 0; t < k; t++) {
    expect(Math.abs(svd.s[t] - s[t]) / s[0], `σ${t}`).toBeLessThanOrEqual(tolerance);
    // Singular vectors are defined up to sign.
    expect(1 - Math.abs(dot(column(svd.u, svd.rows, k, t), p[t])), `u${t}`).toBeLessThanOrEqual(tolerance);
    expect(1 - Math.abs(dot(column(svd.v, svd.cols, k, t), q[t])), `v${t}`).toBeLessThanOrEqual(tolerance);
  }
  expect(orthogonalityError(svd.u, svd.rows, k)).toBeLessThanOrEqual(1e-10);
  expect(orthogonalityError(svd.v, svd.cols, k)).toBeLessThanOrEqual(1e-10);
}

describe('truncatedSvd (Lanczos)', () => {
  it.each([
    [60, 90, 6],
    [90, 60, 6],
    [200, 310, 12],
    [310, 200, 12],
  ])('finds the top k triplets of a %i × %i matrix of known SVD (k = %i)', (rows, cols, k) => {
    // Full rank, slowly decaying spectrum with distinct values: every direction matters.
    const full = Math.min(rows, cols);
    const s = Array.from({ length: full }, (_, i) => 10 * Math.pow(0.97, i) + 0.01 * (full - i));
    const { matrix, p, q } = knownSvd(rows, cols, s, rows + cols);
    expectMatchesKnown(truncatedSvd(matrix, k), s, p, q, k, 1e-9);
  });

  it('reads float32 data as the same numbers', () => {
    const s = [5, 4, 3, 2, 1, 0.5];
    const { matrix } = knownSvd(40, 70, s, 5);
    const f32 = { ...matrix, data: Float32Array.from(matrix.data) };
    const exact = truncatedSvd({ ...matrix, data: Float64Array.from(f32.data) }, 3);
    expect([...truncatedSvd(f32, 3).s]).toEqual([...exact.s]);
  });

  it('handles a rank-deficient matrix: the extra singular values are 0', () => {
    const s = [7, 3, 1];
    const { matrix, p, q } = knownSvd(50, 80, s, 9);
    const svd = truncatedSvd(matrix, 5);
    expectMatchesKnown({ ...svd, k: 3, u: slice(svd.u, 50, 5, 3), v: slice(svd.v, 80, 5, 3) }, s, p, q, 3, 1e-10);
    expect(svd.s[3]).toBeLessThanOrEqual(1e-12);
    expect(svd.s[4]).toBeLessThanOrEqual(1e-12);
  });

  it('is exact on a wide matrix whose k is close to its rows (the start vector lies in the row space)', () => {
    // A 9 × 14 Gaussian matrix, k = 8 of its 9 singular values: with a start
    // vector outside the row space, 9 steps did not span it and σ₄ was missed.
    const g = gaussian(11);
    const wide = { rows: 9, cols: 14, data: Float64Array.from({ length: 9 * 14 }, g) };
    const exact = thinSvd(wide);
    const lanczos = truncatedSvd(wide, 8);
    for (let t = 0; t < 8; t++) expect(lanczos.s[t]).toBeCloseTo(exact.s[t], 9);
  });

  it('is deterministic for a seed', () => {
    const { matrix } = knownSvd(45, 30, [3, 2, 1, 0.5], 2);
    expect([...truncatedSvd(matrix, 2, { seed: 4 }).u]).toEqual([...truncatedSvd(matrix, 2, { seed: 4 }).u]);
  });

  it('refuses a k outside [1, min(rows, cols)]', () => {
    const matrix = { rows: 3, cols: 4, data: new Float64Array(12) };
    expect(() => truncatedSvd(matrix, 4)).toThrow(/k must be/);
    expect(() => truncatedSvd(matrix, 0)).toThrow(/k must be/);
    expect(() => truncatedSvd({ rows: 3, cols: 4, data: new Float64Array(11) }, 1)).toThrow(/11 values/);
  });

  it("takes well under a second on the bundled models' largest weight (128 × 512, k = 16)", () => {
    const g = gaussian(1);
    const data = Float32Array.from({ length: 128 * 512 }, g);
    const start = performance.now();
    const svd = truncatedSvd({ rows: 128, cols: 512, data }, 16);
    expect(performance.now() - start).toBeLessThan(1000);
    // Against Jacobi on the same matrix.
    const reference = thinSvd({ rows: 128, cols: 512, data: Float64Array.from(data) });
    for (let t = 0; t < 16; t++) expect(Math.abs(svd.s[t] - reference.s[t]) / reference.s[t]).toBeLessThanOrEqual(1e-10);
  });
});

function slice(values: Float64Array, length: number, k: number, keep: number): Float64Array {
  const out = new Float64Array(length * keep);
  for (let i = 0; i < length; i++) for (let t = 0; t < keep; t++) out[i * keep + t] = values[i * k + t];
  return out;
}

describe('thinSvd (Jacobi)', () => {
  it.each([
    [20, 35],
    [35, 20],
    [1, 7],
  ])('reconstructs a random %i × %i matrix to float64 rounding', (rows, cols) => {
    const g = gaussian(rows * 100 + cols);
    const data = Float64Array.from({ length: rows * cols }, g);
    const svd = thinSvd({ rows, cols, data });
    let worst = 0;
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        let sum = 0;
        for (let t = 0; t < svd.k; t++) sum += svd.u[i * svd.k + t] * svd.s[t] * svd.v[j * svd.k + t];
        worst = Math.max(worst, Math.abs(sum - data[i * cols + j]));
      }
    }
    expect(worst).toBeLessThanOrEqual(1e-12 * svd.s[0]);
    for (let t = 1; t < svd.k; t++) expect(svd.s[t]).toBeLessThanOrEqual(svd.s[t - 1]);
  });
});

describe('randomizedSvd (torch.svd_lowrank)', () => {
  it('is exact on a matrix of rank k', () => {
    const s = [9, 4, 2, 1];
    const { matrix, p, q } = knownSvd(70, 50, s, 12);
    expectMatchesKnown(randomizedSvd(matrix, 4, { niter: 2 }), s, p, q, 4, 1e-10);
  });

  it('approaches the top singular values as niter grows', () => {
    const s = Array.from({ length: 40 }, (_, i) => Math.pow(0.8, i));
    const { matrix } = knownSvd(80, 60, s, 3);
    const error = (niter: number) => Math.abs(randomizedSvd(matrix, 5, { niter, seed: 1 }).s[4] - s[4]) / s[4];
    // Without oversampling (q = k, as PEFT calls it) the k-th value converges like (σ_{k+1}/σ_k)^(2·niter).
    expect(error(6)).toBeLessThan(error(0) / 10);
    expect(error(6)).toBeLessThanOrEqual(1e-2);
  });
});

describe('symmetricTridiagonalEigen', () => {
  it('gives T·z = λ·z with orthonormal z', () => {
    const g = gaussian(8);
    const n = 14;
    const d = Float64Array.from({ length: n }, g);
    const e = Float64Array.from({ length: n - 1 }, g);
    const [diag, offDiag] = [d.slice(), e.slice()];
    const vectors = symmetricTridiagonalEigen(d, e);
    for (let i = 0; i < n; i++) {
      const z = vectors[i];
      for (let r = 0; r < n; r++) {
        const tz = diag[r] * z[r] + (r > 0 ? offDiag[r - 1] * z[r - 1] : 0) + (r + 1 < n ? offDiag[r] * z[r + 1] : 0);
        expect(Math.abs(tz - d[i] * z[r])).toBeLessThanOrEqual(1e-12);
      }
      for (let j = 0; j < n; j++) expect(Math.abs(dot(z, vectors[j]) - (i === j ? 1 : 0))).toBeLessThanOrEqual(1e-12);
    }
  });
});
