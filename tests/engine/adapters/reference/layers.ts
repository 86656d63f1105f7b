/**
 * Float64 reference forwards of one adapted linear layer per method, written
 * from PEFT's definitions in plain JS, independently of the engine, and the
 * central finite differences that give their exact gradients.
 *
 * Shapes: x (N, d_in) and y (N, d_out) row-major; W (d_out, d_in) whatever
 * the engine stores; every tensor as PEFT shapes it.
 */

export type Params = Record<string, Float64Array>;

export interface ReferenceLayer {
  dIn: number;
  dOut: number;
  /** W as (d_out, d_in). */
  weight: Float64Array;
  bias: Float64Array | null;
}

/** x·Mᵀ for M (rows, cols) applied to x (N, cols) → (N, rows). */
export function timesTransposed(x: Float64Array, n: number, m: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(n * rows);
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < rows; r++) {
      let sum = 0;
      for (let c = 0; c < cols; c++) sum += x[i * cols + c] * m[r * cols + c];
      out[i * rows + r] = sum;
    }
  }
  return out;
}

function addBias(y: Float64Array, n: number, bias: Float64Array | null): Float64Array {
  if (!bias) return y;
  for (let i = 0; i < n; i++) for (let o = 0; o < bias.length; o++) y[i * bias.length + o] += bias[o];
  return y;
}

/** y = x·Wᵀ + b + s·(x·Aᵀ)·Bᵀ: LoRA's, and PiSSA's with W = W_res. A (r, d_in), B (d_out, r). */
export function loraForward(layer: ReferenceLayer, x: Float64Array, n: number, p: Params, r: number, s: number): Float64Array {
  const base = timesTransposed(x, n, layer.weight, layer.dOut, layer.dIn);
  const u = timesTransposed(x, n, p.A, r, layer.dIn); // (N, r)
  const low = timesTransposed(u, n, p.B, layer.dOut, r); // (N, d_out)
  return addBias(base.map((v, i) => v + s * low[i]), n, layer.bias);
}

/** ‖W + s·B·A‖ per output row (d_out). */
export function doraNorm(layer: ReferenceLayer, a: Float64Array, b: Float64Array, r: number, s: number): Float64Array {
  const norms = new Float64Array(layer.dOut);
  for (let o = 0; o < layer.dOut; o++) {
    let sum = 0;
    for (let i = 0; i < layer.dIn; i++) {
      let ba = 0;
      for (let t = 0; t < r; t++) ba += b[o * r + t] * a[t * layer.dIn + i];
      const w = layer.weight[o * layer.dIn + i] + s * ba;
      sum += w * w;
    }
    norms[o] = Math.sqrt(sum);
  }
  return norms;
}

/**
 * DoRA: y = (m / n) ⊙ (x·Wᵀ + s·x·Aᵀ·Bᵀ) + b, n = ‖W + s·B·A‖ per row taken
 * from `frozen` (the point the gradient is taken at): PEFT detaches n.
 */
export function doraForward(layer: ReferenceLayer, x: Float64Array, n: number, p: Params, r: number, s: number, frozen: Params): Float64Array {
  const norm = doraNorm(layer, frozen.A, frozen.B, r, s);
  const noBias = { ...layer, bias: null };
  const pre = loraForward(noBias, x, n, p, r, s);
  for (let i = 0; i < n; i++) for (let o = 0; o < layer.dOut; o++) pre[i * layer.dOut + o] *= p.m[o] / norm[o];
  return addBias(pre, n, layer.bias);
}

/**
 * VeRA: y = x·Wᵀ + b + λ_b ⊙ ((λ_d ⊙ (x·A_slᵀ))·B_slᵀ), with A_sl = A[:, :d_in]
 * and B_sl = B[:d_out, :] sliced from the shared A (r, maxIn), B (maxOut, r).
 */
export function veraForward(layer: ReferenceLayer, x: Float64Array, n: number, p: Params, r: number, shared: { a: Float64Array; maxIn: number; b: Float64Array }): Float64Array {
  const aSlice = new Float64Array(r * layer.dIn);
  for (let t = 0; t < r; t++) for (let i = 0; i < layer.dIn; i++) aSlice[t * layer.dIn + i] = shared.a[t * shared.maxIn + i];
  const bSlice = shared.b.slice(0, layer.dOut * r); // rows are contiguous: the first d_out rows
  const hidden = timesTransposed(x, n, aSlice, r, layer.dIn).map((v, i) => v * p.lambdaD[i % r]); // (N, r)
  const low = timesTransposed(hidden, n, bSlice, layer.dOut, r); // (N, d_out)
  const base = addBias(timesTransposed(x, n, layer.weight, layer.dOut, layer.dIn), n, layer.bias);
  return base.map((v, i) => v + p.lambdaB[i % layer.dOut] * low[i]);
}

/** (IA)³: y = (x ⊙ l)·Wᵀ + b (feedforward) or (x·Wᵀ + b) ⊙ l. */
export function ia3Forward(layer: ReferenceLayer, x: Float64Array, n: number, p: Params, feedforward: boolean): Float64Array {
  if (feedforward) {
    const scaled = x.map((v, i) => v * p.l[i % layer.dIn]);
    return addBias(timesTransposed(scaled, n, layer.weight, layer.dOut, layer.dIn), n, layer.bias);
  }
  const y = addBias(timesTransposed(x, n, layer.weight, layer.dOut, layer.dIn), n, layer.bias);
  return y.map((v, i) => v * p.l[i % layer.dOut]);
}

/**
 * ∂/∂θ Σ c ⊙ f(θ) by central differences, for every element of every
 * parameter in `params` and of `x` (under the key "x"). `f` takes the
 * parameters and x; the step is small enough for float64 (error ~1e-10).
 */
export function finiteDifferenceGradients(
  f: (p: Params, x: Float64Array) => Float64Array,
  params: Params,
  x: Float64Array,
  c: Float64Array,
  step = 1e-6,
): Params {
  const loss = (p: Params, xs: Float64Array) => f(p, xs).reduce((sum, v, i) => sum + v * c[i], 0);
  const grads: Params = {};
  const all: Params = { ...params, x };
  for (const [name, values] of Object.entries(all)) {
    const grad = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const original = values[i];
      values[i] = original + step;
      const plus = loss(params, x);
      values[i] = original - step;
      const minus = loss(params, x);
      values[i] = original;
      grad[i] = (plus - minus) / (2 * step);
    }
    grads[name] = grad;
  }
  return grads;
}
