/**
 * Image preprocessing for ViT classifiers, as transformers' ViTImageProcessor
 * does it from preprocessor_config.json: resize (Pillow's filters, exactly;
 * see resample.ts), optional centre crop, rescale (× 1/255), normalise
 * ((x − mean) / std, in float32 as numpy does), channels first.
 *
 * Channels: an RgbaImage always has 4. Transparent pixels are first
 * composited onto white, as transformers' `convert_to_rgb` does (see
 * composite.ts), then alpha is dropped. A grayscale
 * picture decoded to RGBA already has R = G = B, so a 3-channel model sees
 * it as gray in three channels. A 1-channel model gets the luminance,
 * computed as Pillow's `convert('L')`: (19595 R + 38470 G + 7471 B + 2^15) >> 16.
 */
import * as tf from '@tensorflow/tfjs';
import { InputFileError } from '../errors';
import type { RgbaImage } from '../data/types';
import { readJson, type FileSource } from '../io/source';
import type { ImageClassifierConfig } from '../models/types';
import { compositeOnWhite } from './composite';
import { PIL_RESAMPLE, resizePlane, type ResampleFilter } from './resample';

export const PREPROCESSOR_CONFIG_FILE = 'preprocessor_config.json';

/** What the preprocessing does, resolved from the config and its defaults (for display). */
export interface ImageSettings {
  /** Resize to exactly this, or scale the shorter edge to `shortestEdge`; null: no resize. */
  resize: { height: number; width: number } | { shortestEdge: number } | null;
  resample: ResampleFilter;
  centerCrop: { height: number; width: number } | null;
  rescaleFactor: number | null;
  /** Per channel; null: no normalisation. */
  mean: number[] | null;
  std: number[] | null;
}

export interface ImagePreprocessor {
  /** An image → float32 (C, H, W), the layout of `pixelValues`. */
  preprocess(image: RgbaImage): Float32Array;
  /**
   * The image as small as preprocessing will make it, still RGBA (opaque,
   * composited on white): resized now to the size `preprocess` resizes it to,
   * so a dataset keeps no more pixels than the model reads. `preprocess` of
   * the result equals `preprocess` of the original exactly (its resize is
   * then the identity). Images that preprocessing would enlarge, or not
   * resize, come back composited but not resized.
   */
  fit(image: RgbaImage): RgbaImage;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly settings: ImageSettings;
  /** What the user should know: defaults used, approximations, channel conversion. */
  readonly notes: string[];
}

/** ViTImageProcessor's defaults, used when a checkpoint has no preprocessor_config.json. */
function vitDefaults(model: ImageClassifierConfig): ImageSettings {
  const half = new Array<number>(model.numChannels).fill(0.5);
  return {
    resize: { height: model.imageSize, width: model.imageSize },
    resample: 'bilinear',
    centerCrop: null,
    rescaleFactor: 1 / 255,
    mean: half,
    std: half,
  };
}

/** Reads preprocessor_config.json when the checkpoint has one, else uses ViT defaults. */
export async function loadImagePreprocessor(source: FileSource, model: ImageClassifierConfig): Promise<ImagePreprocessor> {
  const file = source.describe(PREPROCESSOR_CONFIG_FILE);
  const config = (await source.has(PREPROCESSOR_CONFIG_FILE)) ? await readJson(source, PREPROCESSOR_CONFIG_FILE) : null;
  return imagePreprocessor(config, model, file);
}

/**
 * The preprocessing a config describes, checked against the model: its
 * output must be (numChannels, imageSize, imageSize). `config` null means
 * the file is absent: ViT defaults, said so in `notes`.
 */
export function imagePreprocessor(
  config: unknown,
  model: ImageClassifierConfig,
  file: string = PREPROCESSOR_CONFIG_FILE,
): ImagePreprocessor {
  const channels = model.numChannels;
  if (channels !== 1 && channels !== 3) {
    throw new InputFileError(file, `the model takes ${channels} channels; only 1 (gray) or 3 (RGB) can be made from an image`);
  }
  const notes: string[] = [];
  let settings: ImageSettings;
  if (config === null || config === undefined) {
    settings = vitDefaults(model);
    notes.push(
      `no ${PREPROCESSOR_CONFIG_FILE}: using ViT defaults (bilinear resize to ${model.imageSize}×${model.imageSize}, ` +
        'rescale 1/255, mean 0.5, std 0.5)',
    );
  } else {
    settings = parseSettings(config, model, file);
  }
  checkOutputSize(settings, model, file);
  if (settings.resample === 'nearest') notes.push('nearest-neighbour resizing may differ from Pillow by a pixel at some edges');
  notes.push(
    channels === 1
      ? 'transparent pixels are composited on white, then images are converted to luminance (as Pillow convert("L"))'
      : 'transparent pixels are composited on white (as transformers\' convert_to_rgb), then alpha is dropped',
  );
  const size = model.imageSize;
  return {
    channels,
    height: size,
    width: size,
    settings,
    notes,
    preprocess: (image) => preprocessImage(image, settings, channels, size),
    fit: (image) => fitImage(image, settings, channels),
  };
}

