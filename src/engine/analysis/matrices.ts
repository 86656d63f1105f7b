/**
 * From tensors to the float64 row-major matrices the analysis computes with,
 * always in the logical (d_out, d_in) layout of torch.nn.Linear.
 */
import type * as tf from '@tensorflow/tfjs';
import type { DeltaWeight } from '../adapters/types';
import type { DenseMatrix } from '../linalg/svd';
import type { Model } from '../models/model';
import type { LinearModule } from '../models/types';
import type { DeltaMatrix } from './anatomy';

/** A 2-D tensor's values, read back and freed when `dispose`. */
export async function matrixOf(tensor: tf.Tensor2D, transpose: boolean, dispose: boolean): Promise<DenseMatrix> {
  const [rows, cols] = tensor.shape;
  try {
    const data = Float64Array.from(await tensor.data());
    if (!transpose) return { rows, cols, data };
    const t = new Float64Array(rows * cols); // (cols, rows)
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = data[i * cols + j];
    return { rows: cols, cols: rows, data: t };
  } finally {
    if (dispose) tensor.dispose();
  }
}

/** The module's frozen base weight W (d_out, d_in). */
export function baseWeightOf(model: Model, module: LinearModule): Promise<DenseMatrix> {
  return matrixOf(model.baseParam(module.weight) as tf.Tensor2D, module.layout === 'conv1d', false);
}

/** A delta's values; its tensors are freed. */
export async function deltaMatrixOf(delta: DeltaWeight): Promise<DeltaMatrix> {
  if (delta.lowRank) {
    const { left, right } = delta.lowRank;
    try {
      return { kind: 'low-rank', left: await matrixOf(left, false, false), right: await matrixOf(right, false, false) };
    } finally {
      left.dispose();
      right.dispose();
    }
  }
  return { kind: 'dense', matrix: await matrixOf(delta.dense!, false, true) };
}

/** Frees the tensors of deltas that were not read. */
export function disposeDeltas(deltas: readonly DeltaWeight[]): void {
  for (const d of deltas) {
    d.lowRank?.left.dispose();
    d.lowRank?.right.dispose();
    d.dense?.dispose();
  }
}
