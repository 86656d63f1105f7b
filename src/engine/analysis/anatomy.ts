/**
 * Update anatomy: where a method's ΔW goes, for one linear module, in float64
 * on the CPU (these are a few thin products and small SVDs per module).
 *
 * - ‖ΔW‖_F / ‖W‖_F: how large the update is against the weight it changes.
 * - ΔW's singular values and effective rank. A thin product ΔW = L·R is
 *   decomposed exactly from its factors (linalg productSvd), never built;
 *   a dense ΔW gets its top `denseSpectrum` values (Lanczos), and the whole
 *   spectrum when it is small enough for a dense SVD.
 * - Alignment with W, as Hu et al. (2021, LoRA, section 7) measure it: with
 *   U, V the top-r left and right singular vectors of ΔW, ‖UᵀWV‖_F is how
 *   much of W lies in ΔW's directions, and the amplification factor
 *   ‖ΔW‖_F / ‖UᵀWV‖_F says how strongly ΔW amplifies directions that W
 *   barely uses (large: new directions; near ‖ΔW‖/‖W‖: directions W already has).
 * - The share of ΔW's energy inside W's top-k left singular subspace,
 *   ‖U_kᵀ ΔW‖_F² / ‖ΔW‖_F² for a few k: WeGeFT's ΔW = s·W·φᵀ·ψ lies in W's
 *   column space by construction, so its energy follows W's spectrum;
 *   LoRA's B is free to point anywhere.
 *
 * Matrices are row-major in the logical (d_out, d_in) layout of torch.nn.Linear.
 */
import { productSvd, thinSvd, truncatedSvd, type DenseMatrix, type Svd } from '../linalg/svd';

/** A module's ΔW as the analysis reads it: thin factors, or dense. */
export type DeltaMatrix =
  | { kind: 'low-rank'; left: DenseMatrix; right: DenseMatrix }
  | { kind: 'dense'; matrix: DenseMatrix };

export interface AnatomyOptions {
  /** The k of "energy in W's top-k singular subspace" (those above min(d_out, d_in) are dropped). */
  energyKs?: readonly number[];
  /** How many singular values of a dense ΔW to compute when it is too large for a dense SVD. */
  denseSpectrum?: number;
  /** r of the alignment for a dense ΔW (a low-rank ΔW uses its own rank). */
  denseAlignmentRank?: number;
  /** W's top singular triplets, when the caller has them cached (at least max(energyKs) of them). */
  weightSvd?: Svd;
  /** A dense ΔW's top singular triplets, when the caller computed them (on the backend, for a large ΔW). */
  deltaSvd?: Svd;
}

export interface ModuleAnatomy {
  dOut: number;
  dIn: number;
  weightFro: number;
  deltaFro: number;
  /** ‖ΔW‖_F / ‖W‖_F. */
  deltaFroOverWeightFro: number;
  /** ΔW's singular values, descending (the top ones only when `spectrumComplete` is false). */
  deltaSingularValues: number[];
  spectrumComplete: boolean;
  /**
   * Roy & Vetterli's effective rank, exp(entropy of σᵢ / Σσ): 1 for a rank-one
   * update, r for r equal singular values; 0 for ΔW = 0. Over the computed
   * values when the spectrum is not complete.
   */
  effectiveRank: number;
  /** ‖ΔW‖_F² / σ₁², the stable rank (exact whatever the spectrum's completeness); 0 for ΔW = 0. */
  stableRank: number;
  /** r of the alignment: the singular directions of ΔW used for U and V. */
  alignmentRank: number;
  /** ‖UᵀWV‖_F. */
  projectedWeightFro: number;
  /** ‖UᵀWV‖_F / ‖W‖_F: how much of W lies in ΔW's top-r directions. */
  weightInDeltaDirections: number;
  /** ‖ΔW‖_F / ‖UᵀWV‖_F (Hu et al.); null when ΔW = 0 or UᵀWV = 0. */
  amplificationFactor: number | null;
  /** ‖U_kᵀ ΔW‖_F² / ‖ΔW‖_F² with U_k W's top-k left singular vectors; null share when ΔW = 0. */
  energyInWeightTopK: { k: number; share: number | null }[];
}

