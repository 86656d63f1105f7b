/**
 * A fix for the tfjs cpu backend (4.22) that makes training embeddings on it
 * practical. Call `registerCpuTrainingKernels()` after `tf.setBackend('cpu')`.
 *
 * Its UnsortedSegmentSum (the gradient of `gather`) computes one masked sum
 * over the whole gradient for every segment, so an embedding table of V rows
 * costs V passes: 20 s a step for GPT-2 tiny's 2,048-token vocabulary, which
 * made full fine-tuning there 6.5× slower than LoRA (npm run bench). It is
 * replaced by a single pass (segment-sum.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { segmentSumKernel, type HostBackend } from './segment-sum';

interface CpuBackendLike extends HostBackend {
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

const BACKEND = 'cpu';
let replaced = false;

/** Replaces the cpu backend's slow UnsortedSegmentSum; safe to call more than once. */
export function registerCpuTrainingKernels(): void {
  if (replaced || tf.getBackend() !== BACKEND) return;
  if (tf.getKernel('UnsortedSegmentSum', BACKEND)) tf.unregisterKernel('UnsortedSegmentSum', BACKEND);
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName: BACKEND,
    kernelFunc: segmentSumKernel((cpu: CpuBackendLike, shape, dtype, values) => cpu.makeTensorInfo(shape, dtype, values)),
  });
  replaced = true;
}
