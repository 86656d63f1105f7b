/**
 * Backend selection: WebGPU, then WebGL, then WASM, then CPU, with a reason
 * for every backend passed over. In Node there is no WebGL; WebGPU exists
 * once navigator.gpu is provided (Dawn, from the `webgpu` package, on
 * SwiftShader here). The tests run in order: no GPU first, then Dawn.
 */
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { chooseBackend, initBackend, softwareRendererOf, type BackendAttempt, type BackendName } from '../../src/engine/backend';

const require = createRequire(import.meta.url);
const WASM_DIR = `${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'))}/`;

const NO_WEBGPU = 'WebGPU: navigator.gpu is missing (this browser has no WebGPU)';
const NO_WEBGL = 'WebGL: not available here (tfjs registers WebGL only in a browser page or worker)';

function setNavigator(value: unknown): void {
  Object.defineProperty(globalThis, 'navigator', { value, configurable: true, writable: true });
}

describe('chooseBackend (the fallback logic)', () => {
  const outcomes = (results: Partial<Record<BackendName, BackendAttempt | Error>>) => async (name: BackendName) => {
    const result = results[name] ?? { ok: false, reason: 'untested' };
    if (result instanceof Error) throw result;
    return result;
  };
  /** A backend that starts only when allowed to run in software, as SwiftShader WebGPU does here; the calls are logged. */
  const softwareOnly = (software: string, calls: string[]) => async (allowSoftware: boolean): Promise<BackendAttempt> => {
    calls.push(`webgpu allowSoftware=${allowSoftware}`);
    return allowSoftware ? { ok: true, software } : { ok: false, reason: `software (${software})`, software };
  };

  it('takes the first backend that works and lists why the earlier ones did not', async () => {
    const selection = await chooseBackend(
      ['webgpu', 'webgl', 'wasm', 'cpu'],
      outcomes({ webgpu: { ok: false, reason: 'no adapter' }, webgl: new Error('context lost'), wasm: { ok: false, reason: '404' }, cpu: { ok: true } }),
    );
    expect(selection).toEqual({
      backend: 'cpu',
      fallbackReasons: ['WebGPU: no adapter', 'WebGL: failed to start (context lost)', 'WASM: 404'],
    });
  });

  it('reports the adapter of a working WebGPU and no reasons', async () => {
    const adapterInfo = { vendor: 'nvidia', architecture: 'hopper', device: '', description: '' };
    expect(await chooseBackend(['webgpu', 'cpu'], outcomes({ webgpu: { ok: true, adapterInfo } }))).toEqual({
      backend: 'webgpu',
      fallbackReasons: [],
      adapterInfo,
    });
  });

  it('auto passes over a software WebGPU adapter for WASM, without starting it, and says so', async () => {
    const calls: string[] = [];
    const webgpu = softwareOnly('SwiftShader', calls);
    const selection = await chooseBackend(['webgpu', 'webgl', 'wasm', 'cpu'], async (name, allowSoftware) =>
      name === 'webgpu' ? webgpu(allowSoftware) : outcomes({ webgl: { ok: false, reason: 'none' }, wasm: { ok: true } })(name),
    );
    expect(selection).toEqual({
      backend: 'wasm',
      fallbackReasons: ['WebGPU: software (SwiftShader)', 'WebGL: none'],
      passedOverSoftware: [{ backend: 'webgpu', renderer: 'SwiftShader' }],
    });
    expect(calls).toEqual(['webgpu allowSoftware=false']);
  });

  it('a software backend chosen by name starts, and says it is software', async () => {
    const calls: string[] = [];
    const webgpu = softwareOnly('SwiftShader', calls);
    const selection = await chooseBackend(['webgpu', 'wasm'], async (name, allow) => (name === 'webgpu' ? webgpu(allow) : { ok: true }), 'webgpu');
    expect(selection).toEqual({ backend: 'webgpu', fallbackReasons: [], software: 'SwiftShader' });
    expect(calls).toEqual(['webgpu allowSoftware=true']);
  });

  it('a software backend is the last resort when nothing else starts', async () => {
    const calls: string[] = [];
    const webgpu = softwareOnly('llvmpipe', calls);
    const selection = await chooseBackend(['webgpu', 'wasm', 'cpu'], async (name, allow) => (name === 'webgpu' ? webgpu(allow) : outcomes({})(name)));
    expect(selection).toEqual({ backend: 'webgpu', fallbackReasons: ['WebGPU: software (llvmpipe)', 'WASM: untested', 'CPU: untested'], software: 'llvmpipe' });
    expect(calls).toEqual(['webgpu allowSoftware=false', 'webgpu allowSoftware=true']);
  });

  it('fails with every reason when nothing works', async () => {
    await expect(chooseBackend(['wasm', 'cpu'], outcomes({}))).rejects.toThrow('no tfjs backend could start: WASM: untested; CPU: untested');
  });
});

