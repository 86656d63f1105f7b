/**
 * The benchmark page's request, read from and written to the page's query
 * string with the same names as `npm run bench`'s options (model, methods,
 * rank, alpha, batch, seq, steps, warmup, readback-every, backend, profile,
 * checkpointing, seed, threads), so a command line and a page link say the same thing.
 */
import { BENCH_DEFAULT_METHODS, isMethodName } from '../engine/adapters/methods';
import type { AdapterMethodName } from '../engine/adapters/types';
import type { BackendName } from '../engine/backend';
import type { BenchOptions } from '../engine/bench/benchmark';
import { isBenchPresetName } from '../engine/bench/presets';

export interface PageBenchRequest extends BenchOptions {
  backend: BackendName;
  /** WASM's kernel threads (1 to 8, tfjs's pool); absent: one per core. */
  threads?: number;
}

const BACKENDS: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

export const DEFAULT_PAGE_REQUEST: PageBenchRequest = {
  model: 'gpt2-tiny',
  methods: [...BENCH_DEFAULT_METHODS],
  rank: 16,
  steps: 10,
  warmup: 2,
  readbackEvery: 5,
  backend: 'webgpu',
  profile: false,
  checkpointing: false,
  seed: 42,
};

/** The request a query string describes, or the problems with it in words. */
export function requestFromParams(params: URLSearchParams): { request: PageBenchRequest } | { problems: string[] } {
  const problems: string[] = [];
  const whole = (name: string, min: number): number | undefined => {
    const text = params.get(name);
    if (text === null || text === '') return undefined;
    const value = Number(text);
    if (!/^\d+$/.test(text) || value < min) {
      problems.push(`${name} must be a whole number ≥ ${min}, got "${text}"`);
      return undefined;
    }
    return value;
  };
  const model = params.get('model') ?? DEFAULT_PAGE_REQUEST.model;
  if (!isBenchPresetName(model)) problems.push(`model "${model}" is not a preset (the page builds presets only)`);
  const methods = (params.get('methods') ?? DEFAULT_PAGE_REQUEST.methods.join(',')).split(',').filter((m) => m !== '');
  const unknown = methods.filter((m) => !isMethodName(m));
  if (unknown.length > 0) problems.push(`unknown methods: ${unknown.join(', ')}`);
  if (methods.length === 0) problems.push('choose at least one method');
  const backend = params.get('backend') ?? DEFAULT_PAGE_REQUEST.backend;
  if (!BACKENDS.includes(backend as BackendName)) problems.push(`backend must be one of ${BACKENDS.join(', ')}, got "${backend}"`);
  const threads = whole('threads', 1);
  if (threads !== undefined && threads > 8) problems.push(`threads must be at most 8 (the pool tfjs-wasm builds), got ${threads}`);
  if (threads !== undefined && backend !== 'wasm') problems.push(`threads is for the wasm backend, not ${backend}`);
  const alphaText = params.get('alpha');
  const alpha = alphaText === null || alphaText === '' ? undefined : Number(alphaText);
  if (alpha !== undefined && !(alpha > 0)) problems.push(`alpha must be a number > 0, got "${alphaText}"`);
  const request: PageBenchRequest = {
    model,
    methods: methods as AdapterMethodName[],
    rank: whole('rank', 1) ?? DEFAULT_PAGE_REQUEST.rank,
    alpha,
    batch: whole('batch', 1),
    seq: whole('seq', 2),
    steps: whole('steps', 1) ?? DEFAULT_PAGE_REQUEST.steps,
    warmup: whole('warmup', 0) ?? DEFAULT_PAGE_REQUEST.warmup,
    readbackEvery: whole('readback-every', 1) ?? DEFAULT_PAGE_REQUEST.readbackEvery,
    backend: backend as BackendName,
    profile: params.get('profile') === '1' || params.get('profile') === 'true',
    checkpointing: params.get('checkpointing') === '1' || params.get('checkpointing') === 'true',
    seed: whole('seed', 0) ?? DEFAULT_PAGE_REQUEST.seed,
    ...(threads !== undefined && { threads }),
  };
  return problems.length > 0 ? { problems } : { request };
}

export function paramsFromRequest(request: PageBenchRequest): URLSearchParams {
  const params = new URLSearchParams({
    model: request.model,
    methods: request.methods.join(','),
    rank: String(request.rank),
    steps: String(request.steps),
    warmup: String(request.warmup),
    'readback-every': String(request.readbackEvery),
    backend: request.backend,
    seed: String(request.seed),
  });
  if (request.alpha !== undefined) params.set('alpha', String(request.alpha));
  if (request.batch !== undefined) params.set('batch', String(request.batch));
  if (request.seq !== undefined) params.set('seq', String(request.seq));
  if (request.profile) params.set('profile', '1');
  if (request.threads !== undefined) params.set('threads', String(request.threads));
  if (request.checkpointing) params.set('checkpointing', '1');
  return params;
}
