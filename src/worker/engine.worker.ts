/// <reference lib="webworker" />
/// <reference types="vite/client" />
/**
 * The engine's dedicated Web Worker: training and inference run here so the
 * page never freezes. Everything it does is in PlaygroundRuntime; this file
 * only connects it to postMessage.
 */
import { initWorkerBackend } from './backend';
import type { WorkerCommand } from './protocol';
import { PlaygroundRuntime } from './runtime';

declare const self: DedicatedWorkerGlobalScope;

const baseUrl = new URL(import.meta.env.BASE_URL, self.location.origin).href;

const runtime = new PlaygroundRuntime((event, transfer) => self.postMessage(event, transfer ?? []), {
  baseUrl,
  initBackend: (preference) => initWorkerBackend(preference, `${baseUrl}tfjs-wasm/`),
});

self.onmessage = (message: MessageEvent<WorkerCommand>) => {
  void runtime.handle(message.data);
};
