/**
 * What went wrong with a run, in the user's terms, and which backend to try
 * instead.
 */
import { MemoryPlanError } from '../engine/train/memory-check';
import { errorMessage, NonFiniteLossError } from '../engine/errors';
import type { BackendName, FailureKind } from './protocol';

export interface RunFailureInfo {
  kind: FailureKind;
  message: string;
  suggestedBackend: BackendName | null;
}

const OUT_OF_MEMORY = /out of memory|\bOOM\b|allocation failed|failed to allocate|exceeds the max buffer size|RangeError: Array buffer allocation|maxBufferSize|maxStorageBufferBindingSize/i;
// A destroyed device aborts pending read-backs ("Buffer was unmapped before mapping was resolved") before its lost promise settles.
const DEVICE_LOST = /device (was )?lost|GPUDevice.*lost|context lost|device is lost|DXGI_ERROR_DEVICE|unmapped before mapping was resolved/i;

/** A different backend worth trying after a failure on `current`. */
function otherBackend(current: BackendName | null): BackendName {
  return current === 'cpu' ? 'wasm' : current === 'webgpu' || current === 'webgl' ? 'wasm' : 'cpu';
}

export function classifyFailure(error: unknown, backend: BackendName | null): RunFailureInfo {
  const message = errorMessage(error);
  if (error instanceof NonFiniteLossError) {
    return { kind: 'non-finite-loss', message, suggestedBackend: backend === 'cpu' ? null : 'cpu' };
  }
  if (error instanceof MemoryPlanError) {
    // Refused before anything was allocated: the planner's message already says what would fit.
    return { kind: 'out-of-memory', message, suggestedBackend: null };
  }
  if (DEVICE_LOST.test(message)) {
    return {
      kind: 'device-lost',
      message: `The GPU device was lost (${message}). Your runs and settings are kept; resume on another backend.`,
      suggestedBackend: otherBackend(backend),
    };
  }
  if (OUT_OF_MEMORY.test(message)) {
    return {
      kind: 'out-of-memory',
      message: `Out of memory (${message}). Try a smaller batch or sequence length, or another backend.`,
      suggestedBackend: otherBackend(backend),
    };
  }
  return { kind: 'error', message, suggestedBackend: null };
}
