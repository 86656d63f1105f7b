/**
 * Cluster maps: the WeGeFT paper's visualisation, computed as the authors'
 * code computes it (visual_recognition/wegeft/vis_utils.py in
 * savadikarc/gift, ClusterVisualizer.process_cluster and apply_heatmap).
 *
 * WeGeFT writes its update along the r columns of W·φᵀ (d_out, r): r
 * "cluster" directions over a layer's outputs. For one image, with X (N,
 * d_out) the layer's token outputs without the class token:
 *   scores  = (W·φᵀ)ᵀ · Xᵀ                       (r, N)
 *   per map: reshape to the patch grid (h, w), upsample bilinearly to the
 *            image size (align_corners = false), min–max normalise,
 *            set values below 0.5 to 0
 *   overlay: jet colour map of the map, normalised, mixed 0.6 : 0.4 with the
 *            image, and the mix normalised again.
 * (The issue text lists the normalisation before the upsampling; the
 * authors' code upsamples first, and this follows the code.)
 *
 * Any method with directions over a module's outputs gets the same maps:
 * LoRA's B columns, any thin left factor, the top left singular vectors of a dense ΔW.
 * Arrays are row-major; images are (H, W) planes or interleaved RGB(A).
 */

/** The authors' threshold: map values below it (after min–max) are set to 0. */
export const CLUSTER_THRESHOLD = 0.5;
/** The authors' heat-map opacity. */
export const HEATMAP_OPACITY = 0.6;

export interface ScoreMapInput {
  /** (r, d) row-major: one direction over the module's outputs per row. */
  directions: Float64Array | Float32Array;
  r: number;
  /** (N, d) row-major: the module's output for each patch token (class tokens dropped). */
  tokens: Float64Array | Float32Array;
  d: number;
  /** The patch grid: N = gridHeight · gridWidth, row-major as the patches are. */
  gridHeight: number;
  gridWidth: number;
  /** The size of the image the maps are drawn on. */
  height: number;
  width: number;
  threshold?: number;
}

/**
 * The r cluster maps (r, height, width), each in [0, 1] with values below the
 * threshold set to 0. A constant map (a zero direction) is all 0.
 */
export function clusterMaps(input: ScoreMapInput): Float32Array {
  const { directions, r, tokens, d, gridHeight: h, gridWidth: w, height: H, width: W } = input;
  const n = h * w;
  if (directions.length !== r * d) throw new Error(`directions hold ${directions.length} values, not ${r} × ${d}`);
  if (tokens.length !== n * d) throw new Error(`tokens hold ${tokens.length} values, not ${n} × ${d} (a ${h} × ${w} grid)`);
  const scores = scoreMatrix(directions, r, tokens, n, d); // (r, N)
  const out = new Float32Array(r * H * W);
  for (let q = 0; q < r; q++) {
    const up = resizeBilinear(scores.subarray(q * n, (q + 1) * n), h, w, H, W); // (H, W)
    out.set(normaliseAndThreshold(up, input.threshold ?? CLUSTER_THRESHOLD), q * H * W);
  }
  return out;
}

/** scores = directions · tokensᵀ: (r, d) · (d, N) → (r, N). */
export function scoreMatrix(directions: ArrayLike<number>, r: number, tokens: ArrayLike<number>, n: number, d: number): Float64Array {
  const scores = new Float64Array(r * n);
  for (let q = 0; q < r; q++) {
    for (let t = 0; t < n; t++) {
      let sum = 0;
      for (let j = 0; j < d; j++) sum += directions[q * d + j] * tokens[t * d + j];
      scores[q * n + t] = sum;
    }
  }
  return scores;
}

/**
 * Bilinear resize of an (h, w) plane to (H, W) with torch's
 * interpolate(mode = "bilinear", align_corners = False): source coordinate
 * (dst + 0.5) · in/out − 0.5, clamped at 0; the far neighbour clamped at the edge.
 */
export function resizeBilinear(plane: ArrayLike<number>, h: number, w: number, H: number, W: number): Float64Array {
  const out = new Float64Array(H * W);
  const ys = sourceIndices(h, H);
  const xs = sourceIndices(w, W);
  for (let y = 0; y < H; y++) {
    const { i0: y0, i1: y1, lambda: ly } = ys[y];
    for (let x = 0; x < W; x++) {
      const { i0: x0, i1: x1, lambda: lx } = xs[x];
      const top = (1 - lx) * plane[y0 * w + x0] + lx * plane[y0 * w + x1];
      const bottom = (1 - lx) * plane[y1 * w + x0] + lx * plane[y1 * w + x1];
      out[y * W + x] = (1 - ly) * top + ly * bottom;
    }
  }
  return out;
}

