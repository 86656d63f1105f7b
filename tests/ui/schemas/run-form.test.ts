import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RUN_FORM,
  RUN_FIELDS,
  describeMethod,
  fieldApplies,
  formForMethod,
  parseTargets,
  toRunSettings,
  validateRunForm,
} from '../../../src/ui/schemas/run-form';

describe('run form schema', () => {
  it('the default form is valid', () => {
    expect(validateRunForm(DEFAULT_RUN_FORM)).toEqual({});
  });

  it('every field has a distinct URL key', () => {
    const keys = RUN_FIELDS.map((f) => f.urlKey);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('rank, alpha and targets apply to WeGeFT and LoRA only; per-layer to WeGeFT only', () => {
    const rank = RUN_FIELDS.find((f) => f.key === 'rank')!;
    const perLayer = RUN_FIELDS.find((f) => f.key === 'perLayer')!;
    expect(fieldApplies(rank, formForMethod('wegeft'))).toBe(true);
    expect(fieldApplies(rank, formForMethod('lora'))).toBe(true);
    expect(fieldApplies(rank, formForMethod('full'))).toBe(false);
    expect(fieldApplies(perLayer, formForMethod('lora'))).toBe(false);
    expect(fieldApplies(perLayer, formForMethod('wegeft'))).toBe(true);
    // Sequence length means nothing for an image classifier (issue 11: it showed for a ViT).
    const seqLength = RUN_FIELDS.find((f) => f.key === 'seqLength')!;
    expect(fieldApplies(seqLength, formForMethod('lora'), 'image-classification')).toBe(false);
    expect(fieldApplies(seqLength, formForMethod('lora'), 'causal-lm')).toBe(true);
    expect(fieldApplies(seqLength, formForMethod('lora'))).toBe(true);
  });

  it('names each bad field in words', () => {
    const problems = validateRunForm({ ...DEFAULT_RUN_FORM, rank: 0, learningRate: 0, batchSize: 2.5, steps: Number.NaN });
    expect(problems.rank).toBe('Rank r must be at least 1');
    expect(problems.learningRate).toBe('Learning rate must be above 0');
    expect(problems.batchSize).toBe('Batch size must be a whole number');
    expect(problems.steps).toBe('Steps must be a number');
  });

  it('does not validate fields that do not apply (rank of full fine-tuning, epochs when training for steps)', () => {
    const form = { ...formForMethod('full'), rank: -1, epochs: 0 };
    expect(validateRunForm(form)).toEqual({});
  });

  it('rejects a target regular expression that does not compile', () => {
    expect(validateRunForm({ ...DEFAULT_RUN_FORM, targets: '/(/' }).targets).toMatch(/^Target modules: .*not a valid regular expression/);
  });

  it('refuses what the engine refuses: a backreference, which linear-time matching cannot run', () => {
    expect(validateRunForm({ ...DEFAULT_RUN_FORM, targets: '/(a)\\1/' }).targets).toMatch(/^Target modules: .*backreference.*not supported/);
  });

  it('reads target text as the engine target spec', () => {
    expect(parseTargets('')).toBeUndefined();
    expect(parseTargets(' all-linear ')).toEqual({ kind: 'all-linear' });
    expect(parseTargets('/.*\\.query$/')).toEqual({ kind: 'regex', pattern: '.*\\.query$' });
    expect(parseTargets('q_proj, v_proj,')).toEqual({ kind: 'suffixes', suffixes: ['q_proj', 'v_proj'] });
  });

  it('switching method keeps the common hyperparameters and takes the method defaults', () => {
    const form = { ...formForMethod('wegeft'), steps: 7, batchSize: 3 };
    const lora = formForMethod('lora', form);
    expect(lora.method).toBe('lora');
    expect(lora.steps).toBe(7);
    expect(lora.batchSize).toBe(3);
    expect(formForMethod('full', form).learningRate).toBe(1e-4);
  });

  it('converts to the worker settings, with method fields only where they apply', () => {
    const wegeft = toRunSettings({ ...formForMethod('wegeft'), targets: 'c_attn', perLayer: true, steps: 12 });
    expect(wegeft.method).toEqual({ method: 'wegeft', rank: 8, alpha: 16, targets: { kind: 'suffixes', suffixes: ['c_attn'] }, perLayer: true });
    expect(wegeft.training.budget).toEqual({ kind: 'steps', steps: 12 });
    const bitfit = toRunSettings({ ...formForMethod('bitfit'), budgetKind: 'epochs', epochs: 2 });
    expect(bitfit.method).toEqual({ method: 'bitfit' });
    expect(bitfit.training.budget).toEqual({ kind: 'epochs', epochs: 2 });
  });

  it('describes a run method briefly', () => {
    expect(describeMethod(formForMethod('wegeft'))).toBe('WeGeFT r8 α16');
    expect(describeMethod({ ...formForMethod('lora'), rank: 4, alpha: 8 })).toBe('LoRA r4 α8');
    expect(describeMethod(formForMethod('head'))).toBe('Head only');
  });
});
