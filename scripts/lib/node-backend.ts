/**
 * Sets up a tfjs backend for the Node CLIs: `cpu`, `wasm`, or `webgpu`
 * through Dawn (the `webgpu` package) on whatever Vulkan device is present:
 * SwiftShader here (Chromium's copy), the NVIDIA driver on a GPU machine.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { softwareRendererOf } from '../../src/engine/backend';
import { registerCpuTrainingKernels } from '../../src/engine/kernels/cpu-training';
import { registerWasmTrainingKernels } from '../../src/engine/kernels/wasm-training';

export type NodeBackend = 'cpu' | 'wasm' | 'webgpu';
/** What a CLI's --backend accepts: a backend, or `auto` (the default), the fastest one present, as the app chooses. */
export type CliBackend = NodeBackend | 'auto';

const CHROMIUM_LIBS = '/usr/lib/chromium';
const SWIFTSHADER_ICD = `${CHROMIUM_LIBS}/vk_swiftshader_icd.json`;

/**
 * The dynamic linker reads LD_LIBRARY_PATH only at process start, so when
 * WebGPU needs Chromium's Vulkan loader and it is not on the path yet, the
 * CLI runs itself again with it set, and exits with the child's status.
 */
export function reexecForWebGpuIfNeeded(backend: string): void {
  if (backend !== 'webgpu' || process.env.WEGEFT_WEBGPU_ENV === '1') return;
  if (process.env.VK_ICD_FILENAMES || !existsSync(SWIFTSHADER_ICD)) return; // a real driver, or nothing to add
  const env = {
    ...process.env,
    WEGEFT_WEBGPU_ENV: '1',
    LD_LIBRARY_PATH: [CHROMIUM_LIBS, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
    VK_ICD_FILENAMES: SWIFTSHADER_ICD,
  };
  const result = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { env, stdio: 'inherit' });
  process.exit(result.status ?? 1);
}

export interface BackendInfo {
  backend: NodeBackend;
  /** The adapter, for WebGPU: vendor and architecture (e.g. google/swiftshader, nvidia/hopper). */
  device?: string;
}

export async function setupNodeBackend(backend: NodeBackend): Promise<BackendInfo> {
  // Production mode: no debug checks, and no advice to install tfjs-node (it cannot be, here).
  tf.enableProdMode();
  if (backend === 'webgpu') {
    const require = createRequire(import.meta.url);
    const { create, globals } = require('webgpu') as { create: (flags: string[]) => GPU; globals: object };
    Object.assign(globalThis, globals);
    const gpu = create([]);
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) throw new Error('WebGPU: no adapter found (is a Vulkan driver or SwiftShader available?)');
    // The backend registers itself at import time, and only when navigator.gpu exists.
    await import('@tensorflow/tfjs-backend-webgpu');
    if (!(await tf.setBackend('webgpu'))) throw new Error('WebGPU: tfjs could not initialise the webgpu backend');
    // `info` is newer than this project's @webgpu/types.
    const info = (adapter as unknown as { info: { vendor?: string; architecture?: string; device?: string } }).info;
    return { backend, device: `${info.vendor || 'unknown'}/${info.architecture || info.device || 'unknown'}` };
  }
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const require = createRequire(import.meta.url);
    const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    wasm.setWasmPaths(`${dist}/`);
    if (!(await tf.setBackend('wasm'))) throw new Error('tfjs could not initialise the wasm backend');
    // The gather gradient wasm lacks, and matMuls without its slow transposed paths.
    registerWasmTrainingKernels();
    return { backend };
  }
  if (!(await tf.setBackend('cpu'))) throw new Error('tfjs could not initialise the cpu backend');
  // Its gather gradient makes one pass over the gradient per embedding row.
  registerCpuTrainingKernels();
  return { backend };
}

export function parseBackend(value: string | undefined): NodeBackend {
  const backend = value ?? 'cpu';
  if (backend !== 'cpu' && backend !== 'wasm' && backend !== 'webgpu') {
    throw new Error(`--backend must be cpu, wasm or webgpu, got "${backend}"`);
  }
  return backend;
}

/**
 * Dawn's adapter as a child process sees it, without the re-exec that adds
 * SwiftShader (auto never picks a software adapter): in a child so Dawn's
 * "couldn't load Vulkan" warnings stay out of the CLI's output, and a driver
 * that hangs costs at most the timeout.
 */
function probeWebGpuAdapter(): Record<string, unknown> | null {
  const require = createRequire(import.meta.url);
  let entry: string;
  try {
    entry = require.resolve('webgpu');
  } catch {
    return null;
  }
  const code = `const { create } = require(${JSON.stringify(entry)});
create([]).requestAdapter({ powerPreference: 'high-performance' }).then((a) => {
  const info = a && a.info ? { vendor: a.info.vendor, architecture: a.info.architecture, device: a.info.device, description: a.info.description, isFallbackAdapter: a.info.isFallbackAdapter } : null;
  process.stdout.write(JSON.stringify(info) + '\\n'); process.exit(0);
}, () => { process.stdout.write('null\\n'); process.exit(0); });`;
  const result = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', timeout: 15_000, env: { ...process.env, WEGEFT_WEBGPU_ENV: '1' } });
  const line = (result.stdout ?? '').trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Record<string, unknown> | null;
  } catch {
    return null;
  }
}

/**
 * `auto`: WebGPU on a hardware adapter (a real GPU driver), else WASM — the
 * app's order without the WebGL step Node lacks; never a software adapter,
 * 30–60× slower than WASM. `why` says what was passed over.
 */
export function resolveAutoBackend(probe: () => Record<string, unknown> | null = probeWebGpuAdapter): { backend: NodeBackend; why: string } {
  const info = probe();
  if (!info) return { backend: 'wasm', why: 'no WebGPU adapter' };
  const software = softwareRendererOf(info as Parameters<typeof softwareRendererOf>[0]);
  if (software) return { backend: 'wasm', why: `the WebGPU adapter is software (${software}); --backend webgpu uses it anyway` };
  return { backend: 'webgpu', why: 'a hardware WebGPU adapter' };
}

/** --backend's value: cpu, wasm, webgpu or auto; `auto` when absent. */
export function parseCliBackend(value: string | undefined): CliBackend {
  if (value === undefined || value === 'auto') return 'auto';
  if (value !== 'cpu' && value !== 'wasm' && value !== 'webgpu') throw new Error(`--backend must be auto, cpu, wasm or webgpu, got "${value}"`);
  return value;
}

/**
 * Every CLI's backend start, in one place: resolves `auto`, re-executes for
 * WebGPU's Vulkan loader when needed, sets the backend up, and says which on
 * `log` (stderr, so --json output stays clean).
 */
export async function startCliBackend(choice: CliBackend, log: (line: string) => void): Promise<BackendInfo> {
  let backend: NodeBackend;
  let why = '';
  if (choice === 'auto') {
    const auto = resolveAutoBackend();
    backend = auto.backend;
    why = ` (auto: ${auto.why})`;
  } else {
    backend = choice;
    reexecForWebGpuIfNeeded(backend);
  }
  const info = await setupNodeBackend(backend);
  log(`backend: ${info.backend}${info.device ? ` (${info.device})` : ''}${why}`);
  return info;
}
