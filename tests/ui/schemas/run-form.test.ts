import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RUN_FORM,
  RUN_FIELDS,
  describeMethod,
  fieldApplies,
  fieldsFor,
  formForMethod,
  hasMethodDefaults,
  type RunFormKey,
  parseTargets,
  toRunSettings,
  validateRunForm,
} from '../../../src/ui/schemas/run-form';
import { MODEL_TASKS } from '../../../src/engine/adapters/common/method-spec';
import { METHOD_SPECS } from '../../../src/engine/adapters/methods';

describe('run form schema', () => {
  it('early stopping: off by default, declared by the engine, needs evaluations during training', () => {
    expect(DEFAULT_RUN_FORM).toMatchObject({ patience: 0, keepBest: false });
    const patience = RUN_FIELDS.find((f) => f.key === 'patience')!;
    expect(patience).toMatchObject({ kind: 'integer', min: 0, max: 1000, urlKey: 'pt', label: 'Early-stopping patience' });
    expect(RUN_FIELDS.find((f) => f.key === 'keepBest')).toMatchObject({ kind: 'boolean', urlKey: 'kb' });
    expect(validateRunForm({ ...DEFAULT_RUN_FORM, patience: 2 }).patience).toBe('early stopping needs evaluations during training: set "Evaluate every" above 0');
    expect(validateRunForm({ ...DEFAULT_RUN_FORM, patience: 2, evalEvery: 5 })).toEqual({});
    expect(validateRunForm({ ...DEFAULT_RUN_FORM, patience: 2.5, evalEvery: 5 }).patience).toMatch(/whole number/);
    expect(toRunSettings({ ...DEFAULT_RUN_FORM, patience: 2, evalEvery: 5, keepBest: true }).training).toMatchObject({ patience: 2, keepBest: true, evalEvery: 5 });
  });

  it('the default form is valid', () => {
    expect(validateRunForm(DEFAULT_RUN_FORM)).toEqual({});
  });

  it('every field has a distinct URL key', () => {
    const keys = RUN_FIELDS.map((f) => f.urlKey);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('a method’s options apply to the methods that declare them: rank to the low-rank ones, per-layer to WeGeFT only', () => {
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
    expect(formForMethod('full', form).learningRate).toBe(5e-4);
  });

  it('starts every method at its declared defaults for the task (the ones the train CLI and the benchmark use)', () => {
    for (const spec of METHOD_SPECS) {
      for (const task of MODEL_TASKS) {
        const form = formForMethod(spec.name, undefined, task);
        expect(form.learningRate, `${spec.name} ${task}`).toBe(spec.defaults[task].learningRate);
        for (const [key, value] of Object.entries(spec.defaults[task].options)) expect(form[key as RunFormKey]).toBe(value);
        expect(validateRunForm(form), `${spec.name} ${task}`).toEqual({});
      }
    }
    expect(formForMethod('wegeft', undefined, 'image-classification')).toMatchObject({ rank: 16, alpha: 16, learningRate: 5e-3 });
    expect(formForMethod('vera')).toMatchObject({ rank: 256, dInitial: 0.1, projectionSeed: 0 });
    expect(formForMethod('pissa').pissaNiter).toBeNull();
  });

  it('a draft at its defaults can take another task’s; an edited one cannot', () => {
    expect(hasMethodDefaults(formForMethod('lora'), 'causal-lm')).toBe(true);
    expect(hasMethodDefaults(formForMethod('lora'), 'image-classification')).toBe(false);
    expect(hasMethodDefaults({ ...formForMethod('lora'), rank: 3 }, 'causal-lm')).toBe(false);
  });

  it('shows the chosen method’s own bounds and help (VeRA’s rank goes higher than LoRA’s)', () => {
    const rank = (method: 'vera' | 'lora') => fieldsFor(formForMethod(method)).find((f) => f.key === 'rank')!;
    expect(rank('vera')).toMatchObject({ max: 65536 });
    expect(rank('lora')).toMatchObject({ max: 4096 });
    expect(rank('vera').help).toMatch(/shared frozen projections/);
    expect(validateRunForm({ ...formForMethod('vera'), rank: 10_000 })).toEqual({});
    expect(validateRunForm({ ...formForMethod('lora'), rank: 10_000 }).rank).toBe('Rank r must be at most 4096');
    expect(validateRunForm({ ...formForMethod('pissa'), pissaNiter: 4.5 }).pissaNiter).toBe('SVD iterations must be a whole number');
  });

  it('converts to the worker settings, with method fields only where they apply', () => {
    const wegeft = toRunSettings({ ...formForMethod('wegeft'), targets: 'c_attn', perLayer: true, steps: 12 });
    expect(wegeft.method).toEqual({ method: 'wegeft', rank: 16, alpha: 32, targets: { kind: 'suffixes', suffixes: ['c_attn'] }, perLayer: true });
    expect(toRunSettings(formForMethod('vera')).method).toEqual({ method: 'vera', rank: 256, dInitial: 0.1, projectionSeed: 0 });
    expect(toRunSettings(formForMethod('ia3')).method).toEqual({ method: 'ia3' });
    expect(wegeft.training.budget).toEqual({ kind: 'steps', steps: 12 });
    const bitfit = toRunSettings({ ...formForMethod('bitfit'), budgetKind: 'epochs', epochs: 2 });
    expect(bitfit.method).toEqual({ method: 'bitfit' });
    expect(bitfit.training.budget).toEqual({ kind: 'epochs', epochs: 2 });
  });

  it('describes a run method briefly', () => {
    expect(describeMethod(formForMethod('wegeft'))).toBe('WeGeFT r16 α32');
    expect(describeMethod({ ...formForMethod('wegeft'), perLayer: true })).toBe('WeGeFT r16 α32 per-layer');
    expect(describeMethod(formForMethod('vera'))).toBe('VeRA r256');
    expect(describeMethod({ ...formForMethod('lora'), rank: 4, alpha: 8 })).toBe('LoRA r4 α8');
    expect(describeMethod(formForMethod('head'))).toBe('Head only');
  });
});