const DEFAULT_ENERGY_KS = [1, 4, 16];
/** Dense ΔW up to this min(d_out, d_in) get a full Jacobi SVD. */
const FULL_DENSE_SVD_LIMIT = 128;

/** The k of W's SVD that `anatomy` needs for these options. */
export function weightSvdRank(dOut: number, dIn: number, options: AnatomyOptions = {}): number {
  const ks = (options.energyKs ?? DEFAULT_ENERGY_KS).filter((k) => k <= Math.min(dOut, dIn));
  return Math.max(1, ...ks);
}

/** W's top singular triplets for `anatomy` (cache them per base weight: every run on the model shares them). */
export function weightSvdFor(weight: DenseMatrix, options: AnatomyOptions = {}): Svd {
  return truncatedSvd(weight, weightSvdRank(weight.rows, weight.cols, options));
}

export function anatomy(weight: DenseMatrix, delta: DeltaMatrix, options: AnatomyOptions = {}): ModuleAnatomy {
  const m = weight.rows;
  const n = weight.cols;
  const deltaShape = delta.kind === 'dense' ? [delta.matrix.rows, delta.matrix.cols] : [delta.left.rows, delta.right.cols];
  if (deltaShape[0] !== m || deltaShape[1] !== n) throw new Error(`ΔW is ${deltaShape[0]} × ${deltaShape[1]} but W is ${m} × ${n}`);
  const weightFro = frobenius(weight.data);
  const ks = (options.energyKs ?? DEFAULT_ENERGY_KS).filter((k) => k <= Math.min(m, n));

  // ΔW's SVD: exact from the factors, or (partial) from the dense matrix.
  let svd: Svd;
  let complete: boolean;
  let deltaFro: number;
  if (delta.kind === 'low-rank') {
    svd = productSvd(delta.left, delta.right);
    complete = true;
    deltaFro = Math.sqrt(svd.s.reduce((sum, s) => sum + s * s, 0));
  } else {
    deltaFro = frobenius(delta.matrix.data);
    if (options.deltaSvd) {
      svd = options.deltaSvd;
      complete = svd.k === Math.min(m, n);
    } else if (Math.min(m, n) <= FULL_DENSE_SVD_LIMIT) {
      svd = thinSvd(delta.matrix);
      complete = true;
    } else if (deltaFro === 0) {
      svd = { rows: m, cols: n, k: 0, u: new Float64Array(0), s: new Float64Array(0), v: new Float64Array(0) };
      complete = true;
    } else {
      const k = denseSpectrumSize(m, n, options);
      svd = truncatedSvd(delta.matrix, k);
      complete = k === Math.min(m, n);
    }
  }
  const sigma = Array.from(svd.s);
  const sigmaMax = sigma[0] ?? 0;

  // Alignment: U (m, r), V (n, r) the top-r singular vectors of ΔW; numerically zero directions dropped.
  const nonZero = sigma.filter((s) => s > sigmaMax * 1e-10).length;
  const wanted = delta.kind === 'low-rank' ? delta.left.cols : (options.denseAlignmentRank ?? 8);
  const r = Math.min(nonZero, wanted);
  const projected = r > 0 ? projectedFrobenius(weight, svd, r) : 0;

  let energy: { k: number; share: number | null }[] = ks.map((k) => ({ k, share: null }));
  if (deltaFro > 0 && ks.length > 0) {
    const wSvd = options.weightSvd ?? weightSvdFor(weight, options);
    if (wSvd.k < Math.max(...ks)) throw new Error(`W's cached SVD has ${wSvd.k} triplets, fewer than k = ${Math.max(...ks)}`);
    energy = ks.map((k) => ({ k, share: Math.min(1, energyInLeftSubspace(wSvd, k, delta) / (deltaFro * deltaFro)) }));
  }

  return {
    dOut: m,
    dIn: n,
    weightFro,
    deltaFro,
    deltaFroOverWeightFro: weightFro > 0 ? deltaFro / weightFro : 0,
    deltaSingularValues: sigma,
    spectrumComplete: complete,
    effectiveRank: effectiveRank(sigma),
    stableRank: sigmaMax > 0 ? (deltaFro * deltaFro) / (sigmaMax * sigmaMax) : 0,
    alignmentRank: r,
    projectedWeightFro: projected,
    weightInDeltaDirections: weightFro > 0 ? projected / weightFro : 0,
    amplificationFactor: deltaFro > 0 && projected > 0 ? deltaFro / projected : null,
    energyInWeightTopK: energy,
  };
}

