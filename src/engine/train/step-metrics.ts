/**
 * What a training step reports besides its loss: memory as tfjs (and the GPU
 * backend) count it, and the on-device window of recent losses that lets a
 * step finish without waiting for the device.
 */
import * as tf from '@tensorflow/tfjs';

export interface MemorySnapshot {
  /** tf.memory().numTensors: tensors alive, variables included. */
  numTensors: number;
  /** tf.memory().numBytes: bytes of those tensors. */
  numBytes: number;
  /** WebGPU/WebGL: bytes of GPU buffers in use, when the backend says. */
  gpuBytes?: number;
  /** WebGPU/WebGL: bytes the backend's buffer pool holds (in use or free), when it says. */
  gpuBytesAllocated?: number;
  /** WebGPU: GPU buffers the backend holds (in use + pooled free); a leak makes it grow step after step. */
  gpuBuffers?: number;
}

interface BufferCounting {
  bufferManager?: { getNumUsedBuffers(): number; getNumFreeBuffers(): number };
}

/** A step's loss as read back from the device. */
export interface LossPoint {
  step: number;
  loss: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
}

/**
 * The last few steps' losses and gradient norms, kept on the device in two
 * fixed-size tensors (slot i of the window holds the i-th step since the last
 * read-back), so recording a step allocates nothing that outlives it.
 */
export class LossWindow {
  private losses: tf.Tensor1D;
  private norms: tf.Tensor1D;
  private steps: number[] = [];
  private startedAt = 0;

  constructor(private readonly size: number) {
    this.losses = tf.zeros([size]);
    this.norms = tf.zeros([size]);
  }

  /** `startedAt`: when the step began (performance.now()), for the time per step. */
  record(step: number, loss: tf.Scalar, norm: tf.Scalar, startedAt: number): void {
    const slot = this.steps.length;
    if (slot >= this.size) throw new Error('the loss window is full: read it back first');
    if (slot === 0) this.startedAt = startedAt;
    const [losses, norms] = tf.tidy(() => {
      const inSlot = tf.tensor1d(
        Array.from({ length: this.size }, (_, i) => (i === slot ? 1 : 0)),
        'bool',
      ); // (N,)
      // where, not a one-hot product: 0 × NaN would spread a NaN to every slot.
      const put = (window: tf.Tensor1D, value: tf.Scalar) =>
        tf.where(inSlot, tf.broadcastTo(tf.reshape(value, [1]), [this.size]), window) as tf.Tensor1D;
      return [put(this.losses, loss), put(this.norms, norm)];
    });
    this.losses.dispose();
    this.norms.dispose();
    this.losses = losses;
    this.norms = norms;
    this.steps.push(step);
  }

  /** Steps recorded since the last read-back. */
  get pending(): number {
    return this.steps.length;
  }

  /** The recorded steps' values, oldest first; empties the window. */
  async read(): Promise<{ points: LossPoint[]; msPerStep: number }> {
    const both = tf.concat([this.losses, this.norms]); // (2N,)
    let values: Float32Array;
    try {
      values = (await both.data()) as Float32Array;
    } finally {
      both.dispose();
    }
    const now = performance.now();
    const points = this.steps.map((step, i) => ({ step, loss: values[i], gradNorm: values[this.size + i] }));
    const msPerStep = (now - this.startedAt) / Math.max(1, this.steps.length);
    this.steps = [];
    return { points, msPerStep };
  }

  dispose(): void {
    this.losses.dispose();
    this.norms.dispose();
  }
}

export function memorySnapshot(): MemorySnapshot {
  const info = tf.memory() as tf.MemoryInfo & {
    numBytesInGPU?: number;
    numBytesAllocatedInGPU?: number;
    numBytesInGPUAllocated?: number;
  };
  const snapshot: MemorySnapshot = { numTensors: info.numTensors, numBytes: info.numBytes };
  if (info.numBytesInGPU !== undefined) snapshot.gpuBytes = info.numBytesInGPU;
  // WebGPU calls the pool numBytesAllocatedInGPU, WebGL numBytesInGPUAllocated.
  const allocated = info.numBytesAllocatedInGPU ?? info.numBytesInGPUAllocated;
  if (allocated !== undefined) snapshot.gpuBytesAllocated = allocated;
  const buffers = tf.getBackend() === 'webgpu' ? (tf.backend() as unknown as BufferCounting).bufferManager : undefined;
  if (buffers) snapshot.gpuBuffers = buffers.getNumUsedBuffers() + buffers.getNumFreeBuffers();
  return snapshot;
}
