/**
 * The benchmark page's query string uses `npm run bench`'s option names; a
 * request survives the round trip through it, and bad values are reported
 * in words, all of them at once.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_PAGE_REQUEST, paramsFromRequest, requestFromParams, type PageBenchRequest } from '../../src/bench-page/request';

describe('benchmark page request', () => {
  it('fills what is missing with the defaults', () => {
    expect(requestFromParams(new URLSearchParams(''))).toEqual({ request: { ...DEFAULT_PAGE_REQUEST, alpha: undefined, batch: undefined, seq: undefined } });
  });

  it('round-trips a full request through the query string', () => {
    const request: PageBenchRequest = {
      model: 'vit-tiny', methods: ['wegeft', 'full'], rank: 8, alpha: 16, batch: 32, seq: 12, steps: 4, warmup: 1,
      readbackEvery: 2, backend: 'wasm', profile: true, checkpointing: true, seed: 3,
    };
    const params = paramsFromRequest(request);
    expect(params.get('readback-every')).toBe('2');
    expect(params.get('methods')).toBe('wegeft,full');
    expect(params.get('checkpointing')).toBe('1');
    expect(requestFromParams(params)).toEqual({ request });
  });

  it('carries the WASM thread count, for wasm only and at most tfjs\'s pool of 8', () => {
    const request: PageBenchRequest = { ...DEFAULT_PAGE_REQUEST, backend: 'wasm', threads: 1 };
    const params = paramsFromRequest(request);
    expect(params.get('threads')).toBe('1');
    expect(requestFromParams(params)).toEqual({ request: { ...request, alpha: undefined, batch: undefined, seq: undefined } });
    expect(paramsFromRequest(DEFAULT_PAGE_REQUEST).has('threads')).toBe(false);
    expect(requestFromParams(new URLSearchParams('backend=wasm&threads=9'))).toEqual({ problems: ['threads must be at most 8 (the pool tfjs-wasm builds), got 9'] });
    expect(requestFromParams(new URLSearchParams('backend=webgpu&threads=2'))).toEqual({ problems: ['threads is for the wasm backend, not webgpu'] });
    expect(requestFromParams(new URLSearchParams('backend=wasm&threads=0'))).toEqual({ problems: ['threads must be a whole number ≥ 1, got "0"'] });
  });

  it('lists every problem', () => {
    const params = new URLSearchParams('model=gpt5&methods=wegeft,sparse&steps=0&backend=tpu&alpha=-1&batch=2.5');
    expect(requestFromParams(params)).toEqual({
      problems: [
        'model "gpt5" is not a preset (the page builds presets only)',
        'unknown methods: sparse',
        'backend must be one of webgpu, webgl, wasm, cpu, got "tpu"',
        'alpha must be a number > 0, got "-1"',
        'batch must be a whole number ≥ 1, got "2.5"',
        'steps must be a whole number ≥ 1, got "0"',
      ],
    });
  });
});
