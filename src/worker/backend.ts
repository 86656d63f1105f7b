/**
 * The worker's tfjs backend. WebGPU first; when it is missing or fails, the
 * next that works, with the reason for each fallback for the backend badge.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendPreference } from './protocol';
import type { BackendInfo } from './runtime';

type Candidate = 'webgpu' | 'wasm' | 'cpu';

async function tryWebGpu(): Promise<string | null> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) return 'navigator.gpu is missing (this browser has no WebGPU, or it is disabled)';
  const adapter = await gpu.requestAdapter();
  if (!adapter) return 'no WebGPU adapter is available';
  await import('@tensorflow/tfjs-backend-webgpu');
  return null;
}

async function tryWasm(wasmPath: string): Promise<string | null> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(wasmPath);
  return null;
}

async function attempt(candidate: Candidate, wasmPath: string): Promise<string | null> {
  try {
    const reason = candidate === 'webgpu' ? await tryWebGpu() : candidate === 'wasm' ? await tryWasm(wasmPath) : null;
    if (reason) return reason;
    if (!(await tf.setBackend(candidate))) return 'it failed to initialise';
    await tf.ready();
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

export async function initWorkerBackend(preference: BackendPreference, wasmPath: string): Promise<BackendInfo> {
  const order: Candidate[] = preference === 'auto' || preference === 'webgl' ? ['webgpu', 'wasm', 'cpu'] : [preference, 'cpu'];
  const fallbackReasons: string[] = [];
  for (const candidate of order) {
    const reason = await attempt(candidate, wasmPath);
    if (reason === null) return { backend: candidate, fallbackReasons, adapterInfo: null };
    fallbackReasons.push(`${candidate.toUpperCase()}: ${reason}`);
  }
  throw new Error(`no tfjs backend could start: ${fallbackReasons.join('; ')}`);
}
