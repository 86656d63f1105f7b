/**
 * The gradient of `gather` (an embedding lookup) is UnsortedSegmentSum:
 * the rows of the upstream gradient added into the rows of the table they
 * were read from. One pass in JavaScript over the gradient's values; the
 * wasm backend has no such kernel, and the cpu backend's runs one masked
 * sum over the whole gradient per segment (per vocabulary entry: about 20 s
 * for GPT-2 tiny's 2,048 × 128 table at batch 4 × 64).
 */
import type * as tf from '@tensorflow/tfjs';

/**
 * values: (...ids shape, ...inner) flattened; returns (numSegments, ...inner)
 * flattened. Out-of-range ids are dropped, as TensorFlow does.
 */
export function segmentSum(values: ArrayLike<number>, ids: ArrayLike<number>, numSegments: number, inner: number): Float32Array {
  const out = new Float32Array(numSegments * inner);
  for (let row = 0; row < ids.length; row++) {
    const segment = ids[row];
    if (segment < 0 || segment >= numSegments) continue;
    const from = row * inner;
    const to = segment * inner;
    for (let j = 0; j < inner; j++) out[to + j] += values[from + j];
  }
  return out;
}

/** What the kernel needs of a backend that keeps its data on the CPU side (cpu, wasm). */
export interface HostBackend {
  readSync(dataId: object): ArrayLike<number>;
}

/**
 * An UnsortedSegmentSum kernel for such a backend; `output` makes the
 * result tensor the way that backend does.
 */
export function segmentSumKernel<Backend extends HostBackend>(
  output: (backend: Backend, shape: number[], dtype: tf.DataType, values: Float32Array) => tf.TensorInfo,
): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
    const numSegments = (attrs as { numSegments: number }).numSegments;
    const host = backend as unknown as Backend;
    // x: (...segmentIds.shape, ...inner) → out: (numSegments, ...inner)
    const innerShape = x.shape.slice(segmentIds.shape.length);
    const inner = innerShape.reduce((a, b) => a * b, 1);
    const out = segmentSum(host.readSync(x.dataId), host.readSync(segmentIds.dataId), numSegments, inner);
    return output(host, [numSegments, ...innerShape], x.dtype, out);
  };
}
