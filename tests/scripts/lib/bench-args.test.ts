/**
 * `npm run bench`'s options for the scaling sweep and WASM threads: the
 * sweep's own defaults (GPT-2 small, WeGeFT and LoRA, the 64…1,024 × 1…32
 * grid), its lists parsed strictly, and the combinations that cannot work
 * refused with a line naming the option.
 */
import { describe, expect, it } from 'vitest';
import { parseBenchArgs, parseNumberList, SWEEP_DEFAULT_BATCHES, SWEEP_DEFAULT_SEQS } from '../../../scripts/lib/bench/args';

describe('bench --sweep options', () => {
  it('defaults to GPT-2 small, WeGeFT and LoRA, the full grid, 2 steps after 1 warm-up, docs/images', () => {
    const options = parseBenchArgs(['--sweep']);
    expect(options).toMatchObject({ model: 'gpt2-124m', methods: ['wegeft', 'lora'], steps: 2, warmup: 1, backend: 'wasm' });
    expect(options.sweep).toEqual({ seqs: SWEEP_DEFAULT_SEQS, batches: SWEEP_DEFAULT_BATCHES, out: 'docs/images', plot: null });
    expect(parseBenchArgs(['--sweep', '--sweep-plot', 'a.json']).sweep?.plot).toBe('a.json');
    expect(SWEEP_DEFAULT_SEQS).toEqual([64, 128, 256, 512, 1024]);
    expect(SWEEP_DEFAULT_BATCHES).toEqual([1, 2, 4, 8, 16, 32]);
    expect(parseBenchArgs([]).sweep).toBeNull();
  });

  it('takes the grid, methods, model, steps and folder from the command line', () => {
    const options = parseBenchArgs(['--sweep', '--model', 'gpt2-tiny', '--sweep-seq', '8,16', '--sweep-batch', '1,4', '--methods', 'full', '--steps', '3', '--out', '/tmp/x']);
    expect(options).toMatchObject({ model: 'gpt2-tiny', methods: ['full'], steps: 3, sweep: { seqs: [8, 16], batches: [1, 4], out: '/tmp/x' } });
  });

  it('refuses what does not go with a sweep, naming the option', () => {
    expect(() => parseBenchArgs(['--sweep-seq', '64'])).toThrow('--sweep-seq needs --sweep');
    expect(() => parseBenchArgs(['--out', 'x'])).toThrow('--out needs --sweep');
    expect(() => parseBenchArgs(['--sweep-plot', 'x.json'])).toThrow('--sweep-plot needs --sweep');
    expect(() => parseBenchArgs(['--sweep', '--batch', '4'])).toThrow('--batch does not go with --sweep');
    expect(() => parseBenchArgs(['--sweep', '--browser'])).toThrow('--sweep runs in Node only');
    expect(() => parseBenchArgs(['--sweep', '--sweep-seq', '64,,128'])).toThrow('--sweep-seq: an empty item');
    expect(() => parseBenchArgs(['--sweep', '--sweep-batch', '1,2,2'])).toThrow('--sweep-batch names 2 more than once');
    expect(() => parseBenchArgs(['--sweep', '--sweep-batch', '0'])).toThrow('--sweep-batch must be a whole number ≥ 1, got "0"');
  });

  it('parses number lists strictly', () => {
    expect(parseNumberList('--x', ' 64, 128 ', 2)).toEqual([64, 128]);
    expect(() => parseNumberList('--x', '1.5', 1)).toThrow('--x must be a whole number ≥ 1, got "1.5"');
  });
});

describe('bench --threads', () => {
  it('passes a thread count with --browser --backend wasm', () => {
    expect(parseBenchArgs(['--browser', '--backend', 'wasm', '--threads', '2']).threads).toBe(2);
    expect(parseBenchArgs(['--browser', '--backend', 'wasm']).threads).toBeUndefined();
    expect(parseBenchArgs(['--threads', '1']).threads).toBe(1);
  });

  it('refuses threads off wasm, above 1 in Node, and above the pool of 8', () => {
    expect(() => parseBenchArgs(['--browser', '--threads', '2'])).toThrow('--threads is for the wasm backend, not webgpu');
    expect(() => parseBenchArgs(['--threads', '2'])).toThrow("--threads above 1 needs --browser: Node's tfjs-wasm runs one thread");
    expect(() => parseBenchArgs(['--browser', '--backend', 'wasm', '--threads', '9'])).toThrow('--threads must be a whole number ≥ 1 ≤ 8, got "9"');
  });
});
