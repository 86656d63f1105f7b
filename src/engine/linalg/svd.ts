/**
 * Truncated singular value decomposition in float64 on the CPU (tfjs has
 * none): A ≈ U · diag(S) · Vᵀ for the k largest singular values.
 *
 * - truncatedSvd: Golub–Kahan–Lanczos bidiagonalisation with full
 *   reorthogonalisation, stopped when the top-k Ritz triplets' residuals are
 *   below tolerance · σ₁ (or complete, and exact, after min(m, n) steps). It
 *   touches A only through A·v and Aᵀ·u, so a 768 × 2304 GPT-2 weight costs
 *   some passes over it, not the O(m·n·min(m, n)) of a dense SVD.
 * - randomizedSvd: Halko–Martinsson–Tropp subspace iteration, as
 *   torch.svd_lowrank computes it (q = k, `niter` power iterations), for
 *   PEFT's "pissa_niter_N". Its random start comes from the project's seeded
 *   generator, not torch's, so its (approximate) result is not torch's.
 * - thinSvd: one-sided (Hestenes) Jacobi, every singular value: the small
 *   problems of the two above, and exact results for small matrices.
 *
 * Matrices are row-major. Results are sorted by descending singular value;
 * a singular vector's sign is whatever the algorithm reached (as LAPACK's).
 */
import { createRng } from '../random';

/** A row-major dense matrix. */
export interface DenseMatrix {
  rows: number;
  cols: number;
  /** rows · cols values, row by row. */
  data: Float64Array | Float32Array;
}

/** A ≈ U · diag(S) · Vᵀ. */
export interface Svd {
  rows: number;
  cols: number;
  /** How many singular triplets. */
  k: number;
  /** (rows, k) row-major: the left singular vectors as columns. */
  u: Float64Array;
  /** (k): descending, ≥ 0. */
  s: Float64Array;
  /** (cols, k) row-major: the right singular vectors as columns. */
  v: Float64Array;
}

export interface TruncatedSvdOptions {
  /** Stop when every top-k residual ‖Aᵀu − σv‖ is below tolerance · σ₁ (default 1e-8). */
  tolerance?: number;
  /** Seed of the Lanczos start vector (default 0): the same seed gives the same bits. */
  seed?: number;
}

/** The k largest singular triplets of `a` (k ≤ min(rows, cols)). */
export function truncatedSvd(a: DenseMatrix, k: number, options: TruncatedSvdOptions = {}): Svd {
  checkShape(a, k);
  return lanczosSvd(a, k, options.tolerance ?? 1e-8, options.seed ?? 0);
}

export interface RandomizedSvdOptions {
  /** Power (subspace) iterations; PEFT's "pissa_niter_N" is N. */
  niter: number;
  /** Seed of the Gaussian test matrix (default 0). */
  seed?: number;
}

/** torch.svd_lowrank(A, q = k, niter): an approximate top-k SVD from a random k-dimensional subspace. */
export function randomizedSvd(a: DenseMatrix, k: number, options: RandomizedSvdOptions): Svd {
  checkShape(a, k);
  const { rows: m, cols: n } = a;
  const data = a.data;
  const gaussian = gaussianSource(options.seed ?? 0);
  // Q (m, k) as k columns: an orthonormal basis of A · R, R (n, k) Gaussian.
  let q = orthonormalColumns(Array.from({ length: k }, () => multiply(data, m, n, Float64Array.from({ length: n }, gaussian))));
  for (let i = 0; i < options.niter; i++) {
    const p = orthonormalColumns(q.map((col) => multiplyTransposed(data, m, n, col))); // (n, k)
    q = orthonormalColumns(p.map((col) => multiply(data, m, n, col))); // (m, k)
  }
  // B = Qᵀ·A (k, n); SVD of B's transpose (n, k) = Vb · S · Ubᵀ, so A ≈ (Q·Ub) · S · Vbᵀ.
  const bT = new Float64Array(n * k);
  q.forEach((col, j) => {
    const row = multiplyTransposed(data, m, n, col); // (n): column j of Bᵀ
    for (let i = 0; i < n; i++) bT[i * k + j] = row[i];
  });
  const small = thinSvd({ rows: n, cols: k, data: bT }); // left: Vb (n, k), right: Ub (k, k)
  const u = new Float64Array(m * k);
  for (let i = 0; i < m; i++) {
    for (let t = 0; t < k; t++) {
      let sum = 0;
      for (let j = 0; j < k; j++) sum += q[j][i] * small.v[j * k + t];
      u[i * k + t] = sum;
    }
  }
  return { rows: m, cols: n, k, u, s: small.s, v: small.u };
}

