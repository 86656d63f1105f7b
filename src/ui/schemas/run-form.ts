/**
 * A run's settings as one flat, typed record, and the declarative table of
 * fields that drives the form, validation, saved runs and the shareable URL
 * (as TensorFlow Playground's settings table does: a new knob is one entry).
 */
import type { MethodSpec, ModelTask, OptionSpec } from '../../engine/adapters/common/method-spec';
import { targetPatternProblem } from '../../engine/adapters/common/target-pattern';
import { allOptions, METHOD_SPECS, methodSpec, STUDIED_METHOD, type MethodOptionKey } from '../../engine/adapters/methods';
import type { AdapterMethodName, TargetSpec } from '../../engine/adapters/types';
import { MEMORY_OPTIONS, STOPPING_OPTIONS, stoppingProblem } from '../../engine/train/settings';
import type { RunSettings, ScheduleName, TrainingSettings } from '../../worker/protocol';

export type { ModelTask };

/** A method option's value in the form: a number (NaN when empty), a flag, targets text, or null (empty, where allowed). */
export type OptionFormValue = number | boolean | string | null;

/**
 * The form's method options: every option some method declares
 * (src/engine/adapters/<method>/method.ts), by its key; only the chosen
 * method's apply.
 */
export type MethodOptionForm = { [K in MethodOptionKey]: OptionFormValue };

/**
 * The form's training fields: the protocol's TrainingSettings (itself the
 * engine's TrainSettings fields the app offers), every one present, with
 * the budget as its kind plus both counts, so switching between steps and
 * epochs keeps what the user typed in each.
 */
export type TrainingForm = Required<Omit<TrainingSettings, 'budget'>> & {
  budgetKind: TrainingSettings['budget']['kind'];
  steps: number;
  epochs: number;
};

export type RunForm = { method: AdapterMethodName } & MethodOptionForm & TrainingForm;

export type RunFormKey = keyof RunForm;

interface FieldBase<K extends RunFormKey> {
  key: K;
  label: string;
  help: string;
  /** Short key in the shareable URL. */
  urlKey: string;
  /** Whether the field means anything for this form (a method option: for the methods that declare it). */
  appliesTo?: (form: RunForm) => boolean;
  /** The model tasks the field means anything for (default: every task). */
  tasks?: ModelTask[];
}

type NumberKey = 'steps' | 'epochs' | 'batchSize' | 'gradientAccumulation' | 'warmupSteps' | 'seed' | 'seqLength' | 'evalEvery' | 'patience' | 'learningRate' | 'weightDecay' | MethodOptionKey;

export type FieldSpec =
  | (FieldBase<NumberKey> & { kind: 'integer'; min: number; max: number; /** Empty allowed (null), meaning this. */ emptyMeans?: string })
  | (FieldBase<NumberKey> & { kind: 'number'; min: number; max: number; exclusiveMin?: boolean })
  | (FieldBase<'method' | 'budgetKind' | 'schedule'> & { kind: 'choice'; choices: { value: string; label: string }[] })
  | (FieldBase<MethodOptionKey | 'keepBest' | 'checkpointing'> & { kind: 'boolean' })
  | (FieldBase<MethodOptionKey> & { kind: 'text'; placeholder: string });

/** The methods offered, from the registry of declarations. */
export const METHOD_CHOICES: { value: AdapterMethodName; label: string; description: string }[] = METHOD_SPECS.map((m) => ({
  value: m.name,
  label: m.label,
  description: m.description,
}));

const declares = (key: string) => (form: RunForm) => key in methodSpec(form.method).options;

/** A method option as a form field (its label, help and bounds those of `option`). */
function optionField(key: MethodOptionKey, option: OptionSpec): FieldSpec {
  const base = { key, label: option.label, help: option.help, urlKey: option.urlKey, appliesTo: declares(key) };
  switch (option.kind) {
    case 'integer':
      return { ...base, kind: 'integer', min: option.min, max: option.max, ...(option.emptyMeans ? { emptyMeans: option.emptyMeans } : {}) };
    case 'number':
      return { ...base, kind: 'number', min: option.min, max: option.max, exclusiveMin: option.exclusiveMin };
    case 'boolean':
      return { ...base, kind: 'boolean' };
    case 'targets':
      return {
        ...base,
        kind: 'text',
        help: `${option.help} Empty for ${option.emptyMeans}; "all-linear"; a /regular expression/ on module paths; or names separated by commas.`,
        placeholder: option.emptyMeans,
      };
  }
}

