/**
 * An imported run's form shows the settings its adapter_config.json records,
 * and turns back into the same method settings the worker read, so a run
 * that trains further from it asks the engine for exactly that adapter.
 */
import { describe, expect, it } from 'vitest';
import { formFromMethodSettings } from '../../../src/ui/schemas/imported-form';
import { describeMethod, formForMethod, toRunSettings, validateRunForm } from '../../../src/ui/schemas/run-form';
import type { MethodSettings } from '../../../src/worker/protocol';

describe('the form of an imported adapter', () => {
  const draft = { ...formForMethod('wegeft'), steps: 120, batchSize: 16 };

  it.each<[string, MethodSettings]>([
    ['LoRA with suffix targets', { method: 'lora', rank: 4, alpha: 8, targets: { kind: 'suffixes', suffixes: ['query', 'value'] } }],
    ['WeGeFT per layer, a regex', { method: 'wegeft', rank: 2, alpha: 4, perLayer: true, targets: { kind: 'regex', pattern: '.*\\.(q|v)_proj' } }],
    ['VeRA on all linear layers', { method: 'vera', rank: 256, dInitial: 0.1, projectionSeed: 0, targets: { kind: 'all-linear' } }],
  ])('%s: the same method settings back, the draft’s training settings kept', (_name, settings) => {
    const form = formFromMethodSettings(settings, draft, 'causal-lm');
    expect(validateRunForm(form)).toEqual({});
    expect(toRunSettings(form).method).toEqual(settings);
    expect(form).toMatchObject({ steps: 120, batchSize: 16 });
  });

  it('names the run’s method as its card does', () => {
    const form = formFromMethodSettings({ method: 'lora', rank: 4, alpha: 8, targets: { kind: 'suffixes', suffixes: ['c_attn'] } }, draft, 'causal-lm');
    expect(describeMethod(form)).toBe('LoRA r4 α8');
    expect(form.targets).toBe('c_attn');
  });
});