describe('softwareRendererOf (which adapters and renderers are software)', () => {
  it('names SwiftShader from what Chromium 156 and Dawn report for it', () => {
    // Chromium's adapter.info here; Dawn in Node adds a device and description.
    expect(softwareRendererOf({ vendor: 'google', architecture: 'swiftshader', device: '', description: '', isFallbackAdapter: true })).toBe('SwiftShader');
    expect(softwareRendererOf({ vendor: 'google', architecture: 'swiftshader', device: 'swiftshader-device-subzero-', description: 'SwiftShader driver 5.0.0' })).toBe('SwiftShader');
    // WEBGL_debug_renderer_info's unmasked renderer in the same Chromium.
    expect(softwareRendererOf('ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)')).toBe('SwiftShader');
  });

  it('names Mesa and Windows software renderers, and any adapter that says it is a fallback', () => {
    expect(softwareRendererOf('llvmpipe (LLVM 15.0.6, 256 bits)')).toBe('llvmpipe');
    expect(softwareRendererOf({ vendor: 'mesa', architecture: '', device: 'lavapipe', description: '' })).toBe('lavapipe');
    expect(softwareRendererOf('ANGLE (Microsoft, Microsoft Basic Render Driver Direct3D11 vs_5_0 ps_5_0)')).toBe('Microsoft Basic Render Driver');
    expect(softwareRendererOf({ vendor: 'acme', architecture: 'cpu', device: '', description: '', isFallbackAdapter: true })).toBe('a fallback adapter: acme cpu');
    expect(softwareRendererOf({ isFallbackAdapter: true })).toBe('a fallback adapter');
  });

  it('leaves hardware alone', () => {
    expect(softwareRendererOf({ vendor: 'nvidia', architecture: 'hopper', device: '', description: '', isFallbackAdapter: false })).toBeNull();
    expect(softwareRendererOf({ vendor: 'apple', architecture: 'metal-3', device: '', description: '' })).toBeNull();
    expect(softwareRendererOf('ANGLE (NVIDIA, NVIDIA GeForce RTX 4090 Direct3D11 vs_5_0 ps_5_0, D3D11)')).toBeNull();
    expect(softwareRendererOf({})).toBeNull();
  });
});