const METHOD_FIELD: FieldSpec = { key: 'method', label: 'Method', help: 'How the model is adapted.', urlKey: 'm', kind: 'choice', choices: METHOD_CHOICES };

/** Every method option as a field, as first declared (the form shows the chosen method's own: fieldsFor). */
const OPTION_FIELDS: readonly FieldSpec[] = allOptions().map(([key, option]) => optionField(key, option));

const TRAINING_FIELDS: readonly FieldSpec[] = [
  { key: 'learningRate', label: 'Learning rate', help: 'Peak learning rate of AdamW.', urlKey: 'lr', kind: 'number', min: 0, max: 10, exclusiveMin: true },
  {
    key: 'budgetKind',
    label: 'Train for',
    help: 'A number of optimizer steps, or of passes over the training split.',
    urlKey: 'bk',
    kind: 'choice',
    choices: [
      { value: 'steps', label: 'steps' },
      { value: 'epochs', label: 'epochs' },
    ],
  },
  { key: 'steps', label: 'Steps', help: 'Optimizer steps.', urlKey: 's', kind: 'integer', min: 1, max: 100_000, appliesTo: (f) => f.budgetKind === 'steps' },
  { key: 'epochs', label: 'Epochs', help: 'Passes over the training split.', urlKey: 'e', kind: 'integer', min: 1, max: 1000, appliesTo: (f) => f.budgetKind === 'epochs' },
  { key: 'batchSize', label: 'Batch size', help: 'Examples per optimizer step.', urlKey: 'b', kind: 'integer', min: 1, max: 1024 },
  {
    key: 'schedule',
    label: 'Schedule',
    help: 'How the learning rate changes after warm-up.',
    urlKey: 'sc',
    kind: 'choice',
    choices: [
      { value: 'constant', label: 'constant' },
      { value: 'linear', label: 'linear decay' },
      { value: 'cosine', label: 'cosine' },
    ],
  },
  { key: 'warmupSteps', label: 'Warm-up steps', help: 'Steps of linear warm-up from 0.', urlKey: 'w', kind: 'integer', min: 0, max: 100_000 },
  { key: 'weightDecay', label: 'Weight decay', help: 'Decoupled (AdamW) weight decay.', urlKey: 'wd', kind: 'number', min: 0, max: 1 },
  { key: 'seed', label: 'Seed', help: 'Seeds initialisation and shuffling: the same seed repeats a run.', urlKey: 'sd', kind: 'integer', min: 0, max: 2 ** 31 - 1 },
  { key: 'seqLength', label: 'Sequence length', help: 'Tokens per training sequence.', urlKey: 'sl', kind: 'integer', min: 2, max: 8192, tasks: ['causal-lm'] },
  { key: 'evalEvery', label: 'Evaluate every', help: 'Steps between validation passes (0: only at the end).', urlKey: 'ev', kind: 'integer', min: 0, max: 100_000 },
  // Declared in the engine (src/engine/train/settings.ts), where the train CLI's flags come from too.
  (({ label, help, urlKey, min, max }) => ({ key: 'patience', label, help, urlKey, kind: 'integer', min, max }) as const)(STOPPING_OPTIONS.patience),
  (({ label, help, urlKey }) => ({ key: 'keepBest', label, help, urlKey, kind: 'boolean' }) as const)(STOPPING_OPTIONS.keepBest),
  {
    key: 'gradientAccumulation', label: 'Gradient accumulation', urlKey: 'ga', kind: 'integer', min: 1, max: 1024,
    help: 'Micro-batches per optimizer step: the effective batch is batch × this, at the memory of one batch.',
  },
  (({ label, help, urlKey }) => ({ key: 'checkpointing', label, help, urlKey, kind: 'boolean' }) as const)(MEMORY_OPTIONS.checkpointing),
];

