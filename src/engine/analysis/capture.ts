/**
 * A module's token outputs for one input, without and with the update, and
 * the cluster maps (images) or token scores (text) they give.
 *
 * As the authors' hooks do, the adapted model runs forward once; at the
 * module, the input x that reached it gives both outputs: `before` = x·Wᵀ + b
 * with the frozen W (their pre_delta_identity), `after` = what the adapted
 * module returned.
 */
import * as tf from '@tensorflow/tfjs';
import { methodSpec } from '../adapters/methods';
import type { Adapter, AdapterMethodName } from '../adapters/types';
import { thinSvd, truncatedSvd } from '../linalg/svd';
import { linearForward, type LinearHook, type Model, type ModelPatch } from '../models/model';
import type { ImageClassifierConfig, LinearModule } from '../models/types';
import type { ImagePreprocessor } from '../preprocess/image';
import type { TextTokenizer } from '../tokenizer';
import type { DeltaMatrix } from './anatomy';
import { clusterMaps, heatmapOverlay, resizeBilinear, tokenScores } from './clusters';
import { deltaMatrixOf, disposeDeltas } from './matrices';
import type { RgbaImage } from '../data/types';

/** A module's outputs for every token of one input: (tokens, d_out) row-major. */
export interface TokenOutputs {
  tokens: number;
  dOut: number;
  before: Float32Array;
  after: Float32Array;
}

/**
 * Runs `inputs` (a batch of one) through the model with the adapter attached
 * (or none) and returns the module's outputs without and with the update.
 */
export async function moduleTokenOutputs(model: Model, adapter: Adapter | null, module: LinearModule, run: () => tf.Tensor): Promise<TokenOutputs> {
  const live = adapter ? adapter.patch() : null;
  let input: tf.Tensor2D | null = null;
  let output: tf.Tensor2D | null = null;
  const record: LinearHook = (x, base) => {
    const inner = live?.linear?.get(module.path);
    const y = inner ? inner(x, base) : base.apply(x);
    input = tf.keep(tf.clone(x));
    output = tf.keep(tf.clone(y));
    return y;
  };
  const patch: ModelPatch = {
    get linear() {
      return new Map([...(live?.linear ?? []), [module.path, record]]);
    },
    get params() {
      return live?.params;
    },
  };
  tf.tidy(() => {
    model.withPatch(patch, run);
  });
  if (!input || !output) throw new Error(`the forward pass never reached ${module.path}`);
  const x: tf.Tensor2D = input;
  const after: tf.Tensor2D = output;
  try {
    const weight = model.baseParam(module.weight) as tf.Tensor2D;
    const bias = module.bias ? (model.baseParam(module.bias) as tf.Tensor1D) : null;
    const before = tf.tidy(() => linearForward(x, weight, bias, module.layout)); // (tokens, d_out)
    try {
      return { tokens: x.shape[0], dOut: module.dOut, before: (await before.data()) as Float32Array, after: (await after.data()) as Float32Array };
    } finally {
      before.dispose();
    }
  } finally {
    x.dispose();
    after.dispose();
  }
}

/** How many directions a dense ΔW (no factors) is shown with: its top singular vectors. */
export const DENSE_DIRECTIONS = 8;

/** The directions over a module's outputs (r, d_out) that the method wrote its update along. */
export interface UpdateDirections {
  r: number;
  dOut: number;
  /** (r, d_out) row-major. */
  values: Float64Array;
  /** Where they come from, in words. */
  source: string;
}

/**
 * A low-rank ΔW = L·R reads its directions as L's columns (WeGeFT: s·W·φᵀ, the
 * paper's clusters; LoRA: s·B); a dense ΔW as its top left singular vectors
 * scaled by their singular values.
 */
