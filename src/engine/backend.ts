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
 * A backend that would render in software (WebGPU or WebGL on SwiftShader,
 * llvmpipe, or an adapter that says it is a fallback) is passed over unless
 * it was asked for by name: on this project's machines SwiftShader WebGPU
 * trains 30-60x slower than WASM (gpt2-tiny: about 7,400 ms a step against
 * 117 ms). It is still used as a last resort, when nothing else starts.
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

/** GPUAdapterInfo's fields that tell a software adapter (Chromium on SwiftShader: "google", "swiftshader", isFallbackAdapter true). */
export interface GpuAdapterFacts extends GpuAdapterSummary {
  isFallbackAdapter?: boolean;
}

/** A backend passed over because it would render in software, and on what. */
export interface SoftwareBackend {
  backend: BackendName;
  renderer: string;
}

export interface BackendSelection {
  backend: BackendName;
  /** One line per backend tried before the chosen one, saying why it was not used. */
  fallbackReasons: string[];
  /** For WebGPU: the adapter (e.g. vendor "google", architecture "swiftshader" for software rendering). */
  adapterInfo?: GpuAdapterSummary;
  /** The software renderer the chosen backend runs on: it was asked for by name, or nothing else started. */
  software?: string;
  /** Backends that would have started but were passed over because they render in software. */
  passedOverSoftware?: SoftwareBackend[];
  /**
   * For WASM: the threads its kernels use (XNNPACK's pool). Above 1 only
   * with the threaded build, which needs SharedArrayBuffer: a page that is
   * cross-origin isolated (COOP/COEP headers); never in Node, where tfjs
   * does not enable threads.
   */
  wasmThreads?: number;
}

export interface InitBackendOptions {
  /**
   * Where the WASM backend's .wasm files are served: a folder URL ending in
   * "/", or a map from each file name to its URL (tfjs' setWasmPaths).
   */
  wasmPaths?: string | Record<string, string>;
  /**
   * Threads for WASM's kernels where the threaded build runs (a cross-origin
   * isolated page or worker), at most 8 (the pool tfjs builds). Default: one
   * per logical core (navigator.hardwareConcurrency); tfjs's own default and
   * cap is half of them. Read once, when the WASM backend first starts.
   */
  wasmThreads?: number;
}

export type BackendAttempt =
  | { ok: true; adapterInfo?: GpuAdapterSummary; software?: string; wasmThreads?: number }
  | { ok: false; reason: string }
  /** It would start, but renders in software (on `software`): not started, so a faster backend can be tried. */
  | { ok: false; reason: string; software: string };

/** Whether an attempt may start a backend that renders in software. */
export type AttemptBackend = (name: BackendName, allowSoftware: boolean) => Promise<BackendAttempt>;

const DISPLAY_NAMES: Record<BackendName, string> = { webgpu: 'WebGPU', webgl: 'WebGL', wasm: 'WASM', cpu: 'CPU' };

/**
 * Tries `order` with `attempt` until one works. Separate from initBackend so
 * the fallback logic can be tested with any outcome of each attempt.
 *
 * Only `explicit` (the backend the user named) may start in software at
 * once; any other that would render in software is passed over, and tried
 * again, allowed to, only when no backend in `order` starts.
 */
export async function chooseBackend(order: readonly BackendName[], attempt: AttemptBackend, explicit: BackendName | null = null): Promise<BackendSelection> {
  const fallbackReasons: string[] = [];
  const passedOverSoftware: SoftwareBackend[] = [];
  const tryOne = async (name: BackendName, allowSoftware: boolean): Promise<BackendAttempt> => {
    try {
      return await attempt(name, allowSoftware);
    } catch (error) {
      return { ok: false, reason: `failed to start (${messageOf(error)})` };
    }
  };
  const chosen = (name: BackendName, result: Extract<BackendAttempt, { ok: true }>): BackendSelection => ({
    backend: name,
    fallbackReasons,
    ...(result.adapterInfo && { adapterInfo: result.adapterInfo }),
    ...(result.software !== undefined && { software: result.software }),
    ...(result.wasmThreads !== undefined && { wasmThreads: result.wasmThreads }),
    ...(passedOverSoftware.length > 0 && { passedOverSoftware }),
  });
  for (const name of order) {
    const result = await tryOne(name, name === explicit);
    if (result.ok) return chosen(name, result);
    fallbackReasons.push(`${DISPLAY_NAMES[name]}: ${result.reason}`);
    if ('software' in result) passedOverSoftware.push({ backend: name, renderer: result.software });
  }
  // Nothing else started: a slow backend is better than none.
  for (const { backend } of passedOverSoftware.splice(0)) {
    const result = await tryOne(backend, true);
    if (result.ok) return chosen(backend, result);
    fallbackReasons.push(`${DISPLAY_NAMES[backend]}: ${result.reason}`);
  }
  throw new Error(`no tfjs backend could start: ${fallbackReasons.join('; ')}`);
}

