/// <reference lib="webworker" />
/// <reference types="vite/client" />
/**
 * The benchmark page's worker: builds the preset model on the requested
 * backend and runs the same benchmark as `npm run bench`
 * (src/engine/bench/benchmark.ts), off the page's thread as the app trains.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../engine/backend';
import { benchmarkModel, presetModel } from '../engine/bench/benchmark';
import { benchPreset } from '../engine/bench/presets';
import { errorMessage } from '../engine/errors';
import type { BenchCommand, BenchEvent } from './protocol';
import type { PageBenchRequest } from './request';

declare const self: DedicatedWorkerGlobalScope;

const baseUrl = new URL(import.meta.env.BASE_URL, self.location.origin).href;
const post = (event: BenchEvent) => self.postMessage(event);

async function run(request: PageBenchRequest): Promise<void> {
  const selection = await initBackend(request.backend, { wasmPaths: `${baseUrl}tfjs-wasm/`, wasmThreads: request.threads });
  if (selection.backend !== request.backend) {
    throw new Error(`the ${request.backend} backend is not available here: ${selection.fallbackReasons.join('; ')}`);
  }
  const threads = selection.wasmThreads ?? null;
  // Threads need SharedArrayBuffer, i.e. a cross-origin isolated page: without it tfjs runs one, silently.
  if (request.threads !== undefined && threads !== request.threads) {
    throw new Error(`asked for ${request.threads} WASM threads, tfjs-wasm runs ${threads} (cross-origin isolated: ${self.crossOriginIsolated})`);
  }
  tf.enableProdMode();
  const gpu = selection.adapterInfo;
  const device = gpu ? `${gpu.vendor || 'unknown'}/${gpu.architecture || gpu.device || 'unknown'}` : null;
  post({ type: 'backend', backend: selection.backend, device, fallbackReasons: selection.fallbackReasons, threads, isolated: self.crossOriginIsolated });
  const started = performance.now();
  const model = presetModel(benchPreset(request.model), request.seed);
  post({ type: 'progress', text: `random-init weights in ${((performance.now() - started) / 1000).toFixed(1)} s` });
  try {
    const records = await benchmarkModel(
      model,
      { ...request, backend: tf.getBackend(), device, threads },
      { onProgress: (p) => post({ type: 'progress', text: `${p.phase} ${p.done}/${p.total} (${p.method})` }) },
    );
    post({ type: 'done', records });
  } finally {
    model.dispose();
  }
}

self.onmessage = (message: MessageEvent<BenchCommand>) => {
  if (message.data.type !== 'run') return;
  run(message.data.request).catch((error: unknown) => post({ type: 'error', message: errorMessage(error) }));
};
