import { describe, expect, it } from 'vitest';
import { formForMethod } from '../../../src/ui/schemas/run-form';
import { decodeShareHash, encodeShareHash } from '../../../src/ui/schemas/share-url';

describe('shareable URL', () => {
  it('round-trips the model and every run, targets with commas and regexes included', () => {
    const runs = [
      { ...formForMethod('wegeft'), rank: 4, targets: 'q_proj, v_proj', perLayer: true, steps: 20 },
      { ...formForMethod('lora'), targets: '/.*attn.*/', learningRate: 0.0007, schedule: 'linear' as const },
      { ...formForMethod('head'), budgetKind: 'epochs' as const, epochs: 3 },
      { ...formForMethod('lora'), evalEvery: 5, patience: 3, keepBest: true },
    ];
    const hash = encodeShareHash({ model: { kind: 'hub', repoId: 'org/model', revision: 'v1' }, runs });
    expect(hash.startsWith('#')).toBe(true);
    const decoded = decodeShareHash(hash);
    expect(decoded.problems).toEqual([]);
    expect(decoded.model).toEqual({ kind: 'hub', repoId: 'org/model', revision: 'v1' });
    expect(decoded.runs).toEqual(runs);
  });

  it('keeps links short by leaving out values equal to the method defaults', () => {
    // VeRA's defaults are the same for every task: nothing but the method; LoRA's differ by task, so they are written.
    const hash = encodeShareHash({ model: { kind: 'bundled', name: 'vit' }, runs: [formForMethod('vera')] });
    expect(decodeURIComponent(hash)).toBe('#model=bundled:vit&run=m=vera');
    const vit = formForMethod('lora', undefined, 'image-classification');
    const lora = encodeShareHash({ model: null, runs: [vit] });
    expect(decodeURIComponent(lora)).toBe('#run=m=lora&r=8&a=8&lr=0.005');
    expect(decodeShareHash(lora).runs).toEqual([vit]);
  });

  it('an empty state gives an empty hash, and an empty hash no model and no runs', () => {
    expect(encodeShareHash({ model: null, runs: [] })).toBe('');
    expect(decodeShareHash('')).toEqual({ model: null, runs: [], problems: [] });
  });

  it('reports bad entries and keeps the good ones', () => {
    const good = encodeShareHash({ model: null, runs: [formForMethod('bitfit')] }).slice(1);
    const decoded = decodeShareHash(`#model=ftp:x&run=m%3Dnope&run=m%3Dlora%26r%3D-3&${good}`);
    expect(decoded.model).toBeNull();
    expect(decoded.runs).toEqual([formForMethod('bitfit')]);
    expect(decoded.problems).toEqual([
      'model: cannot read "ftp:x" (expected bundled:<name> or hub:<repo id>)',
      'run 1: unknown method "nope"',
      'run 2: Rank r must be at least 1',
    ]);
  });

  it('a number field that is not a number is a problem, not a NaN setting', () => {
    const decoded = decodeShareHash('#run=m%3Dwegeft%26lr%3Dabc');
    expect(decoded.runs).toEqual([]);
    expect(decoded.problems).toEqual(['run 1: Learning rate must be a number']);
  });
});