/** The reason a backend passed over for rendering in software gives, naming what it was. */
export function softwareReason(name: BackendName, renderer: string): string {
  const kind = name === 'webgpu' ? 'adapter' : 'renderer';
  return `here it is a software ${kind} (${renderer}), 30–60× slower than WASM; choose ${DISPLAY_NAMES[name]} to use it anyway`;
}

const SOFTWARE_RENDERERS: readonly [RegExp, string][] = [
  [/swiftshader/i, 'SwiftShader'],
  [/llvmpipe/i, 'llvmpipe'],
  [/lavapipe/i, 'lavapipe'],
  [/softpipe/i, 'softpipe'],
  [/microsoft basic render/i, 'Microsoft Basic Render Driver'],
];

/**
 * The name of the software renderer behind a WebGPU adapter or a WebGL
 * renderer string, or null for hardware. `isFallbackAdapter` (in
 * GPUAdapterInfo since Chrome 136; on the adapter before) is the standard
 * signal; the names catch browsers and drivers that do not set it.
 */
export function softwareRendererOf(facts: Partial<GpuAdapterFacts> | string): string | null {
  const fields = typeof facts === 'string' ? [facts] : [facts.vendor, facts.architecture, facts.device, facts.description];
  const text = fields.filter(Boolean).join(' ');
  for (const [pattern, name] of SOFTWARE_RENDERERS) if (pattern.test(text)) return name;
  if (typeof facts !== 'string' && facts.isFallbackAdapter === true) return text ? `a fallback adapter: ${text}` : 'a fallback adapter';
  return null;
}

/** Picks and activates a backend, falling back in BACKEND_ORDER from `preference`. */
export async function initBackend(preference: BackendPreference = 'auto', options: InitBackendOptions = {}): Promise<BackendSelection> {
  const start = preference === 'auto' ? 0 : BACKEND_ORDER.indexOf(preference);
  if (start < 0) throw new RangeError(`unknown backend "${preference}" (expected auto, ${BACKEND_ORDER.join(', ')})`);
  const explicit = preference === 'auto' ? null : preference;
  return chooseBackend(BACKEND_ORDER.slice(start), (name, allowSoftware) => ATTEMPTS[name](options, allowSoftware), explicit);
}

const ATTEMPTS: Record<BackendName, (options: InitBackendOptions, allowSoftware: boolean) => Promise<BackendAttempt>> = {
  webgpu: tryWebGpu,
  webgl: tryWebGl,
  wasm: tryWasm,
  cpu: tryCpu,
};

async function tryWebGpu(_options: InitBackendOptions, allowSoftware: boolean): Promise<BackendAttempt> {
  const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (!gpu) return { ok: false, reason: 'navigator.gpu is missing (this browser has no WebGPU)' };
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (error) {
    return { ok: false, reason: `requesting a GPU adapter failed (${messageOf(error)})` };
  }
  if (!adapter) return { ok: false, reason: 'no GPU adapter is available (WebGPU may be disabled or the GPU blocklisted)' };
  const facts = adapterFacts(adapter);
  const software = softwareRendererOf(facts) ?? undefined;
  if (software !== undefined && !allowSoftware) return { ok: false, reason: softwareReason('webgpu', software), software };
  await import('@tensorflow/tfjs-backend-webgpu'); // registers 'webgpu' now that navigator.gpu exists
  const activated = await activate('webgpu');
  const { isFallbackAdapter: _fallback, ...adapterInfo } = facts;
  return activated.ok ? { ok: true, adapterInfo, ...(software !== undefined && { software }) } : activated;
}