/** Stacks preprocessed images into pixel values, float32 (B, C, H, W). */
export function preprocessBatch(images: readonly RgbaImage[], preprocessor: ImagePreprocessor): tf.Tensor4D {
  const { channels, height, width } = preprocessor;
  const perImage = channels * height * width;
  const values = new Float32Array(images.length * perImage);
  images.forEach((image, i) => values.set(preprocessor.preprocess(image), i * perImage));
  return tf.tensor4d(values, [images.length, channels, height, width], 'float32'); // (B, C, H, W)
}

// ---------------------------------------------------------------------------
// Reading the config

type Json = Record<string, unknown>;

function parseSettings(raw: unknown, model: ImageClassifierConfig, file: string): ImageSettings {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InputFileError(file, 'must be a JSON object');
  const config = raw as Json;
  const flag = (key: string, fallback: boolean) => {
    const value = config[key] ?? fallback;
    if (typeof value !== 'boolean') throw new InputFileError(file, `"${key}" must be true or false`);
    return value;
  };
  const resampleCode = config.resample ?? 2;
  const resample = typeof resampleCode === 'number' ? PIL_RESAMPLE[resampleCode] : undefined;
  if (!resample) throw new InputFileError(file, `"resample" ${JSON.stringify(resampleCode)} is not a Pillow filter (0–5)`);
  const rescaleFactor = config.rescale_factor ?? 1 / 255;
  if (typeof rescaleFactor !== 'number' || !Number.isFinite(rescaleFactor)) {
    throw new InputFileError(file, '"rescale_factor" must be a number');
  }
  const normalize = flag('do_normalize', true);
  return {
    resize: flag('do_resize', true) ? parseSize(config.size ?? { height: model.imageSize, width: model.imageSize }, 'size', file) : null,
    resample,
    centerCrop: flag('do_center_crop', false) ? exactSize(parseSize(config.crop_size ?? model.imageSize, 'crop_size', file), 'crop_size', file) : null,
    rescaleFactor: flag('do_rescale', true) ? rescaleFactor : null,
    mean: normalize ? perChannel(config.image_mean ?? 0.5, 'image_mean', model.numChannels, file) : null,
    std: normalize ? nonZero(perChannel(config.image_std ?? 0.5, 'image_std', model.numChannels, file), file) : null,
  };
}

function positiveInt(value: unknown, what: string, file: string): number {
  if (!Number.isSafeInteger(value) || (value as number) <= 0) {
    throw new InputFileError(file, `${what} must be a positive whole number, got ${JSON.stringify(value)}`);
  }
  return value as number;
}

/** `224`, `{height, width}` or `{shortest_edge}`, as transformers' get_size_dict accepts. */
function parseSize(value: unknown, key: string, file: string): NonNullable<ImageSettings['resize']> {
  if (typeof value === 'number') {
    const side = positiveInt(value, `"${key}"`, file);
    return { height: side, width: side };
  }
  if (typeof value === 'object' && value !== null) {
    const size = value as Json;
    if ('height' in size || 'width' in size) {
      return { height: positiveInt(size.height, `"${key}.height"`, file), width: positiveInt(size.width, `"${key}.width"`, file) };
    }
    if ('shortest_edge' in size && !('longest_edge' in size)) {
      return { shortestEdge: positiveInt(size.shortest_edge, `"${key}.shortest_edge"`, file) };
    }
  }
  throw new InputFileError(file, `"${key}" must be a number, {"height", "width"} or {"shortest_edge"}; got ${JSON.stringify(value)}`);
}

function exactSize(size: NonNullable<ImageSettings['resize']>, key: string, file: string): { height: number; width: number } {
  if ('shortestEdge' in size) throw new InputFileError(file, `"${key}" must give a height and a width`);
  return size;
}

function perChannel(value: unknown, key: string, channels: number, file: string): number[] {
  const list = typeof value === 'number' ? new Array<number>(channels).fill(value) : value;
  if (!Array.isArray(list) || !list.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new InputFileError(file, `"${key}" must be a number or a list of numbers`);
  }
  if (list.length !== channels) {
    throw new InputFileError(file, `"${key}" has ${list.length} values but the model takes ${channels} channel(s)`);
  }
  return list as number[];
}

function nonZero(std: number[], file: string): number[] {
  if (std.some((s) => s === 0)) throw new InputFileError(file, '"image_std" must not contain 0');
  return std;
}

/** The size the pipeline produces for a square input must be the model's. */
function checkOutputSize(settings: ImageSettings, model: ImageClassifierConfig, file: string): void {
  const final = settings.centerCrop ?? (settings.resize && 'height' in settings.resize ? settings.resize : null);
  if (final && (final.height !== model.imageSize || final.width !== model.imageSize)) {
    throw new InputFileError(
      file,
      `produces ${final.height}×${final.width} images but the model (config.json image_size) takes ${model.imageSize}×${model.imageSize}`,
    );
  }
}

// ---------------------------------------------------------------------------
// The pipeline

