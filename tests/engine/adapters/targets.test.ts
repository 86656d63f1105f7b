/**
 * Target matching with PEFT's semantics (a name matches the path or a
 * dotted suffix of it; a regex must match the whole path; all-linear is
 * every block layer), never the head; and module types for WeGeFT groups.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupModules, moduleTypeOf } from '../../../src/engine/adapters/common/groups';
import { resolveTargets, targetsFromPeft, targetsToPeft, validateTargets } from '../../../src/engine/adapters/common/targets';
import type { TargetSpec } from '../../../src/engine/adapters/types';
import { useBackend } from '../../helpers/backend';
import { randomModel, type TestModel } from './helpers';

let gpt2: TestModel;
let vit: TestModel;
beforeAll(async () => {
  await useBackend('cpu');
  gpt2 = await randomModel('gpt2', { family: 'gpt2', layers: 2, hidden: 8, heads: 2 });
  vit = await randomModel('vit', { family: 'vit', layers: 2, hidden: 8, heads: 2 });
});
afterAll(() => {
  gpt2.dispose();
  vit.dispose();
});

const paths = (t: TestModel, spec: TargetSpec) => resolveTargets(t.model, spec).map((m) => m.path);

describe('a list of names', () => {
  it('matches a module whose path ends with "." + name: c_proj is both the attention and the MLP output', () => {
    expect(paths(gpt2, { kind: 'suffixes', suffixes: ['c_proj'] })).toEqual([
      'transformer.h.0.attn.c_proj', 'transformer.h.0.mlp.c_proj', 'transformer.h.1.attn.c_proj', 'transformer.h.1.mlp.c_proj',
    ]);
  });

  it('matches a longer suffix more narrowly, and a full path exactly', () => {
    expect(paths(gpt2, { kind: 'suffixes', suffixes: ['attn.c_proj'] })).toEqual(['transformer.h.0.attn.c_proj', 'transformer.h.1.attn.c_proj']);
    expect(paths(gpt2, { kind: 'suffixes', suffixes: ['transformer.h.1.mlp.c_fc'] })).toEqual(['transformer.h.1.mlp.c_fc']);
  });

  it('does not match part of a name', () => {
    expect(paths(gpt2, { kind: 'suffixes', suffixes: ['proj'] })).toEqual([]);
    expect(paths(gpt2, { kind: 'suffixes', suffixes: ['attn'] })).toEqual([]);
  });
});

describe('a regular expression', () => {
  it('must match the whole path (Python fullmatch)', () => {
    expect(paths(gpt2, { kind: 'regex', pattern: '.*\\.1\\.mlp\\..*' })).toEqual(['transformer.h.1.mlp.c_fc', 'transformer.h.1.mlp.c_proj']);
    expect(paths(gpt2, { kind: 'regex', pattern: 'mlp' })).toEqual([]);
  });

  it('that does not compile is reported in words', () => {
    expect(validateTargets(gpt2.model, { kind: 'regex', pattern: '(c_attn' })[0]).toMatch(/not a valid regular expression/);
  });
});

describe('all-linear', () => {
  it('is every linear layer of the blocks, and never the classifier head', () => {
    const all = paths(vit, { kind: 'all-linear' });
    expect(all).toHaveLength(2 * 6);
    expect(all).not.toContain('classifier');
  });
});

describe('the head', () => {
  it('is never a target, even when named', () => {
    expect(paths(vit, { kind: 'suffixes', suffixes: ['classifier'] })).toEqual([]);
    expect(paths(vit, { kind: 'regex', pattern: 'classifier|.*query' })).toEqual([
      'vit.encoder.layer.0.attention.attention.query', 'vit.encoder.layer.1.attention.attention.query',
    ]);
  });
});

describe('validation', () => {
  it('explains targets that match nothing, with examples of the model’s layer names', () => {
    const [problem] = validateTargets(gpt2.model, { kind: 'suffixes', suffixes: ['q_proj', 'v_proj'] });
    expect(problem).toMatch(/the targets q_proj, v_proj match no linear layer of this GPT-2 model/);
    expect(problem).toMatch(/attn\.c_attn/);
  });

  it('rejects an empty list and blank names', () => {
    expect(validateTargets(gpt2.model, { kind: 'suffixes', suffixes: [] })).toEqual(['the list of target modules is empty']);
    expect(validateTargets(gpt2.model, { kind: 'suffixes', suffixes: ['c_fc', ''] })[0]).toMatch(/non-empty dotted names/);
  });
});

describe('PEFT’s target_modules', () => {
  it('round-trips a list, a pattern and "all-linear"', () => {
    const specs: TargetSpec[] = [
      { kind: 'suffixes', suffixes: ['q_proj', 'v_proj'] },
      { kind: 'regex', pattern: '.*\\.(q|v)_proj' },
      { kind: 'all-linear' },
    ];
    for (const spec of specs) expect(targetsFromPeft(targetsToPeft(spec))).toEqual(spec);
    expect(targetsFromPeft(7)).toBeNull();
    expect(targetsFromPeft(['a', 3])).toBeNull();
  });
});

describe('module types', () => {
  it('replace the layer index with *, and group shared modules across layers', () => {
    const modules = resolveTargets(gpt2.model, { kind: 'all-linear' });
    expect(moduleTypeOf(modules[0])).toBe('transformer.h.*.attn.c_attn');
    const shared = groupModules(modules, false);
    expect([...shared.keys()]).toEqual([
      'transformer.h.*.attn.c_attn', 'transformer.h.*.attn.c_proj', 'transformer.h.*.mlp.c_fc', 'transformer.h.*.mlp.c_proj',
    ]);
    expect(shared.get('transformer.h.*.mlp.c_fc')!.map((m) => m.path)).toEqual(['transformer.h.0.mlp.c_fc', 'transformer.h.1.mlp.c_fc']);
    const perLayer = groupModules(modules, true);
    expect(perLayer.size).toBe(8);
    expect([...perLayer.values()].every((members) => members.length === 1)).toBe(true);
  });
});