/**
 * Every singular triplet (k = min(rows, cols)) by one-sided Jacobi: columns
 * of A (or of Aᵀ when wider than tall) are rotated in pairs until mutually
 * orthogonal; their norms are then the singular values. Accurate to float64
 * rounding, O(m·n·min(m, n)) per sweep, for small matrices.
 */
export function thinSvd(a: DenseMatrix): Svd {
  const transposed = a.cols > a.rows;
  const m = transposed ? a.cols : a.rows; // tall: m ≥ n
  const n = transposed ? a.rows : a.cols;
  const source = toFloat64(a.data);
  // Columns of the tall matrix, each contiguous (length m), and Y = I (n columns of length n).
  const cols = Array.from({ length: n }, (_, j) => {
    const col = new Float64Array(m);
    for (let i = 0; i < m; i++) col[i] = transposed ? source[j * a.cols + i] : source[i * a.cols + j];
    return col;
  });
  const y = Array.from({ length: n }, (_, j) => {
    const col = new Float64Array(n);
    col[j] = 1;
    return col;
  });
  jacobiSweeps(cols, y);
  const s = new Float64Array(n);
  cols.forEach((col, j) => (s[j] = Math.sqrt(dot(col, col))));
  const order = [...s.keys()].sort((i, j) => s[j] - s[i]);
  const left = new Float64Array(m * n); // (m, n)
  const right = new Float64Array(n * n); // (n, n)
  const sorted = new Float64Array(n);
  order.forEach((j, t) => {
    sorted[t] = s[j];
    const inverse = s[j] > 0 ? 1 / s[j] : 0; // a zero singular value leaves its left vector zero
    for (let i = 0; i < m; i++) left[i * n + t] = cols[j][i] * inverse;
    for (let i = 0; i < n; i++) right[i * n + t] = y[j][i];
  });
  return transposed
    ? { rows: a.rows, cols: a.cols, k: n, u: right, s: sorted, v: left }
    : { rows: a.rows, cols: a.cols, k: n, u: left, s: sorted, v: right };
}

/** Rotates column pairs of `cols` (and the same rotations on `y`) until every pair is orthogonal. */
function jacobiSweeps(cols: Float64Array[], y: Float64Array[]): void {
  const n = cols.length;
  const eps = 1e-15;
  for (let sweep = 0; sweep < 80; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const cp = cols[p];
        const cq = cols[q];
        const alpha = dot(cp, cp);
        const beta = dot(cq, cq);
        const gamma = dot(cp, cq);
        if (Math.abs(gamma) <= eps * Math.sqrt(alpha * beta) || gamma === 0) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const sn = c * t;
        rotate(cp, cq, c, sn);
        rotate(y[p], y[q], c, sn);
      }
    }
    if (!rotated) return;
  }
}

function rotate(p: Float64Array, q: Float64Array, c: number, s: number): void {
  for (let i = 0; i < p.length; i++) {
    const a = p[i];
    const b = q[i];
    p[i] = c * a - s * b;
    q[i] = s * a + c * b;
  }
}

/**
 * Golub–Kahan–Lanczos: A·V_j = U_j·B_j and Aᵀ·U_j = V_j·B_jᵀ + β_j·v_{j+1}·e_jᵀ,
 * B_j upper bidiagonal (α on the diagonal, β above). With B_j = X·Σ·Yᵀ the
 * Ritz triplets are (U_j·x_i, σ_i, V_j·y_i), exact for A·v and off by
 * β_j·|X[j, i]| for Aᵀ·u: that is the residual the stopping test reads.
 * At j = min(m, n) steps the factorisation is complete and exact.
 */
