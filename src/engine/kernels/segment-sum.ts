/**
 * The gradient of `gather` (an embedding lookup) is UnsortedSegmentSum:
 * the rows of the upstream gradient added into the rows of the table they
 * were read from. One pass in JavaScript over the gradient's values; the
 * wasm backend has no such kernel, and the cpu backend's runs one masked
 * sum over the whole gradient per segment (per vocabulary entry: about 20 s
 * for GPT-2 tiny's 2,048 × 128 table at batch 4 × 64).
 */

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

/** The inner shape and size of an UnsortedSegmentSum: x's dimensions after segmentIds'. */
export function segmentInner(xShape: readonly number[], idsRank: number): { innerShape: number[]; inner: number } {
  const innerShape = xShape.slice(idsRank);
  return { innerShape, inner: innerShape.reduce((a, b) => a * b, 1) };
}
