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
import { chooseBackend, initBackend, type BackendAttempt, type BackendName } from '../../src/engine/backend';

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

  it('fails with every reason when nothing works', async () => {
    await expect(chooseBackend(['wasm', 'cpu'], outcomes({}))).rejects.toThrow('no tfjs backend could start: WASM: untested; CPU: untested');
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
    expect(selection).toEqual({ backend: 'wasm', fallbackReasons: [NO_WEBGPU, NO_WEBGL] });
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
    expect(selection).toEqual({ backend: 'wasm', fallbackReasons: [NO_WEBGL] });
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

  it('with Dawn providing navigator.gpu, chooses WebGPU and reports the adapter', async () => {
    const { create, globals } = require('webgpu') as { create: (flags: string[]) => GPU; globals: object };
    Object.assign(globalThis, globals);
    setNavigator({ gpu: create([]) });
    const selection = await initBackend('auto');
    // Fails (never skips) without a Vulkan device, saying what to install.
    expect(selection.fallbackReasons, "WebGPU in Node runs on Chromium's SwiftShader here: install Chromium (apt-get install chromium)").toEqual([]);
    expect(selection.backend).toBe('webgpu');
    expect(selection.adapterInfo?.vendor || selection.adapterInfo?.architecture).toBeTruthy();
    expect(tf.getBackend()).toBe('webgpu');
    const product = tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]]));
    expect(Array.from(await product.data())).toEqual([11]);
  });
});