export function directionsOf(delta: DeltaMatrix, method: AdapterMethodName): UpdateDirections {
  const { label, updateDirections } = methodSpec(method);
  if (delta.kind === 'low-rank') {
    const { rows: dOut, cols: r, data } = delta.left;
    const values = new Float64Array(r * dOut);
    for (let i = 0; i < dOut; i++) for (let q = 0; q < r; q++) values[q * dOut + i] = data[i * r + q];
    return { r, dOut, values, source: `the ${r} columns of ${label}'s ${updateDirections ?? 'left factor of ΔW'}` };
  }
  const { rows: dOut, cols: dIn } = delta.matrix;
  const k = Math.min(DENSE_DIRECTIONS, dOut, dIn);
  const svd = Math.min(dOut, dIn) <= 128 ? thinSvd(delta.matrix) : truncatedSvd(delta.matrix, k);
  const values = new Float64Array(k * dOut);
  for (let i = 0; i < dOut; i++) for (let q = 0; q < k; q++) values[q * dOut + i] = svd.u[i * svd.k + q] * svd.s[q];
  return { r: k, dOut, values, source: `the top ${k} left singular vectors of ${label}'s ΔW` };
}

/** At most this many directions are drawn (a method with shared projections can have hundreds): the first ones. */
export const MAX_DIRECTIONS = 16;

/** The directions of the adapter's update on one module (the first MAX_DIRECTIONS); null when the method does not change it. */
export async function moduleDirections(adapter: Adapter, modulePath: string): Promise<UpdateDirections | null> {
  const deltas = adapter.deltaWeights();
  const index = deltas.findIndex((d) => d.module.path === modulePath);
  disposeDeltas(deltas.filter((_, i) => i !== index));
  if (index < 0) return null;
  const all = directionsOf(await deltaMatrixOf(deltas[index]), adapter.method);
  if (all.r <= MAX_DIRECTIONS) return all;
  return {
    r: MAX_DIRECTIONS,
    dOut: all.dOut,
    values: all.values.slice(0, MAX_DIRECTIONS * all.dOut),
    source: `the first ${MAX_DIRECTIONS} of ${all.source}`,
  };
}

export interface ClusterMapGrid {
  module: string;
  r: number;
  /** Size of every image below (the model's input, upsampled to at least `minSize`). */
  height: number;
  width: number;
  /** The image as the model sees it (its preprocessing undone), opaque RGBA. */
  image: Uint8ClampedArray;
  /** r overlays each, opaque RGBA: frozen W's outputs, and the adapted module's. */
  before: Uint8ClampedArray[];
  after: Uint8ClampedArray[];
  /** The maps themselves (r, height, width) in [0, 1], for tests and exports. */
  mapsBefore: Float32Array;
  mapsAfter: Float32Array;
  source: string;
}

/**
 * The paper's cluster maps of one ViT module for one image. The maps are drawn
 * at the model's input size or `minSize`, whichever is larger (a 28-pixel
 * input is upsampled as the maps are, so the overlay can be seen).
 */
export async function imageClusterMaps(
  model: Model,
  adapter: Adapter,
  preprocessor: ImagePreprocessor,
  image: RgbaImage,
  modulePath: string,
  minSize = 224,
): Promise<ClusterMapGrid> {
  const config = model.config as ImageClassifierConfig;
  if (config.task !== 'image-classification') throw new Error('cluster maps over patches need an image classifier');
  const module = model.linearModule(modulePath);
  const directions = await moduleDirections(adapter, modulePath);
  if (!directions) throw new Error(`this run's method does not change ${modulePath}`);
  const values = preprocessor.preprocess(image); // (C, H, W)
  const pixels = tf.tensor4d(values, [1, preprocessor.channels, preprocessor.height, preprocessor.width]);
  let outputs: TokenOutputs;
  try {
    outputs = await moduleTokenOutputs(model, adapter, module, () => model.forward({ pixelValues: pixels }));
  } finally {
    pixels.dispose();
  }
  const grid = config.imageSize / config.patchSize;
  const patches = grid * grid;
  const prefix = outputs.tokens - patches; // the class token(s) come first
  if (prefix < 0) throw new Error(`${modulePath} saw ${outputs.tokens} tokens, fewer than the ${patches} patches`);
  const dropPrefix = (all: Float32Array) => all.subarray(prefix * outputs.dOut);
  const size = Math.max(minSize, preprocessor.height, preprocessor.width);
  const mapsOf = (tokens: Float32Array) =>
    clusterMaps({
      directions: directions.values, r: directions.r, tokens: dropPrefix(tokens), d: outputs.dOut,
      gridHeight: grid, gridWidth: grid, height: size, width: size,
    });
  const mapsBefore = mapsOf(outputs.before);
  const mapsAfter = mapsOf(outputs.after);
  const rgb = visibleImage(values, preprocessor, size);
  const overlays = (maps: Float32Array) =>
    Array.from({ length: directions.r }, (_, q) => heatmapOverlay(rgb, maps.subarray(q * size * size, (q + 1) * size * size), size, size));
  return {
    module: modulePath, r: directions.r, height: size, width: size,
    image: toRgba(rgb, size * size), before: overlays(mapsBefore), after: overlays(mapsAfter),
    mapsBefore, mapsAfter, source: directions.source,
  };
}

