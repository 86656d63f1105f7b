/**
 * The header's backend badge: the fast path says so (and why a software
 * GPU was passed over), a slower backend warns with the reasons.
 */
import { describe, expect, it } from 'vitest';
import { describeBackend } from '../../src/ui/backend-status';
import type { BackendState } from '../../src/ui/store/types';

const state = (over: Partial<BackendState>): BackendState => ({
  active: 'wasm',
  preference: 'auto',
  fallbackReasons: [],
  adapterInfo: null,
  software: null,
  passedOverSoftware: [],
  wasmThreads: null,
  crossOriginIsolated: null,
  ...over,
});

const SWIFTSHADER_REASON = 'WebGPU: here it is a software adapter (SwiftShader), 30–60× slower than WASM; choose WebGPU to use it anyway';

describe('describeBackend', () => {
  it('says "starting…" until the worker has chosen', () => {
    expect(describeBackend(state({ active: null }))).toEqual({ label: 'starting…', tone: 'pending', note: null });
  });

  it('a hardware WebGPU is the fast path, with nothing to explain', () => {
    expect(describeBackend(state({ active: 'webgpu', adapterInfo: 'nvidia · hopper' }))).toEqual({ label: 'WebGPU', tone: 'ok', note: null });
  });

  it('auto on a software WebGPU: WASM, not a warning, saying why and how to use WebGPU anyway', () => {
    const status = describeBackend(
      state({ fallbackReasons: [SWIFTSHADER_REASON], passedOverSoftware: [{ backend: 'webgpu', renderer: 'SwiftShader' }] }),
    );
    expect(status).toEqual({
      label: 'WASM',
      tone: 'ok',
      note: 'WASM — WebGPU here is a software adapter (SwiftShader), 30–60× slower; choose WebGPU to use it anyway.',
    });
  });

  it('names WebGL too when it was software as well', () => {
    const status = describeBackend(
      state({
        fallbackReasons: [SWIFTSHADER_REASON, 'WebGL: here it is a software renderer (SwiftShader), …'],
        passedOverSoftware: [
          { backend: 'webgpu', renderer: 'SwiftShader' },
          { backend: 'webgl', renderer: 'SwiftShader' },
        ],
      }),
    );
    expect(status.tone).toBe('ok');
    expect(status.note).toBe('WASM — WebGPU here is a software adapter (SwiftShader), and WebGL a software renderer (SwiftShader), 30–60× slower; choose WebGPU to use it anyway.');
  });

  it('software WebGPU passed over but WASM failed too: CPU warns with every reason', () => {
    const reasons = [SWIFTSHADER_REASON, 'WASM: 404'];
    const status = describeBackend(state({ active: 'cpu', fallbackReasons: reasons, passedOverSoftware: [{ backend: 'webgpu', renderer: 'SwiftShader' }] }));
    expect(status).toEqual({ label: 'CPU', tone: 'warn', note: `WebGPU is not in use: ${reasons.join('; ')}. Training will be slower.` });
  });

  it('WebGPU chosen by name on a software adapter: used, and the badge warns it is software', () => {
    const status = describeBackend(state({ active: 'webgpu', preference: 'webgpu', software: 'SwiftShader' }));
    expect(status).toEqual({
      label: 'WebGPU (software: SwiftShader)',
      tone: 'warn',
      note: 'WebGPU here runs on a software adapter (SwiftShader), 30–60× slower than WASM: WebGPU was chosen. Choose auto or WASM for the fast path.',
    });
  });

  it('a software backend as the last resort under auto says nothing faster started', () => {
    const status = describeBackend(state({ active: 'webgpu', software: 'llvmpipe', fallbackReasons: ['WASM: 404', 'CPU: broken'] }));
    expect(status.tone).toBe('warn');
    expect(status.note).toContain('nothing faster started (WASM: 404; CPU: broken)');
  });

  it('names WASM\'s threads, and says why there is only one when the page is not cross-origin isolated', () => {
    const passedOver = { fallbackReasons: [SWIFTSHADER_REASON], passedOverSoftware: [{ backend: 'webgpu' as const, renderer: 'SwiftShader' }] };
    const threaded = describeBackend(state({ ...passedOver, wasmThreads: 2, crossOriginIsolated: true }));
    expect(threaded.label).toBe('WASM · 2 threads');
    expect(threaded.note).toBe('WASM — WebGPU here is a software adapter (SwiftShader), 30–60× slower; choose WebGPU to use it anyway.');
    const single = describeBackend(state({ ...passedOver, wasmThreads: 1, crossOriginIsolated: false }));
    expect(single.label).toBe('WASM · 1 thread');
    expect(single.note).toMatch(/use it anyway\. WASM runs on one thread: the page is not cross-origin isolated \(serve it with the COOP\/COEP headers in the README\)\.$/);
    // Isolated, but one core: nothing to explain.
    expect(describeBackend(state({ preference: 'wasm', wasmThreads: 1, crossOriginIsolated: true })).note).toBe('WebGPU is not in use: WASM was chosen.');
    // Other backends have no thread count.
    expect(describeBackend(state({ active: 'webgpu', wasmThreads: 2 })).label).toBe('WebGPU');
  });

  it('without WebGPU at all: a warning with the reasons; a backend chosen by name says so', () => {
    expect(describeBackend(state({ fallbackReasons: ['WebGPU: navigator.gpu is missing'] }))).toEqual({
      label: 'WASM',
      tone: 'warn',
      note: 'WebGPU is not in use: WebGPU: navigator.gpu is missing. Training will be slower.',
    });
    expect(describeBackend(state({ active: 'cpu', preference: 'cpu' })).note).toBe('WebGPU is not in use: CPU was chosen.');
  });
});