/** Every field of the form: the method, every method option, the training settings (share links use them all). */
export const RUN_FIELDS: readonly FieldSpec[] = [METHOD_FIELD, ...OPTION_FIELDS, ...TRAINING_FIELDS];

/** The fields of a form, the method options with the chosen method's own labels, help and bounds. */
export function fieldsFor(form: RunForm): FieldSpec[] {
  const own = methodSpec(form.method).options as Readonly<Record<string, OptionSpec>>;
  const options = OPTION_FIELDS.map((field) => (field.key in own ? optionField(field.key as MethodOptionKey, own[field.key]) : field));
  return [METHOD_FIELD, ...options, ...TRAINING_FIELDS];
}

/** The common hyperparameters a new form starts with (the method's learning rate replaces this one). */
const TRAINING_DEFAULTS: TrainingForm = {
  learningRate: 1e-3,
  budgetKind: 'steps',
  steps: 50,
  epochs: 1,
  batchSize: 8,
  schedule: 'cosine',
  warmupSteps: 0,
  weightDecay: 0,
  seed: 0,
  seqLength: 64,
  evalEvery: 0,
  patience: STOPPING_OPTIONS.patience.default,
  keepBest: STOPPING_OPTIONS.keepBest.default,
  gradientAccumulation: 1,
  checkpointing: MEMORY_OPTIONS.checkpointing.default,
};

/** An option's form value from a default (targets: empty, the method's default for the model). */
function formValue(option: OptionSpec, value: number | boolean | null | undefined): OptionFormValue {
  if (option.kind === 'targets') return '';
  if (option.kind === 'boolean') return value === true;
  return value === undefined ? Number.NaN : value;
}

/** A value for every option key: the first declaring method's default for the task. */
function optionDefaults(task: ModelTask): MethodOptionForm {
  const values: Record<string, OptionFormValue> = {};
  for (const [key, option] of allOptions()) {
    const owner: MethodSpec = METHOD_SPECS.find((m) => key in m.options)!;
    values[key] = formValue(option, owner.defaults[task].options[key]);
  }
  return values as MethodOptionForm;
}

/**
 * A form for a method, keeping the common hyperparameters of `base`: the
 * method's options and learning rate are its defaults for the task (the
 * same the train CLI and the benchmark start from).
 */
export function formForMethod(method: AdapterMethodName, base?: RunForm, task: ModelTask = 'causal-lm'): RunForm {
  const spec = methodSpec(method);
  const defaults = spec.defaults[task];
  const form: Record<string, unknown> = { ...optionDefaults(task), ...TRAINING_DEFAULTS, ...(base ?? {}), method, learningRate: defaults.learningRate };
  for (const [key, option] of Object.entries(spec.options)) form[key] = formValue(option, defaults.options[key]);
  return form as unknown as RunForm;
}

/** A saved form with the training fields added since it was saved at their defaults (early stopping). */
export function withTrainingDefaults(form: RunForm): RunForm {
  return { ...TRAINING_DEFAULTS, ...form };
}

export const DEFAULT_RUN_FORM: RunForm = formForMethod(STUDIED_METHOD.name as AdapterMethodName);

/** Whether the method's fields of a form are its defaults for a task (so a new task may replace them). */
export function hasMethodDefaults(form: RunForm, task: ModelTask): boolean {
  const defaults = formForMethod(form.method, form, task);
  const keys = ['learningRate', ...Object.keys(methodSpec(form.method).options)] as RunFormKey[];
  return keys.every((key) => Object.is(form[key], defaults[key]));
}

/** Whether a field means anything for a form, and for the loaded model's task when one is given. */
export function fieldApplies(field: FieldSpec, form: RunForm, task: ModelTask | null = null): boolean {
  if (task && field.tasks && !field.tasks.includes(task)) return false;
  return field.appliesTo ? field.appliesTo(form) : true;
}

/** Problems by field, in words; empty when the form is valid. */
export function validateRunForm(form: RunForm): Partial<Record<RunFormKey, string>> {
  const problems: Partial<Record<RunFormKey, string>> = {};
  for (const field of fieldsFor(form)) {
    if (!fieldApplies(field, form)) continue;
    const problem = fieldProblem(field, form[field.key]);
    if (problem) problems[field.key] = problem;
  }
  const stopping = stoppingProblem(form.patience, form.evalEvery);
  if (stopping && !problems.patience) problems.patience = stopping.replace('evaluate-every', '"Evaluate every"');
  return problems;
}