function lanczosSvd(a: DenseMatrix, k: number, tolerance: number, seed: number): Svd {
  const { rows: m, cols: n } = a;
  // Weights arrive as float32: kept so (half the memory traffic of each pass), summed in float64.
  const data = a.data;
  const maxSteps = Math.min(m, n);
  const uBasis: Float64Array[] = [];
  const vBasis: Float64Array[] = [];
  const alphas: number[] = [];
  const betas: number[] = [];
  const gaussian = gaussianSource(seed);
  const freshUnit = (basis: Float64Array[], length: number) => {
    const w = Float64Array.from({ length }, gaussian);
    reorthogonalise(w, basis);
    scale(w, 1 / Math.sqrt(dot(w, w)));
    return w;
  };
  // A right start vector inside A's row space (Aᵀ·g): the Krylov space then
  // stays there, so min(m, n) steps span it whole and the result is exact
  // even for a wide A, whose row space is smaller than Rⁿ. A plain random
  // start would spend steps on its null-space component.
  const freshRowSpaceUnit = (basis: Float64Array[]) => {
    const w = multiplyTransposed(data, m, n, Float64Array.from({ length: m }, gaussian));
    reorthogonalise(w, basis);
    const norm = Math.sqrt(dot(w, w));
    return norm > 0 ? (scale(w, 1 / norm), w) : freshUnit(basis, n);
  };
  let v: Float64Array = freshRowSpaceUnit([]);
  let nextCheck = Math.min(maxSteps, Math.max(k + 8, 2 * k));
  for (let j = 0; j < maxSteps; j++) {
    vBasis.push(v);
    // u_j = A·v_j − β_{j−1}·u_{j−1}, orthogonal to every earlier u.
    const u = multiply(data, m, n, v);
    if (j > 0) axpy(-betas[j - 1], uBasis[j - 1], u);
    reorthogonalise(u, uBasis);
    let alpha = Math.sqrt(dot(u, u));
    const breakdown = 1e-14 * Math.max(1, alphas[0] ?? 0);
    if (alpha <= breakdown) {
      alpha = 0; // A·v_j lies in the span found so far: continue from a fresh direction
      uBasis.push(freshUnit(uBasis, m));
    } else {
      scale(u, 1 / alpha);
      uBasis.push(u);
    }
    alphas.push(alpha);
    if (j + 1 === maxSteps) break;
    // v_{j+1} = Aᵀ·u_j − α_j·v_j, orthogonal to every earlier v.
    const w = multiplyTransposed(data, m, n, uBasis[j]);
    axpy(-alpha, v, w);
    reorthogonalise(w, vBasis);
    let beta = Math.sqrt(dot(w, w));
    if (j + 1 >= nextCheck) {
      const small = bidiagonalSvd(alphas, betas);
      if (converged(small, k, beta, tolerance)) return ritz(a, small, uBasis, vBasis, k);
      nextCheck = Math.min(maxSteps, j + 1 + Math.max(4, Math.ceil((j + 1) / 4)));
    }
    if (beta <= breakdown) {
      beta = 0; // an invariant subspace: the next v starts afresh, uncoupled (β = 0)
      v = freshRowSpaceUnit(vBasis);
    } else {
      scale(w, 1 / beta);
      v = w;
    }
    betas.push(beta);
  }
  return ritz(a, bidiagonalSvd(alphas, betas), uBasis, vBasis, k);
}

/** B_j's SVD from the eigenvectors of the tridiagonal BᵀB: σ descending, Y (size, size) as columns, X = B·Y / σ. */
interface SmallSvd {
  size: number;
  s: Float64Array;
  /** x[t]: left vector t (length size). */
  x: Float64Array[];
  /** y[t]: right vector t (length size). */
  y: Float64Array[];
}

/**
 * BᵀB (diagonal α_i² + β_{i−1}², off-diagonal α_i·β_i) by implicit QL. Only
 * the top-k triplets are used, whose σ² are far above float64 rounding, so
 * forming BᵀB costs them no accuracy that matters.
 */
function bidiagonalSvd(alphas: number[], betas: number[]): SmallSvd {
  const size = alphas.length;
  const d = new Float64Array(size);
  const e = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    d[i] = alphas[i] * alphas[i] + (i > 0 ? betas[i - 1] * betas[i - 1] : 0);
    if (i + 1 < size) e[i] = alphas[i] * betas[i];
  }
  const vectors = symmetricTridiagonalEigen(d, e);
  const order = [...d.keys()].sort((i, j) => d[j] - d[i]);
  const s = Float64Array.from(order, (i) => Math.sqrt(Math.max(d[i], 0)));
  const y = order.map((i) => vectors[i]);
  const x = y.map((yt, t) => {
    const xt = new Float64Array(size); // B·y / σ: B has α on the diagonal, β above
    const inverse = s[t] > 0 ? 1 / s[t] : 0;
    for (let r = 0; r < size; r++) xt[r] = (alphas[r] * yt[r] + (r + 1 < size ? betas[r] * yt[r + 1] : 0)) * inverse;
    return xt;
  });
  return { size, s, x, y };
}