/** How many singular values of a large dense ΔW are computed. */
export function denseSpectrumSize(m: number, n: number, options: AnatomyOptions = {}): number {
  return Math.min(options.denseSpectrum ?? 32, Math.min(m, n));
}

/** Dense ΔW up to this min(d_out, d_in) get a full Jacobi SVD inside `anatomy`. */
export function needsDenseSvd(m: number, n: number): boolean {
  return Math.min(m, n) > FULL_DENSE_SVD_LIMIT;
}

/** exp(−Σ pᵢ·ln pᵢ) with pᵢ = σᵢ / Σσ (Roy & Vetterli, 2007); 0 when every σ is 0. */
export function effectiveRank(singularValues: readonly number[]): number {
  const total = singularValues.reduce((sum, s) => sum + s, 0);
  if (!(total > 0)) return 0;
  let entropy = 0;
  for (const s of singularValues) {
    const p = s / total;
    if (p > 0) entropy -= p * Math.log(p);
  }
  return Math.exp(entropy);
}

/** ‖UᵀWV‖_F for the first r columns of the SVD's U and V: W·V (m, r), then Uᵀ·(W·V) (r, r). */
function projectedFrobenius(weight: DenseMatrix, svd: Svd, r: number): number {
  const { rows: m, cols: n, data } = weight;
  const wv = new Float64Array(m * r); // (m, r)
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const w = data[i * n + j];
      if (w === 0) continue;
      for (let q = 0; q < r; q++) wv[i * r + q] += w * svd.v[j * svd.k + q];
    }
  }
  let sum = 0;
  for (let p = 0; p < r; p++) {
    for (let q = 0; q < r; q++) {
      let c = 0;
      for (let i = 0; i < m; i++) c += svd.u[i * svd.k + p] * wv[i * r + q];
      sum += c * c;
    }
  }
  return Math.sqrt(sum);
}

/** ‖U_kᵀ ΔW‖_F² with U_k the first k left singular vectors in `wSvd`: (k, m) · ΔW, through the factors when thin. */
function energyInLeftSubspace(wSvd: Svd, k: number, delta: DeltaMatrix): number {
  const m = wSvd.rows;
  const projectRows = (matrix: DenseMatrix): Float64Array => {
    // U_kᵀ · matrix: (k, cols)
    const cols = matrix.cols;
    const out = new Float64Array(k * cols);
    for (let i = 0; i < m; i++) {
      const row = matrix.data.subarray(i * cols, (i + 1) * cols);
      for (let t = 0; t < k; t++) {
        const u = wSvd.u[i * wSvd.k + t];
        if (u === 0) continue;
        const dst = out.subarray(t * cols, (t + 1) * cols);
        for (let j = 0; j < cols; j++) dst[j] += u * row[j];
      }
    }
    return out;
  };
  if (delta.kind === 'dense') return sumOfSquares(projectRows(delta.matrix));
  const projectedLeft = projectRows(delta.left); // (k, r)
  const r = delta.left.cols;
  const n = delta.right.cols;
  let sum = 0;
  const row = new Float64Array(n);
  for (let t = 0; t < k; t++) {
    row.fill(0);
    for (let q = 0; q < r; q++) {
      const c = projectedLeft[t * r + q];
      if (c === 0) continue;
      for (let j = 0; j < n; j++) row[j] += c * delta.right.data[q * n + j];
    }
    sum += sumOfSquares(row);
  }
  return sum;
}

function frobenius(data: ArrayLike<number>): number {
  return Math.sqrt(sumOfSquares(data));
}

function sumOfSquares(data: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum += data[i] * data[i];
  return sum;
}