function fieldProblem(field: FieldSpec, value: unknown): string | null {
  switch (field.kind) {
    case 'integer':
    case 'number': {
      if (value === null && field.kind === 'integer' && field.emptyMeans) return null;
      if (typeof value !== 'number' || !Number.isFinite(value)) return `${field.label} must be a number`;
      if (field.kind === 'integer' && !Number.isInteger(value)) return `${field.label} must be a whole number`;
      const tooLow = field.kind === 'number' && field.exclusiveMin ? value <= field.min : value < field.min;
      if (tooLow) return `${field.label} must be ${field.kind === 'number' && field.exclusiveMin ? 'above' : 'at least'} ${field.min}`;
      if (value > field.max) return `${field.label} must be at most ${field.max}`;
      return null;
    }
    case 'choice':
      return field.choices.some((c) => c.value === value) ? null : `${field.label}: unknown choice ${JSON.stringify(value)}`;
    case 'boolean':
      return typeof value === 'boolean' ? null : `${field.label} must be true or false`;
    case 'text':
      return typeof value === 'string' ? targetsProblem(value) : `${field.label} must be text`;
  }
}

function targetsProblem(text: string): string | null {
  const spec = parseTargets(text);
  if (spec && spec.kind === 'regex') {
    // The engine's own check (RE2 syntax, linear-time matching), so the form
    // refuses exactly what a run would.
    const problem = targetPatternProblem(spec.pattern);
    if (problem) return `Target modules: ${problem}`;
  }
  if (spec && spec.kind === 'suffixes' && spec.suffixes.length === 0) return 'Target modules: no module names given';
  return null;
}

/** The targets text as the engine's TargetSpec; undefined means the family's defaults. */
export function parseTargets(text: string): TargetSpec | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  if (trimmed === 'all-linear') return { kind: 'all-linear' };
  if (trimmed.length >= 2 && trimmed.startsWith('/') && trimmed.endsWith('/')) {
    return { kind: 'regex', pattern: trimmed.slice(1, -1) };
  }
  const suffixes = trimmed
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return { kind: 'suffixes', suffixes };
}

/** The plain settings the worker receives: the chosen method's options only (empty targets: its default). */
export function toRunSettings(form: RunForm): RunSettings {
  const options: Record<string, unknown> = {};
  for (const [key, option] of Object.entries(methodSpec(form.method).options)) {
    const value = form[key as MethodOptionKey];
    if (option.kind === 'targets') {
      const targets = parseTargets(String(value ?? ''));
      if (targets) options[key] = targets;
    } else {
      options[key] = value;
    }
  }
  return {
    method: { method: form.method, ...options },
    training: {
      learningRate: form.learningRate,
      budget: form.budgetKind === 'steps' ? { kind: 'steps', steps: form.steps } : { kind: 'epochs', epochs: form.epochs },
      batchSize: form.batchSize,
      schedule: form.schedule,
      warmupSteps: form.warmupSteps,
      weightDecay: form.weightDecay,
      seed: form.seed,
      seqLength: form.seqLength,
      evalEvery: form.evalEvery,
      patience: form.patience,
      keepBest: form.keepBest,
      gradientAccumulation: form.gradientAccumulation,
      checkpointing: form.checkpointing,
    },
  };
}

/** A short description of a run's method, e.g. "WeGeFT r8 α16", from the options' `short` names. */
export function describeMethod(form: RunForm): string {
  const spec = METHOD_SPECS.find((m) => m.name === form.method);
  if (!spec) return form.method;
  const parts: string[] = [spec.label];
  for (const [key, option] of Object.entries(spec.options) as [MethodOptionKey, OptionSpec][]) {
    if (!option.short) continue;
    const value = form[key];
    if (option.kind === 'boolean') {
      if (value === true) parts.push(option.short);
    } else if (typeof value === 'number') {
      parts.push(`${option.short}${value}`);
    }
  }
  return parts.join(' ');
}