/**
 * The preprocessed input with its normalisation undone, in [0, 1], as the
 * authors' input hook does (x·std + mean, clipped), upsampled bilinearly to
 * `size`: (size, size, 3) interleaved RGB. Grey inputs repeat their channel.
 */
function visibleImage(values: Float32Array, preprocessor: ImagePreprocessor, size: number): Float64Array {
  const { channels, height, width, settings } = preprocessor;
  const plane = height * width;
  const rgb = new Float64Array(size * size * 3);
  const toUnit = settings.rescaleFactor === null ? 1 / 255 : 1 / (settings.rescaleFactor * 255);
  for (let c = 0; c < 3; c++) {
    const source = Math.min(c, channels - 1);
    const mean = settings.mean?.[source] ?? 0;
    const std = settings.std?.[source] ?? 1;
    const unit = new Float64Array(plane);
    for (let p = 0; p < plane; p++) unit[p] = Math.min(1, Math.max(0, (values[source * plane + p] * std + mean) * toUnit));
    const up = resizeBilinear(unit, height, width, size, size);
    for (let p = 0; p < size * size; p++) rgb[p * 3 + c] = up[p];
  }
  return rgb;
}

function toRgba(rgb: Float64Array, pixels: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(pixels * 4);
  for (let p = 0; p < pixels; p++) {
    for (let c = 0; c < 3; c++) out[p * 4 + c] = Math.trunc(rgb[p * 3 + c] * 255);
    out[p * 4 + 3] = 255;
  }
  return out;
}

export interface TokenScoreGrid {
  module: string;
  r: number;
  /** The prompt's tokens as text pieces. */
  tokens: string[];
  /** (r, tokens) in [0, 1], each direction min–max normalised over the prompt. */
  before: Float32Array;
  after: Float32Array;
  source: string;
}

/** The language-model analogue: each prompt token shaded by each direction's score at one module. */
export async function promptTokenScores(
  model: Model,
  adapter: Adapter,
  tokenizer: TextTokenizer,
  prompt: string,
  modulePath: string,
): Promise<TokenScoreGrid> {
  if (model.config.task !== 'causal-lm') throw new Error('token scores need a language model');
  const module = model.linearModule(modulePath);
  const ids = tokenizer.encode(prompt);
  if (ids.length === 0) throw new Error('the prompt has no tokens');
  const limit = (model.config as { maxPositions: number }).maxPositions;
  if (ids.length > limit) throw new Error(`the prompt has ${ids.length} tokens; this model reads at most ${limit}`);
  const directions = await moduleDirections(adapter, modulePath);
  if (!directions) throw new Error(`this run's method does not change ${modulePath}`);
  const inputIds = tf.tensor2d([ids], [1, ids.length], 'int32');
  let outputs: TokenOutputs;
  try {
    outputs = await moduleTokenOutputs(model, adapter, module, () => model.forward({ inputIds }));
  } finally {
    inputIds.dispose();
  }
  const scores = (tokens: Float32Array) => tokenScores(directions.values, directions.r, tokens, outputs.tokens, outputs.dOut);
  return {
    module: modulePath, r: directions.r, tokens: ids.map((id) => tokenizer.decode([id])),
    before: scores(outputs.before), after: scores(outputs.after), source: directions.source,
  };
}
