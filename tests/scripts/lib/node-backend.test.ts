import { describe, expect, it } from 'vitest';
import { parseCliBackend, resolveAutoBackend } from '../../../scripts/lib/node-backend';

describe("the CLIs' auto backend", () => {
  it('is the default, and the named backends pass through', () => {
    expect(parseCliBackend(undefined)).toBe('auto');
    expect(parseCliBackend('auto')).toBe('auto');
    for (const b of ['cpu', 'wasm', 'webgpu'] as const) expect(parseCliBackend(b)).toBe(b);
    expect(() => parseCliBackend('tpu')).toThrow('--backend must be auto, cpu, wasm or webgpu, got "tpu"');
  });

  it('takes WebGPU only on a hardware adapter, else WASM, saying why', () => {
    expect(resolveAutoBackend(() => null)).toEqual({ backend: 'wasm', why: 'no WebGPU adapter' });
    expect(resolveAutoBackend(() => ({ vendor: 'google', architecture: 'swiftshader', isFallbackAdapter: true }))).toEqual({
      backend: 'wasm',
      why: 'the WebGPU adapter is software (SwiftShader); --backend webgpu uses it anyway',
    });
    expect(resolveAutoBackend(() => ({ vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' })).backend).toBe('wasm');
    expect(resolveAutoBackend(() => ({ vendor: 'unknown', architecture: '', isFallbackAdapter: true })).backend).toBe('wasm');
    expect(resolveAutoBackend(() => ({ vendor: 'nvidia', architecture: 'hopper', isFallbackAdapter: false }))).toEqual({ backend: 'webgpu', why: 'a hardware WebGPU adapter' });
  });

  it("probes this machine's Dawn in a child process and answers within its timeout", () => {
    const started = Date.now();
    const auto = resolveAutoBackend();
    expect(['wasm', 'webgpu']).toContain(auto.backend);
    expect(auto.why).not.toBe('');
    expect(Date.now() - started).toBeLessThan(16_000);
  });
});
