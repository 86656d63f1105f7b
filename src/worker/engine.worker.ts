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

declare const self: DedicatedWorkerGlobalScope;

const baseUrl = new URL(import.meta.env.BASE_URL, self.location.origin).href;

const runtime = new PlaygroundRuntime((event, transfer) => self.postMessage(event, transfer ?? []), {
  baseUrl,
  initBackend: async (preference) => {
    const selection = await initBackend(preference, { wasmPaths: `${baseUrl}tfjs-wasm/` });
    const gpu = selection.adapterInfo;
    return {
      backend: selection.backend,
      fallbackReasons: selection.fallbackReasons,
      adapterInfo: gpu ? [gpu.vendor, gpu.architecture, gpu.description].filter(Boolean).join(' · ') : null,
    };
  },
});

self.onmessage = (message: MessageEvent<WorkerCommand>) => {
  void runtime.handle(message.data);
};