/**
 * Eigen-decomposition of a symmetric tridiagonal matrix (diagonal d,
 * off-diagonal e[i] between i and i + 1) by implicit QL with Wilkinson
 * shifts (the EISPACK tql2 scheme). d is overwritten with the eigenvalues;
 * returns the eigenvectors, vectors[i] belonging to d[i].
 */
export function symmetricTridiagonalEigen(d: Float64Array, e: Float64Array): Float64Array[] {
  const n = d.length;
  // z[i] is column i of the accumulated rotations: contiguous, so each rotation streams two arrays.
  const z = Array.from({ length: n }, (_, i) => {
    const col = new Float64Array(n);
    col[i] = 1;
    return col;
  });
  const off = Float64Array.from({ length: n }, (_, i) => (i + 1 < n ? e[i] : 0));
  for (let l = 0; l < n; l++) {
    for (let iteration = 0; ; iteration++) {
      let m = l;
      for (; m < n - 1; m++) {
        const scaleSum = Math.abs(d[m]) + Math.abs(d[m + 1]);
        if (Math.abs(off[m]) <= Number.EPSILON * scaleSum) break;
      }
      if (m === l) break;
      if (iteration === 100) throw new Error('symmetricTridiagonalEigen: no convergence after 100 QL iterations');
      let g = (d[l + 1] - d[l]) / (2 * off[l]);
      let r = Math.hypot(g, 1);
      g = d[m] - d[l] + off[l] / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let p = 0;
      let i = m - 1;
      let deflated = false;
      for (; i >= l; i--) {
        const f = s * off[i];
        const b = c * off[i];
        r = Math.hypot(f, g);
        off[i + 1] = r;
        if (r === 0) {
          d[i + 1] -= p; // an exact zero split the matrix: restart on the smaller block
          off[m] = 0;
          deflated = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
        const zi = z[i];
        const zi1 = z[i + 1];
        for (let k = 0; k < n; k++) {
          const t = zi1[k];
          zi1[k] = s * zi[k] + c * t;
          zi[k] = c * zi[k] - s * t;
        }
      }
      if (deflated) continue;
      d[l] -= p;
      off[l] = g;
      off[m] = 0;
    }
  }
  // z's columns are the eigenvectors; z[i] is column i as built, so each is already contiguous.
  return z;
}

/** Whether the top-k Ritz triplets have residual β·|X[j, i]| ≤ tolerance·σ₁. */
function converged(small: SmallSvd, k: number, beta: number, tolerance: number): boolean {
  if (small.size < k) return false;
  const last = small.size - 1;
  const limit = tolerance * Math.max(small.s[0], Number.MIN_VALUE);
  for (let t = 0; t < k; t++) if (beta * Math.abs(small.x[t][last]) > limit) return false;
  return true;
}

/** The top-k Ritz triplets: U = U_j·X, V = V_j·Y. */
function ritz(a: DenseMatrix, small: SmallSvd, uBasis: Float64Array[], vBasis: Float64Array[], k: number): Svd {
  const combine = (basis: Float64Array[], coefficients: Float64Array[], length: number) => {
    const out = new Float64Array(length * k); // (length, k)
    for (let t = 0; t < k; t++) {
      const ct = coefficients[t];
      for (let j = 0; j < small.size; j++) {
        const c = ct[j];
        if (c === 0) continue;
        const b = basis[j];
        for (let i = 0; i < length; i++) out[i * k + t] += c * b[i];
      }
    }
    return out;
  };
  return {
    rows: a.rows, cols: a.cols, k,
    u: combine(uBasis, small.x, a.rows),
    s: small.s.slice(0, k),
    v: combine(vBasis, small.y, a.cols),
  };
}

/** The first k triplets of an SVD. */
function leading(svd: Svd, k: number): Svd {
  const take = (values: Float64Array, length: number) => {
    const out = new Float64Array(length * k);
    for (let i = 0; i < length; i++) for (let t = 0; t < k; t++) out[i * k + t] = values[i * svd.k + t];
    return out;
  };
  return { rows: svd.rows, cols: svd.cols, k, u: take(svd.u, svd.rows), s: svd.s.slice(0, k), v: take(svd.v, svd.cols) };
}

function checkShape(a: DenseMatrix, k: number): void {
  if (a.data.length !== a.rows * a.cols) throw new Error(`matrix data has ${a.data.length} values, not ${a.rows} × ${a.cols}`);
  if (!Number.isInteger(k) || k < 1 || k > Math.min(a.rows, a.cols)) {
    throw new Error(`k must be a whole number in [1, ${Math.min(a.rows, a.cols)}] for a ${a.rows} × ${a.cols} matrix, got ${k}`);
  }
}

/** Orthonormal columns spanning `columns` (modified Gram–Schmidt, twice); a dependent column becomes a fresh one. */
export function orthonormalColumns(columns: Float64Array[]): Float64Array[] {
  const out: Float64Array[] = [];
  for (const col of columns) {
    const w = col.slice();
    reorthogonalise(w, out);
    const norm = Math.sqrt(dot(w, w));
    scale(w, norm > 0 ? 1 / norm : 0);
    out.push(w);
  }
  return out;
}

/** w ← w − Q·(Qᵀ·w), twice ("twice is enough" for full orthogonality in floating point). */
function reorthogonalise(w: Float64Array, basis: Float64Array[]): void {
  for (let pass = 0; pass < 2; pass++) for (const q of basis) axpy(-dot(q, w), q, w);
}

/** A·x, A (m, n) row-major. */
function multiply(a: Float64Array | Float32Array, m: number, n: number, x: Float64Array): Float64Array {
  const out = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let sum = 0;
    const row = i * n;
    for (let j = 0; j < n; j++) sum += a[row + j] * x[j];
    out[i] = sum;
  }
  return out;
}