describe('initBackend in Node', () => {
  const originalNavigator = (globalThis as { navigator?: unknown }).navigator;
  afterAll(() => setNavigator(originalNavigator));

  it('uses CPU when asked for CPU, without trying anything else', async () => {
    expect(await initBackend('cpu')).toEqual({ backend: 'cpu', fallbackReasons: [] });
    expect(tf.getBackend()).toBe('cpu');
  });

  it('rejects an unknown preference', async () => {
    await expect(initBackend('metal' as never)).rejects.toThrow(/unknown backend "metal"/);
  });

  it('without navigator.gpu, auto falls back past WebGPU and WebGL to WASM, saying why', async () => {
    setNavigator(undefined);
    const selection = await initBackend('auto', { wasmPaths: WASM_DIR });
    // One thread: tfjs never enables the threaded build in Node.
    expect(selection).toEqual({ backend: 'wasm', fallbackReasons: [NO_WEBGPU, NO_WEBGL], wasmThreads: 1 });
    expect(tf.getBackend()).toBe('wasm');
    const sum = tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4]));
    expect(Array.from(await sum.data())).toEqual([4, 6]);
  });

  it('on WASM an embedding trains: the gather gradient, missing from tfjs-backend-wasm, is registered', async () => {
    setNavigator(undefined);
    await initBackend('wasm', { wasmPaths: WASM_DIR });
    expect(tf.getBackend()).toBe('wasm');
    const table = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
    const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.gather(t, tf.tensor1d([2, 0, 2], 'int32'))))(table);
    expect(Array.from(await grad.data())).toEqual([1, 1, 0, 0, 2, 2]);
  });

  it('a preference for WebGL starts the chain at WebGL', async () => {
    const selection = await initBackend('webgl', { wasmPaths: WASM_DIR });
    expect(selection).toEqual({ backend: 'wasm', fallbackReasons: [NO_WEBGL], wasmThreads: 1 });
  });

  it('with a navigator.gpu that gives no adapter, says so and falls back', async () => {
    setNavigator({ gpu: { requestAdapter: async () => null } });
    const selection = await initBackend('auto', { wasmPaths: WASM_DIR });
    expect(selection.backend).toBe('wasm');
    expect(selection.fallbackReasons[0]).toBe('WebGPU: no GPU adapter is available (WebGPU may be disabled or the GPU blocklisted)');
  });

  it('with a navigator.gpu whose adapter request throws, says why', async () => {
    setNavigator({ gpu: { requestAdapter: async () => Promise.reject(new Error('GPU process crashed')) } });
    const selection = await initBackend('webgpu', { wasmPaths: WASM_DIR });
    expect(selection.fallbackReasons[0]).toBe('WebGPU: requesting a GPU adapter failed (GPU process crashed)');
  });

  it('with an adapter that says it is a fallback, auto uses WASM and never starts WebGPU', async () => {
    let devices = 0;
    const adapter = {
      info: { vendor: 'acme', architecture: 'soft', device: '', description: '', isFallbackAdapter: true },
      requestDevice: async () => {
        devices++;
        throw new Error('not in this test');
      },
    };
    setNavigator({ gpu: { requestAdapter: async () => adapter } });
    const selection = await initBackend('auto', { wasmPaths: WASM_DIR });
    expect(selection.backend).toBe('wasm');
    expect(selection.fallbackReasons[0]).toBe(
      'WebGPU: here it is a software adapter (a fallback adapter: acme soft), 30–60× slower than WASM; choose WebGPU to use it anyway',
    );
    expect(selection.passedOverSoftware).toEqual([{ backend: 'webgpu', renderer: 'a fallback adapter: acme soft' }]);
    expect(devices).toBe(0);
  });

  it('with Dawn on SwiftShader, auto passes WebGPU over for WASM; asked for by name, WebGPU starts and reports the adapter', async () => {
    const { create, globals } = require('webgpu') as { create: (flags: string[]) => GPU; globals: object };
    Object.assign(globalThis, globals);
    setNavigator({ gpu: create([]) });
    const auto = await initBackend('auto', { wasmPaths: WASM_DIR });
    // Fails (never skips) without a Vulkan device, saying what to install.
    expect(auto.passedOverSoftware, "WebGPU in Node runs on Chromium's SwiftShader here: install Chromium (apt-get install chromium)").toEqual([
      { backend: 'webgpu', renderer: 'SwiftShader' },
    ]);
    expect(auto.backend).toBe('wasm');
    const selection = await initBackend('webgpu');
    expect(selection.fallbackReasons).toEqual([]);
    expect(selection.backend).toBe('webgpu');
    expect(selection.software).toBe('SwiftShader');
    expect(selection.adapterInfo).toMatchObject({ vendor: 'google', architecture: 'swiftshader' });
    expect(tf.getBackend()).toBe('webgpu');
    const product = tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]]));
    expect(Array.from(await product.data())).toEqual([11]);
  });
});