async function tryWebGl(_options: InitBackendOptions, allowSoftware: boolean): Promise<BackendAttempt> {
  if (tf.findBackendFactory('webgl') === null) {
    return { ok: false, reason: 'not available here (tfjs registers WebGL only in a browser page or worker)' };
  }
  const g = globalThis as { OffscreenCanvas?: unknown; document?: unknown };
  if (g.OffscreenCanvas === undefined && g.document === undefined) {
    return { ok: false, reason: 'no canvas to draw on (neither OffscreenCanvas nor a document)' };
  }
  const renderer = webGlRenderer();
  const software = renderer === null ? undefined : (softwareRendererOf(renderer) ?? undefined);
  if (software !== undefined && !allowSoftware) return { ok: false, reason: softwareReason('webgl', software), software };
  const activated = await activate('webgl');
  return activated.ok && software !== undefined ? { ok: true, software } : activated;
}

/** The GPU behind WebGL (WEBGL_debug_renderer_info), from a throw-away context; null where it cannot be read. */
function webGlRenderer(): string | null {
  try {
    const g = globalThis as { OffscreenCanvas?: new (w: number, h: number) => { getContext(kind: 'webgl2'): WebGL2RenderingContext | null } };
    const gl = g.OffscreenCanvas ? new g.OffscreenCanvas(1, 1).getContext('webgl2') : null;
    if (!gl) return null;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : null;
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return renderer;
  } catch {
    return null;
  }
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
  const threads = options.wasmThreads ?? defaultWasmThreads();
  if (threads !== null) wasm.setThreadsCount(threads);
  const activated = threads === null ? await activate('wasm') : await withCoresForThreads(threads, () => activate('wasm'));
  if (!activated.ok) return activated;
  // Training needs the gather gradient this backend lacks, and its transposed matMuls are very slow.
  registerWasmTrainingKernels();
  return { ok: true, wasmThreads: wasm.getThreadsCount() };
}

/**
 * tfjs caps its thread pool at half of navigator.hardwareConcurrency (it
 * assumes two hardware threads per core; this project's 2-vCPU machines
 * would get one thread), read once as its module starts. While it starts,
 * the worker's navigator says twice `threads`, so the pool gets `threads`;
 * the real count is back right after.
 */
async function withCoresForThreads<T>(threads: number, start: () => Promise<T>): Promise<T> {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  let shadowed = false;
  if (nav && (nav.hardwareConcurrency ?? 0) < 2 * threads) {
    try {
      Object.defineProperty(nav, 'hardwareConcurrency', { value: 2 * threads, configurable: true });
      shadowed = true;
    } catch {
      // A navigator that cannot be shadowed: tfjs's cap stays.
    }
  }
  try {
    return await start();
  } finally {
    if (shadowed) delete (nav as { hardwareConcurrency?: number }).hardwareConcurrency;
  }
}

/** One thread per core where threads can run (SharedArrayBuffer needs cross-origin isolation); null: tfjs's default. */
function defaultWasmThreads(): number | null {
  const g = globalThis as { crossOriginIsolated?: boolean; navigator?: { hardwareConcurrency?: number } };
  const cores = g.navigator?.hardwareConcurrency ?? 0;
  return g.crossOriginIsolated === true && cores > 0 ? cores : null;
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

/** adapter.info where the browser has it; isFallbackAdapter moved there from the adapter in Chrome 136. */
function adapterFacts(adapter: GPUAdapter): GpuAdapterFacts {
  const info = (adapter as unknown as { info?: Partial<GpuAdapterFacts> }).info ?? {};
  const fallback = info.isFallbackAdapter ?? (adapter as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter;
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    ...(fallback !== undefined && { isFallbackAdapter: fallback }),
  };
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && 'message' in error) return String((error as { message: unknown }).message);
  return String(error);
}
