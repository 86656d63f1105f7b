/**
 * Chooses the tfjs backend in a page or a Web Worker: WebGPU first, then
 * WebGL, then WASM, then the plain-JavaScript CPU backend, and says why each
 * better one was passed over, so the UI can tell the user ("WebGPU:
 * navigator.gpu is missing (this browser has no WebGPU)").
 *
 * The WebGPU backend is imported only once navigator.gpu has given an
 * adapter (the package registers itself at import time, and only when
 * navigator.gpu exists); the WASM backend only when it is tried. A backend
 * counts as working once it has computed a small result correctly.
 *
 * Also runs in Node (tests): there, WebGL is never available, and WebGPU is
 * when navigator.gpu has been provided (e.g. by the `webgpu` package).
 */
import * as tf from '@tensorflow/tfjs';
import { registerCpuTrainingKernels } from './kernels/cpu-training';
import { registerWasmTrainingKernels } from './kernels/wasm-training';

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export type BackendPreference = 'auto' | BackendName;

/** The order tried from a preference: the preferred backend, then the ones after it. */
export const BACKEND_ORDER: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

export interface GpuAdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
}

export interface BackendSelection {
  backend: BackendName;
  /** One line per backend tried before the chosen one, saying why it was not used. */
  fallbackReasons: string[];
  /** For WebGPU: the adapter (e.g. vendor "google", architecture "swiftshader" for software rendering). */
  adapterInfo?: GpuAdapterSummary;
}

export interface InitBackendOptions {
  /**
   * Where the WASM backend's .wasm files are served: a folder URL ending in
   * "/", or a map from each file name to its URL (tfjs' setWasmPaths).
   */
  wasmPaths?: string | Record<string, string>;
}

export type BackendAttempt = { ok: true; adapterInfo?: GpuAdapterSummary } | { ok: false; reason: string };

const DISPLAY_NAMES: Record<BackendName, string> = { webgpu: 'WebGPU', webgl: 'WebGL', wasm: 'WASM', cpu: 'CPU' };

/**
 * Tries `order` with `attempt` until one works. Separate from initBackend so
 * the fallback logic can be tested with any outcome of each attempt.
 */
export async function chooseBackend(
  order: readonly BackendName[],
  attempt: (name: BackendName) => Promise<BackendAttempt>,
): Promise<BackendSelection> {
  const fallbackReasons: string[] = [];
  for (const name of order) {
    let result: BackendAttempt;
    try {
      result = await attempt(name);
    } catch (error) {
      result = { ok: false, reason: `failed to start (${messageOf(error)})` };
    }
    if (result.ok) return { backend: name, fallbackReasons, ...(result.adapterInfo && { adapterInfo: result.adapterInfo }) };
    fallbackReasons.push(`${DISPLAY_NAMES[name]}: ${result.reason}`);
  }
  throw new Error(`no tfjs backend could start: ${fallbackReasons.join('; ')}`);
}

/** Picks and activates a backend, falling back in BACKEND_ORDER from `preference`. */
export async function initBackend(preference: BackendPreference = 'auto', options: InitBackendOptions = {}): Promise<BackendSelection> {
  const start = preference === 'auto' ? 0 : BACKEND_ORDER.indexOf(preference);
  if (start < 0) throw new RangeError(`unknown backend "${preference}" (expected auto, ${BACKEND_ORDER.join(', ')})`);
  return chooseBackend(BACKEND_ORDER.slice(start), (name) => ATTEMPTS[name](options));
}

const ATTEMPTS: Record<BackendName, (options: InitBackendOptions) => Promise<BackendAttempt>> = {
  webgpu: tryWebGpu,
  webgl: tryWebGl,
  wasm: tryWasm,
  cpu: tryCpu,
};

async function tryWebGpu(): Promise<BackendAttempt> {
  const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (!gpu) return { ok: false, reason: 'navigator.gpu is missing (this browser has no WebGPU)' };
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (error) {
    return { ok: false, reason: `requesting a GPU adapter failed (${messageOf(error)})` };
  }
  if (!adapter) return { ok: false, reason: 'no GPU adapter is available (WebGPU may be disabled or the GPU blocklisted)' };
  await import('@tensorflow/tfjs-backend-webgpu'); // registers 'webgpu' now that navigator.gpu exists
  const activated = await activate('webgpu');
  return activated.ok ? { ok: true, adapterInfo: adapterSummary(adapter) } : activated;
}

async function tryWebGl(): Promise<BackendAttempt> {
  if (tf.findBackendFactory('webgl') === null) {
    return { ok: false, reason: 'not available here (tfjs registers WebGL only in a browser page or worker)' };
  }
  const g = globalThis as { OffscreenCanvas?: unknown; document?: unknown };
  if (g.OffscreenCanvas === undefined && g.document === undefined) {
    return { ok: false, reason: 'no canvas to draw on (neither OffscreenCanvas nor a document)' };
  }
  return activate('webgl');
}

async function tryWasm(options: InitBackendOptions): Promise<BackendAttempt> {
  let wasm: typeof import('@tensorflow/tfjs-backend-wasm');
  try {
    wasm = await import('@tensorflow/tfjs-backend-wasm');
  } catch (error) {
    return { ok: false, reason: `the WASM backend could not be loaded (${messageOf(error)})` };
  }
  if (options.wasmPaths !== undefined) {
    try {
      wasm.setWasmPaths(options.wasmPaths);
    } catch (error) {
      return { ok: false, reason: messageOf(error) };
    }
  }
  const activated = await activate('wasm');
  // Training needs the gather gradient this backend lacks, and its transposed matMuls are very slow.
  if (activated.ok) registerWasmTrainingKernels();
  return activated;
}

async function tryCpu(): Promise<BackendAttempt> {
  const activated = await activate('cpu');
  // Its gather gradient makes one pass over the gradient per embedding row.
  if (activated.ok) registerCpuTrainingKernels();
  return activated;
}

/** Sets the backend and checks it computes: 2² must be 4. */
async function activate(name: BackendName): Promise<BackendAttempt> {
  if (tf.findBackendFactory(name) === null) return { ok: false, reason: 'not registered with tfjs' };
  let started: boolean;
  try {
    started = await tf.setBackend(name);
  } catch (error) {
    return { ok: false, reason: `failed to start (${messageOf(error)})` };
  }
  if (!started) return { ok: false, reason: 'failed to start (tfjs could not initialise it; see the console)' };
  try {
    const square = tf.square(tf.scalar(2));
    const value = (await square.data())[0];
    square.dispose();
    if (value !== 4) return { ok: false, reason: `computed 2² = ${value}, not 4: the backend is broken here` };
  } catch (error) {
    return { ok: false, reason: `started but could not compute (${messageOf(error)})` };
  }
  return { ok: true };
}

/** adapter.info where the browser has it; older ones had requestAdapterInfo(). */
function adapterSummary(adapter: GPUAdapter): GpuAdapterSummary {
  const info = (adapter as unknown as { info?: Partial<GpuAdapterSummary> }).info ?? {};
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
  };
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && 'message' in error) return String((error as { message: unknown }).message);
  return String(error);
}
