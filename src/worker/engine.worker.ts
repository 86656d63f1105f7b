/// <reference lib="webworker" />
/// <reference types="vite/client" />
/**
 * The engine's dedicated Web Worker: training and inference run here so the
 * page never freezes. Everything it does is in PlaygroundRuntime; this file
 * only connects it to postMessage and to the backend selection.
 */
import { initBackend } from '../engine/backend';
import type { WorkerCommand } from './protocol';
import { PlaygroundRuntime } from './runtime';
import { currentWebGpuDevice, watchDevice } from './device-watch';

declare const self: DedicatedWorkerGlobalScope;

const baseUrl = new URL(import.meta.env.BASE_URL, self.location.origin).href;

const runtime = new PlaygroundRuntime((event, transfer) => self.postMessage(event, transfer ?? []), {
  baseUrl,
  initBackend: async (preference) => {
    const selection = await initBackend(preference, { wasmPaths: `${baseUrl}tfjs-wasm/` });
    // Only the device in use matters: a device left behind by a backend switch is not watched any more.
    watchDevice((kind, detail) => {
      if (currentWebGpuDevice() === device) runtime.deviceFault(kind, detail);
    });
    const device = currentWebGpuDevice();
    const gpu = selection.adapterInfo;
    return {
      backend: selection.backend,
      fallbackReasons: selection.fallbackReasons,
      adapterInfo: gpu ? [gpu.vendor, gpu.architecture, gpu.description].filter(Boolean).join(' · ') : null,
      ...(selection.software !== undefined && { software: selection.software }),
      ...(selection.passedOverSoftware && { passedOverSoftware: selection.passedOverSoftware }),
      ...(selection.wasmThreads !== undefined && { wasmThreads: selection.wasmThreads }),
      crossOriginIsolated: self.crossOriginIsolated,
    };
  },
});

self.onmessage = (message: MessageEvent<WorkerCommand>) => {
  void runtime.handle(message.data);
};

// For the end-to-end fault tests: the device tfjs trains on, so a test can
// call device.destroy() as a driver reset would (Playwright evaluates in the worker).
(self as unknown as { __wegeftGpuDevice: () => unknown }).__wegeftGpuDevice = currentWebGpuDevice;