function sourceIndices(size: number, outSize: number): { i0: number; i1: number; lambda: number }[] {
  const scale = size / outSize;
  return Array.from({ length: outSize }, (_, dst) => {
    const src = Math.max(0, (dst + 0.5) * scale - 0.5);
    const i0 = Math.min(Math.floor(src), size - 1);
    const i1 = Math.min(i0 + 1, size - 1);
    return { i0, i1, lambda: src - i0 };
  });
}

/**
 * The authors' `normalize`: (x − min) / (max − min), then values below the
 * threshold (and equal to it) become 0 and the others stay as they are. A
 * constant plane (max = min) is all 0, where theirs would be NaN.
 */
export function normaliseAndThreshold(plane: ArrayLike<number>, threshold: number): Float32Array {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < plane.length; i++) {
    min = Math.min(min, plane[i]);
    max = Math.max(max, plane[i]);
  }
  const out = new Float32Array(plane.length);
  const range = max - min;
  if (!(range > 0)) return out;
  for (let i = 0; i < plane.length; i++) {
    const v = (plane[i] - min) / range;
    out[i] = v > threshold ? v : 0;
  }
  return out;
}

/** Scores per token of a text (r, T), min–max normalised per direction over the tokens (no threshold: every token is shaded). */
export function tokenScores(directions: ArrayLike<number>, r: number, tokens: ArrayLike<number>, n: number, d: number): Float32Array {
  const scores = scoreMatrix(directions, r, tokens, n, d);
  const out = new Float32Array(r * n);
  for (let q = 0; q < r; q++) out.set(normaliseAndThreshold(scores.subarray(q * n, (q + 1) * n), -1), q * n);
  return out;
}

/**
 * Jet as matplotlib defines it (piecewise linear in red, green and blue),
 * sampled at a uint8 level as OpenCV's applyColorMap samples COLORMAP_JET.
 */
export function jet(level: number): [number, number, number] {
  const x = Math.min(255, Math.max(0, Math.trunc(level))) / 255;
  return [piecewise(x, JET_RED), piecewise(x, JET_GREEN), piecewise(x, JET_BLUE)];
}

const JET_RED: [number, number][] = [[0, 0], [0.35, 0], [0.66, 1], [0.89, 1], [1, 0.5]];
const JET_GREEN: [number, number][] = [[0, 0], [0.125, 0], [0.375, 1], [0.64, 1], [0.91, 0], [1, 0]];
const JET_BLUE: [number, number][] = [[0, 0.5], [0.11, 1], [0.34, 1], [0.65, 0], [1, 0]];

function piecewise(x: number, points: [number, number][]): number {
  for (let i = 1; i < points.length; i++) {
    const [x1, y1] = points[i];
    if (x <= x1) {
      const [x0, y0] = points[i - 1];
      return y0 + ((x - x0) / (x1 - x0)) * (y1 - y0);
    }
  }
  return points[points.length - 1][1];
}

/**
 * The authors' apply_heatmap: heat = jet(⌊map·255⌋) normalised to [0, 1] over
 * all its values, cam = heat·α + image·(1 − α), cam normalised to [0, 1]
 * again; as opaque RGBA bytes (⌊cam·255⌋, as their uint8 cast).
 * `image`: (H, W, 3) interleaved RGB in [0, 1]; `map`: (H, W) in [0, 1].
 */
export function heatmapOverlay(image: ArrayLike<number>, map: ArrayLike<number>, height: number, width: number, opacity = HEATMAP_OPACITY): Uint8ClampedArray {
  const pixels = height * width;
  if (image.length !== pixels * 3 || map.length !== pixels) throw new Error(`image and map must be ${height} × ${width}`);
  // OpenCV's colour map gives uint8 colours; normalised with the authors' 1e-8 in the range.
  const heat = new Float64Array(pixels * 3);
  for (let p = 0; p < pixels; p++) heat.set(jet(map[p] * 255).map((v) => Math.round(v * 255)), p * 3);
  normaliseInPlace(heat, 1e-8);
  const cam = new Float64Array(pixels * 3);
  for (let i = 0; i < cam.length; i++) cam[i] = heat[i] * opacity + image[i] * (1 - opacity);
  normaliseInPlace(cam, 0);
  const rgba = new Uint8ClampedArray(pixels * 4);
  for (let p = 0; p < pixels; p++) {
    for (let c = 0; c < 3; c++) rgba[p * 4 + c] = Math.trunc(cam[p * 3 + c] * 255);
    rgba[p * 4 + 3] = 255;
  }
  return rgba;
}

/** (x − min) / (max − min + epsilon) over the whole array; a constant array becomes 0. */
function normaliseInPlace(values: Float64Array, epsilon: number): void {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const range = max - min + epsilon;
  for (let i = 0; i < values.length; i++) values[i] = range > 0 ? (values[i] - min) / range : 0;
}