/** Aᵀ·y, A (m, n) row-major: row by row, so memory is read in order. */
function multiplyTransposed(a: Float64Array | Float32Array, m: number, n: number, y: Float64Array): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    const yi = y[i];
    if (yi === 0) continue;
    const row = i * n;
    for (let j = 0; j < n; j++) out[j] += a[row + j] * yi;
  }
  return out;
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

/** y ← y + c·x */
function axpy(c: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] += c * x[i];
}

function scale(x: Float64Array, c: number): void {
  for (let i = 0; i < x.length; i++) x[i] *= c;
}

function toFloat64(data: Float64Array | Float32Array): Float64Array {
  return data instanceof Float64Array ? data : Float64Array.from(data);
}

/** Standard normal samples (Box–Muller) from the seeded generator. */
export function gaussianSource(seed: number): () => number {
  const random = createRng(seed);
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/**
 * The SVD of left · right without forming the (m, n) product: left (m, k),
 * right (k, n). left = U_l·S_l·V_lᵀ, then M = S_l·V_lᵀ·right (k, n) =
 * U_m·S·V_mᵀ, so left · right = (U_l·U_m) · S · V_mᵀ. Exact (two small
 * Jacobi SVDs), O((m + n)·k²): a low-rank update's whole spectrum for the
 * cost of its factors. min(m, n, k) triplets.
 */
export function productSvd(left: DenseMatrix, right: DenseMatrix): Svd {
  if (left.cols !== right.rows) throw new Error(`cannot multiply ${left.rows} × ${left.cols} by ${right.rows} × ${right.cols}`);
  const m = left.rows;
  const n = right.cols;
  const l = thinSvd(left); // u (m, kl), v (k, kl)
  const kl = l.k;
  const k = left.cols;
  const rightData = toFloat64(right.data);
  const middle = new Float64Array(kl * n); // M (kl, n) = S_l · V_lᵀ · right
  for (let t = 0; t < kl; t++) {
    const row = middle.subarray(t * n, (t + 1) * n);
    for (let i = 0; i < k; i++) {
      const c = l.s[t] * l.v[i * kl + t];
      if (c === 0) continue;
      const src = rightData.subarray(i * n, (i + 1) * n);
      for (let j = 0; j < n; j++) row[j] += c * src[j];
    }
  }
  const mid = thinSvd({ rows: kl, cols: n, data: middle }); // u (kl, km), v (n, km)
  const km = mid.k;
  const u = new Float64Array(m * km); // U_l (m, kl) · U_m (kl, km)
  for (let i = 0; i < m; i++) {
    for (let t = 0; t < kl; t++) {
      const c = l.u[i * kl + t];
      if (c === 0) continue;
      for (let q = 0; q < km; q++) u[i * km + q] += c * mid.u[t * km + q];
    }
  }
  return { rows: m, cols: n, k: km, u, s: mid.s, v: mid.v };
}
