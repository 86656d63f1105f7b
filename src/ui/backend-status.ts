/**
 * What the header's backend badge says: the backend, whether it is the fast
 * path, and why not or why another was passed over. A pure function of the
 * store's backend state, so every case is tested without a browser.
 */
import { backendDisplayName } from './format';
import type { BackendState } from './store/types';

export interface BackendStatus {
  /** After "Backend: ": "WASM", "WebGPU (software: SwiftShader)", "starting…". */
  label: string;
  /** ok: the fastest backend that starts here; warn: a slower one is in use. */
  tone: 'ok' | 'warn' | 'pending';
  /** The line under the badge, or null when there is nothing to explain. */
  note: string | null;
}

/** Measured on this project's machines: SwiftShader WebGPU against WASM on the presets (docs/benchmarks.md). */
const SOFTWARE_SLOWDOWN = '30–60× slower';

export function describeBackend(state: BackendState): BackendStatus {
  const status = describeChoice(state);
  if (state.active !== 'wasm' || state.wasmThreads === null) return status;
  const threads = `${state.wasmThreads} thread${state.wasmThreads === 1 ? '' : 's'}`;
  // Threads need SharedArrayBuffer, which only a cross-origin isolated page has.
  const single =
    state.wasmThreads === 1 && state.crossOriginIsolated === false
      ? 'WASM runs on one thread: the page is not cross-origin isolated (serve it with the COOP/COEP headers in the README).'
      : null;
  return { ...status, label: `${status.label} · ${threads}`, note: [status.note, single].filter(Boolean).join(' ') || null };
}

function describeChoice(state: BackendState): BackendStatus {
  if (state.active === null) return { label: 'starting…', tone: 'pending', note: null };
  const name = backendDisplayName(state.active);
  if (state.software !== null) {
    const why = state.preference === 'auto' ? `nothing faster started (${state.fallbackReasons.join('; ')})` : `${name} was chosen`;
    return {
      label: `${name} (software: ${state.software})`,
      tone: 'warn',
      note: `${name} here runs on a software ${kindOf(state.active)} (${state.software}), ${SOFTWARE_SLOWDOWN} than WASM: ${why}. Choose auto or WASM for the fast path.`,
    };
  }
  if (state.active === 'webgpu') return { label: name, tone: 'ok', note: null };
  const software = state.passedOverSoftware;
  // Passed over only for rendering in software: what runs is the fast path here, not a fallback to apologise for.
  if (software.length > 0 && software.length === state.fallbackReasons.length) {
    const what = software.map((s, i) => `${i === 0 ? backendDisplayName(s.backend) + ' here is' : backendDisplayName(s.backend)} a software ${kindOf(s.backend)} (${s.renderer})`);
    return {
      label: name,
      tone: 'ok',
      note: `${name} — ${what.join(', and ')}, ${SOFTWARE_SLOWDOWN}; choose ${backendDisplayName(software[0].backend)} to use it anyway.`,
    };
  }
  if (state.fallbackReasons.length === 0) return { label: name, tone: 'warn', note: `WebGPU is not in use: ${name} was chosen.` };
  return { label: name, tone: 'warn', note: `WebGPU is not in use: ${state.fallbackReasons.join('; ')}. Training will be slower.` };
}

function kindOf(backend: string): string {
  return backend === 'webgpu' ? 'adapter' : 'renderer';
}
