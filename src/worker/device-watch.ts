/**
 * Watches the WebGPU device that tfjs trains on: when it is lost (a driver
 * reset, the browser reclaiming it, `device.destroy()`), or reports that it
 * ran out of memory, the runtime is told at once. Neither shows up as an
 * exception in a training step: a lost device may simply never answer the
 * next read-back, and an out-of-memory error is an uncaptured GPU error.
 */
import * as tf from '@tensorflow/tfjs';

export type DeviceFaultKind = 'device-lost' | 'out-of-memory';

interface GpuDeviceLike {
  lost: Promise<{ reason?: string; message?: string }>;
  addEventListener(type: 'uncapturederror', listener: (event: { error?: { message?: string; constructor?: { name?: string } } }) => void): void;
}

/** The device of tfjs's active webgpu backend, or null on another backend. */
export function currentWebGpuDevice(): GpuDeviceLike | null {
  if (tf.getBackend() !== 'webgpu') return null;
  const device = (tf.backend() as unknown as { device?: GpuDeviceLike }).device;
  return device && typeof device.addEventListener === 'function' ? device : null;
}

const watched = new WeakSet<object>();

/** Calls `onFault` when the current WebGPU device is lost or out of memory; once per device for a loss. */
export function watchDevice(onFault: (kind: DeviceFaultKind, detail: string) => void): void {
  const device = currentWebGpuDevice();
  if (!device || watched.has(device)) return;
  watched.add(device);
  void device.lost.then((info) => onFault('device-lost', [info.reason, info.message].filter(Boolean).join(': ')));
  device.addEventListener('uncapturederror', (event) => {
    const error = event.error;
    if (error?.constructor?.name === 'GPUOutOfMemoryError') onFault('out-of-memory', error.message || 'GPUOutOfMemoryError');
  });
}
