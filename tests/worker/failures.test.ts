import { describe, expect, it } from 'vitest';
import { NonFiniteLossError } from '../../src/engine/errors';
import { classifyFailure } from '../../src/worker/failures';

describe('run failures', () => {
  it('a NaN loss on the GPU suggests the CPU; on the CPU there is nothing to switch to', () => {
    const nan = new NonFiniteLossError(7, Number.NaN);
    expect(classifyFailure(nan, 'webgpu')).toMatchObject({ kind: 'non-finite-loss', suggestedBackend: 'cpu' });
    expect(classifyFailure(nan, 'webgpu').message).toMatch(/step 7/);
    expect(classifyFailure(nan, 'cpu').suggestedBackend).toBeNull();
  });

  it('a lost device or exhausted memory is named, with another backend to retry on', () => {
    expect(classifyFailure(new Error('GPUDevice was lost: reason unknown'), 'webgpu')).toMatchObject({ kind: 'device-lost', suggestedBackend: 'wasm' });
    const oom = classifyFailure(new Error('Failed to allocate buffer of 4 GB'), 'webgpu');
    expect(oom).toMatchObject({ kind: 'out-of-memory', suggestedBackend: 'wasm' });
    expect(oom.message).toMatch(/smaller batch/);
  });

  it('anything else is shown as it is', () => {
    expect(classifyFailure(new Error('rank must be at least 1'), 'cpu')).toEqual({ kind: 'error', message: 'rank must be at least 1', suggestedBackend: null });
  });
});
