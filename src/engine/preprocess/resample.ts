/**
 * Image resizing as Pillow does it (Image.resize, libImaging/Resample.c), so
 * preprocessed pixels match transformers' image processors, which resize
 * through PIL.
 *
 * Pillow's convolution resize is separable and antialiased: when shrinking,
 * the filter's support widens by the scale factor, so every source pixel
 * contributes (a 2x bilinear downscale averages 4 pixels per output pixel,
 * not 1). Coefficients are turned into 22-bit fixed point, the horizontal
 * pass runs first and its result is rounded to 8 bits, then the vertical pass
 * does the same. Replicating the fixed point and the intermediate rounding
 * makes the output equal to Pillow's, byte for byte (tested against Pillow
 * 9.4 in tests/engine/preprocess/image.test.ts).
 */

/** Pillow's resample filters, by the integer transformers stores as `resample`. */
export type ResampleFilter = 'nearest' | 'box' | 'bilinear' | 'hamming' | 'bicubic' | 'lanczos';

export const PIL_RESAMPLE: Readonly<Record<number, ResampleFilter>> = {
  0: 'nearest',
  1: 'lanczos',
  2: 'bilinear',
  3: 'bicubic',
  4: 'box',
  5: 'hamming',
};

interface Filter {
  support: number;
  weight(x: number): number;
}

const sinc = (x: number) => (x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x));

const FILTERS: Record<Exclude<ResampleFilter, 'nearest'>, Filter> = {
  box: { support: 0.5, weight: (x) => (x > -0.5 && x <= 0.5 ? 1 : 0) },
  bilinear: { support: 1, weight: (x) => Math.max(0, 1 - Math.abs(x)) },
  hamming: {
    support: 1,
    weight: (x) => {
      const ax = Math.abs(x);
      if (ax === 0) return 1;
      if (ax >= 1) return 0;
      return sinc(ax) * (0.54 + 0.46 * Math.cos(Math.PI * ax));
    },
  },
  bicubic: {
    support: 2,
    weight: (x) => {
      const a = -0.5;
      const ax = Math.abs(x);
      if (ax < 1) return ((a + 2) * ax - (a + 3)) * ax * ax + 1;
      if (ax < 2) return (((ax - 5) * ax + 8) * ax - 4) * a;
      return 0;
    },
  },
  lanczos: { support: 3, weight: (x) => (x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0) },
};

const PRECISION_BITS = 32 - 8 - 2;
const ONE = 2 ** PRECISION_BITS;
const HALF = 2 ** (PRECISION_BITS - 1);

/** For each output index: the first source index, how many follow, and their fixed-point weights. */
interface Coefficients {
  first: Int32Array;
  count: Int32Array;
  /** outSize × taps, row-major. */
  weights: Int32Array;
  taps: number;
}

/** Pillow's precompute_coeffs + normalize_coeffs_8bpc, for resizing inSize → outSize. */
function coefficients(inSize: number, outSize: number, filter: Filter): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1); // widen the filter when shrinking: the antialiasing
  const support = filter.support * filterScale;
  const inverseScale = 1 / filterScale; // multiplied, not divided, to round as Pillow does
  const taps = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * taps);
  const row = new Float64Array(taps);
  for (let out = 0; out < outSize; out++) {
    const center = (out + 0.5) * scale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let total = 0;
    for (let x = 0; x < xmax; x++) {
      row[x] = filter.weight((x + xmin - center + 0.5) * inverseScale);
      total += row[x];
    }
    for (let x = 0; x < xmax; x++) {
      const w = total !== 0 ? row[x] / total : row[x];
      weights[out * taps + x] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
    }
    first[out] = xmin;
    count[out] = xmax;
  }
  return { first, count, weights, taps };
}

/** Pillow's clip8: fixed point back to a byte, saturating. */
function clip8(sum: number): number {
  if (sum >= ONE * 256) return 255;
  if (sum <= 0) return 0;
  return Math.floor(sum / ONE);
}

/**
 * Resamples rows or columns of a one-channel plane. `stride` steps between
 * the taps (1 along a row, the row width down a column).
 */
function resamplePass(
  input: Uint8Array,
  lines: number,
  inLength: number,
  coeffs: Coefficients,
  outLength: number,
  along: 'rows' | 'columns',
): Uint8Array {
  const output = new Uint8Array(lines * outLength);
  for (let line = 0; line < lines; line++) {
    for (let out = 0; out < outLength; out++) {
      let sum = HALF;
      const base = out * coeffs.taps;
      for (let k = 0; k < coeffs.count[out]; k++) {
        const source = coeffs.first[out] + k;
        const pixel = along === 'rows' ? input[line * inLength + source] : input[source * lines + line];
        sum += pixel * coeffs.weights[base + k];
      }
      if (along === 'rows') output[line * outLength + out] = clip8(sum);
      else output[out * lines + line] = clip8(sum);
    }
  }
  return output;
}

/** Pillow's NEAREST resize: the source pixel under each output pixel's centre. */
function resizeNearest(plane: Uint8Array, inW: number, inH: number, outW: number, outH: number): Uint8Array {
  const out = new Uint8Array(outW * outH);
  for (let y = 0; y < outH; y++) {
    const sy = Math.min(inH - 1, Math.floor(((y + 0.5) * inH) / outH));
    for (let x = 0; x < outW; x++) {
      const sx = Math.min(inW - 1, Math.floor(((x + 0.5) * inW) / outW));
      out[y * outW + x] = plane[sy * inW + sx];
    }
  }
  return out;
}

/**
 * Resizes one 8-bit channel plane (row-major, inW × inH) to outW × outH, as
 * Pillow resizes each channel of an RGB image.
 */
export function resizePlane(
  plane: Uint8Array,
  inW: number,
  inH: number,
  outW: number,
  outH: number,
  filterName: ResampleFilter,
): Uint8Array {
  if (inW === outW && inH === outH) return plane;
  if (filterName === 'nearest') return resizeNearest(plane, inW, inH, outW, outH);
  const filter = FILTERS[filterName];
  let current = plane;
  // Horizontal first, as Pillow does; each pass is skipped when its size is unchanged.
  if (outW !== inW) current = resamplePass(current, inH, inW, coefficients(inW, outW, filter), outW, 'rows');
  if (outH !== inH) current = resamplePass(current, outW, inH, coefficients(inH, outH, filter), outH, 'columns');
  return current;
}
