/**
 * Where a step's time goes: tf.profile's kernel records, added up by kernel
 * name. Kernel times are what the backend measures per kernel: wall time
 * around it on cpu and wasm, GPU timestamps on WebGPU when the device offers
 * the timestamp-query feature (else 0, and only the counts are meaningful).
 */
import type * as tf from '@tensorflow/tfjs';

export interface KernelSummary {
  /** tfjs kernel name, e.g. `BatchMatMul`, `_FusedMatMul`, `Softmax`. */
  name: string;
  /** Times it ran in the step. */
  count: number;
  /** Total kernel time, ms. */
  ms: number;
  /** Bytes of the outputs it allocated, in total. */
  bytesAdded: number;
}

/** One kernel as tf.profile records it (tfjs does not export the type). */
type KernelRecord = Awaited<ReturnType<typeof tf.profile>>['kernels'][number];

/** Kernel time in ms; a backend that could not time the kernel gives 0. */
function kernelMs(kernel: KernelRecord): number {
  const time = kernel.kernelTimeMs as unknown;
  return typeof time === 'number' && Number.isFinite(time) ? time : 0;
}

/**
 * tf.profile also records each op built with customGrad (`fusedMatMul__op`,
 * `logSoftmax__op`, or `unnamed scope` when called bare) as a scope around
 * the kernels it runs, which are recorded too: counting the scope would
 * count their time twice.
 */
function isOpScope(kernel: KernelRecord): boolean {
  return kernel.name.endsWith('__op') || kernel.name === 'unnamed scope';
}

/** Kernels grouped by name, most time first (then most calls); op scopes left out. */
export function summariseKernels(kernels: readonly KernelRecord[]): KernelSummary[] {
  const byName = new Map<string, KernelSummary>();
  for (const kernel of kernels) {
    if (isOpScope(kernel)) continue;
    const entry = byName.get(kernel.name) ?? { name: kernel.name, count: 0, ms: 0, bytesAdded: 0 };
    entry.count++;
    entry.ms += kernelMs(kernel);
    entry.bytesAdded += Math.max(0, kernel.bytesAdded);
    byName.set(kernel.name, entry);
  }
  return [...byName.values()].sort((a, b) => b.ms - a.ms || b.count - a.count || a.name.localeCompare(b.name));
}

export function totalKernelMs(summary: readonly KernelSummary[]): number {
  return summary.reduce((sum, k) => sum + k.ms, 0);
}

export function totalKernelCount(summary: readonly KernelSummary[]): number {
  return summary.reduce((sum, k) => sum + k.count, 0);
}