function checkImage(image: RgbaImage): void {
  const { width, height, data } = image;
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`an image must have a positive whole width and height, got ${width}×${height}`);
  }
  if (data.length !== width * height * 4) {
    throw new RangeError(`a ${width}×${height} RGBA image needs ${width * height * 4} bytes, got ${data.length}`);
  }
}

/** The image's channel planes, row-major, after compositing on white: R, G, B, or Pillow's luminance. */
function channelPlanes(image: RgbaImage, channels: number): Uint8Array[] {
  const pixels = image.width * image.height;
  const planes = Array.from({ length: channels }, () => new Uint8Array(pixels));
  const { data } = compositeOnWhite(image);
  for (let p = 0; p < pixels; p++) {
    const r = data[4 * p];
    const g = data[4 * p + 1];
    const b = data[4 * p + 2];
    if (channels === 1) planes[0][p] = (r * 19595 + g * 38470 + b * 7471 + 0x8000) >>> 16;
    else [planes[0][p], planes[1][p], planes[2][p]] = [r, g, b];
  }
  return planes;
}

/** transformers' get_resize_output_image_size(..., default_to_square=False) for shortest_edge. */
function resizeTarget(resize: NonNullable<ImageSettings['resize']>, width: number, height: number): { width: number; height: number } {
  if ('height' in resize) return resize;
  const edge = resize.shortestEdge;
  return width <= height
    ? { width: edge, height: Math.trunc((edge * height) / width) }
    : { width: Math.trunc((edge * width) / height), height: edge };
}

/** transformers' center_crop: crop around the centre, padding with zeros where the image is smaller. */
function centerCrop(plane: Uint8Array, width: number, height: number, crop: { width: number; height: number }): Uint8Array {
  const top = Math.floor((height - crop.height) / 2);
  const left = Math.floor((width - crop.width) / 2);
  const out = new Uint8Array(crop.width * crop.height);
  for (let y = 0; y < crop.height; y++) {
    const sy = y + top;
    if (sy < 0 || sy >= height) continue;
    for (let x = 0; x < crop.width; x++) {
      const sx = x + left;
      if (sx >= 0 && sx < width) out[y * crop.width + x] = plane[sy * width + sx];
    }
  }
  return out;
}

/**
 * Resizes to the preprocessing's resize target now, when that shrinks the
 * image. A 1-channel model's luminance is resized and stored as gray
 * (R = G = B = L, whose luminance is L again), so the result is exact for
 * both channel counts.
 */
function fitImage(image: RgbaImage, settings: ImageSettings, channels: number): RgbaImage {
  checkImage(image);
  const opaque = compositeOnWhite(image);
  if (!settings.resize) return opaque;
  const target = resizeTarget(settings.resize, image.width, image.height);
  if (target.width > image.width || target.height > image.height || (target.width === image.width && target.height === image.height)) return opaque;
  const planes = channelPlanes(opaque, channels).map((plane) =>
    resizePlane(plane, image.width, image.height, target.width, target.height, settings.resample),
  );
  const pixels = target.width * target.height;
  const data = new Uint8Array(pixels * 4); // (H, W, 4)
  for (let p = 0; p < pixels; p++) {
    data[4 * p] = planes[0][p];
    data[4 * p + 1] = planes[channels === 1 ? 0 : 1][p];
    data[4 * p + 2] = planes[channels === 1 ? 0 : 2][p];
    data[4 * p + 3] = 255;
  }
  return { width: target.width, height: target.height, data };
}

function preprocessImage(image: RgbaImage, settings: ImageSettings, channels: number, size: number): Float32Array {
  checkImage(image);
  let planes = channelPlanes(image, channels);
  let { width, height } = image;
  if (settings.resize) {
    const target = resizeTarget(settings.resize, width, height);
    planes = planes.map((plane) => resizePlane(plane, width, height, target.width, target.height, settings.resample));
    ({ width, height } = target);
  }
  if (settings.centerCrop) {
    const crop = settings.centerCrop;
    planes = planes.map((plane) => centerCrop(plane, width, height, crop));
    ({ width, height } = crop);
  }
  if (width !== size || height !== size) {
    throw new RangeError(`a ${image.width}×${image.height} image became ${width}×${height}, but the model takes ${size}×${size}`);
  }
  return normalisePlanes(planes, settings, size * size);
}

/** Rescale and normalise in float32, as numpy does with float32 arrays: (C, H, W). */
function normalisePlanes(planes: Uint8Array[], settings: ImageSettings, pixels: number): Float32Array {
  const out = new Float32Array(planes.length * pixels);
  planes.forEach((plane, c) => {
    const mean = settings.mean ? Math.fround(settings.mean[c]) : 0;
    const std = settings.std ? Math.fround(settings.std[c]) : 1;
    for (let p = 0; p < pixels; p++) {
      let v = settings.rescaleFactor === null ? plane[p] : Math.fround(plane[p] * settings.rescaleFactor);
      if (settings.mean) v = Math.fround(Math.fround(v - mean) / std);
      out[c * pixels + p] = v;
    }
  });
  return out;
}
