/**
 * Memory as a tensor library's user means it: the bytes of distinct data
 * buffers alive, at their highest.
 *
 * tf.memory().numBytes (and tf.profile's peakBytes) add a tensor's size once
 * per tensor, so every reshape, clone and tensor saved for the backward pass
 * (all of which share their input's buffer) counts its bytes again: in a
 * training step that more than doubles the figure, by amounts that differ
 * between methods for no real reason. This tracker counts each data buffer
 * once, from the moment tfjs registers it to the moment it frees it, by
 * observing the engine's two bookkeeping calls for that (trackTensor and
 * removeDataId) while a measurement runs; the engine is restored afterwards.
 * It sees what tfjs sees: kernels' scratch space inside a backend is not
 * included (on WebGPU, the buffer pool's size is reported separately).
 */
import * as tf from '@tensorflow/tfjs';

interface DataInfo {
  bytes: number;
}

/** The parts of tfjs's engine this relies on (tfjs-core 4.x). */
interface EngineBookkeeping {
  state: { tensorInfo: { has(dataId: object): boolean; get(dataId: object): DataInfo | undefined } };
  trackTensor(tensor: tf.Tensor, backend: unknown): void;
  removeDataId(dataId: object, backend: unknown): void;
}

function engineBookkeeping(): EngineBookkeeping {
  const engine = tf.engine() as unknown as Partial<EngineBookkeeping>;
  if (typeof engine.trackTensor !== 'function' || typeof engine.removeDataId !== 'function' || !engine.state?.tensorInfo) {
    throw new Error('memory tracking: this tfjs version has no trackTensor/removeDataId bookkeeping to observe');
  }
  return engine as EngineBookkeeping;
}

export interface BufferBytes {
  /** Highest bytes alive above the level at the start. */
  peak: number;
  /** Bytes alive at the end, less those at the start (what the measured code kept). */
  retained: number;
}

/** One measurement's running count. */
interface Counter {
  live: number;
  peak: number;
}

/** The measurements running now: the engine's two calls are observed while any is. */
const counters = new Set<Counter>();

function observe(engine: EngineBookkeeping): void {
  const track = engine.trackTensor;
  const remove = engine.removeDataId;
  engine.trackTensor = function (this: EngineBookkeeping, tensor, backend) {
    const isNewBuffer = !this.state.tensorInfo.has(tensor.dataId);
    track.call(this, tensor, backend);
    if (!isNewBuffer) return;
    const bytes = this.state.tensorInfo.get(tensor.dataId)?.bytes ?? 0;
    for (const c of counters) {
      c.live += bytes;
      c.peak = Math.max(c.peak, c.live);
    }
  };
  engine.removeDataId = function (this: EngineBookkeeping, dataId, backend) {
    const had = this.state.tensorInfo.has(dataId);
    const bytes = this.state.tensorInfo.get(dataId)?.bytes ?? 0;
    remove.call(this, dataId, backend);
    if (had && !this.state.tensorInfo.has(dataId)) for (const c of counters) c.live -= bytes;
  };
}

/**
 * Runs `fn` while counting distinct tfjs data buffers made and freed.
 * Measurements nest (the trainer measures each step; the benchmark measures
 * a whole set-up around it): each counts from its own start.
 */
export async function measureBufferBytes<T>(fn: () => Promise<T>): Promise<{ result: T; bytes: BufferBytes }> {
  const engine = engineBookkeeping();
  if (counters.size === 0) {
    if (Object.prototype.hasOwnProperty.call(engine, 'trackTensor') || Object.prototype.hasOwnProperty.call(engine, 'removeDataId')) {
      throw new Error('memory tracking: something else already replaced the engine\'s trackTensor/removeDataId');
    }
    observe(engine);
  }
  const counter: Counter = { live: 0, peak: 0 };
  counters.add(counter);
  try {
    const result = await fn();
    return { result, bytes: { peak: counter.peak, retained: counter.live } };
  } finally {
    counters.delete(counter);
    if (counters.size === 0) {
      // Back to the prototype's methods.
      delete (engine as Partial<EngineBookkeeping>).trackTensor;
      delete (engine as Partial<EngineBookkeeping>).removeDataId;
    }
  }
}

/** Bytes of a model's (or any) tensors, each counted once. */
export function tensorBytes(tensors: Iterable<tf.Tensor>): number {
  let bytes = 0;
  for (const t of tensors) bytes += t.size * (t.dtype === 'int32' || t.dtype === 'float32' ? 4 : 1);
  return bytes;
}
