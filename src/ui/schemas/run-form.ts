/**
 * A run's settings as one flat, typed record, and the declarative table of
 * fields that drives the form, validation, saved runs and the shareable URL
 * (as TensorFlow Playground's settings table does: a new knob is one entry).
 */
import type { AdapterMethodName, TargetSpec } from '../../engine/adapters/types';
import type { RunSettings, ScheduleName } from '../../worker/protocol';
import { targetPatternProblem } from '../../engine/adapters/common/target-pattern';

export interface RunForm {
  method: AdapterMethodName;
  rank: number;
  alpha: number;
  /** Empty: the family's defaults; `all-linear`; `/regex/`; or comma-separated module-name suffixes. */
  targets: string;
  perLayer: boolean;
  learningRate: number;
  budgetKind: 'steps' | 'epochs';
  steps: number;
  epochs: number;
  batchSize: number;
  schedule: ScheduleName;
  warmupSteps: number;
  weightDecay: number;
  seed: number;
  seqLength: number;
  evalEvery: number;
}

export type RunFormKey = keyof RunForm;

interface FieldBase<K extends RunFormKey> {
  key: K;
  label: string;
  help: string;
  /** Short key in the shareable URL. */
  urlKey: string;
  /** Whether the field means anything for this form (e.g. rank only for WeGeFT and LoRA). */
  appliesTo?: (form: RunForm) => boolean;
  /** The model tasks the field means anything for (default: every task). */
  tasks?: ModelTask[];
}

export type ModelTask = 'causal-lm' | 'image-classification';

export type FieldSpec =
  | (FieldBase<'rank' | 'steps' | 'epochs' | 'batchSize' | 'warmupSteps' | 'seed' | 'seqLength' | 'evalEvery'> & {
      kind: 'integer';
      min: number;
      max: number;
    })
  | (FieldBase<'alpha' | 'learningRate' | 'weightDecay'> & { kind: 'number'; min: number; max: number; exclusiveMin?: boolean })
  | (FieldBase<'method' | 'budgetKind' | 'schedule'> & { kind: 'choice'; choices: { value: string; label: string }[] })
  | (FieldBase<'perLayer'> & { kind: 'boolean' })
  | (FieldBase<'targets'> & { kind: 'text'; placeholder: string });

export const METHOD_CHOICES: { value: AdapterMethodName; label: string; description: string }[] = [
  { value: 'wegeft', label: 'WeGeFT', description: 'Generates each update from the frozen weight: ΔW = (α/r)·W·φᵀ·ψ, one (φ, ψ) pair per module type.' },
  { value: 'lora', label: 'LoRA', description: 'Adds a learned low-rank update ΔW = (α/r)·B·A to each targeted layer.' },
  { value: 'dora', label: 'DoRA', description: 'LoRA split into direction and magnitude: m·(W + ΔW)/‖W + ΔW‖ per output, m learned.' },
  { value: 'pissa', label: 'PiSSA', description: 'LoRA started from the top singular vectors of W; the residual stays frozen.' },
  { value: 'vera', label: 'VeRA', description: 'Frozen random matrices shared by all layers; each layer learns two scaling vectors.' },
  { value: 'ia3', label: '(IA)³', description: 'Learns one rescaling vector on keys, values and the feed-forward input.' },
  { value: 'full', label: 'Full fine-tuning', description: 'Trains every parameter of the model.' },
  { value: 'bitfit', label: 'BitFit', description: 'Trains only the bias terms.' },
  { value: 'head', label: 'Head only', description: 'Trains only the output head (a linear probe on a ViT).' },
];

const RANK_ALPHA_METHODS: readonly AdapterMethodName[] = ['wegeft', 'lora', 'dora', 'pissa'];
const lowRank = (form: RunForm) => RANK_ALPHA_METHODS.includes(form.method);

export const RUN_FIELDS: readonly FieldSpec[] = [
  { key: 'method', label: 'Method', help: 'How the model is adapted.', urlKey: 'm', kind: 'choice', choices: METHOD_CHOICES },
  { key: 'rank', label: 'Rank r', help: 'Rank of the low-rank update.', urlKey: 'r', kind: 'integer', min: 1, max: 512, appliesTo: lowRank },
  { key: 'alpha', label: 'Alpha α', help: 'The update is scaled by α / r.', urlKey: 'a', kind: 'number', min: 0, max: 4096, exclusiveMin: true, appliesTo: lowRank },
  {
    key: 'targets',
    label: 'Target modules',
    help: 'Empty for the model’s defaults; "all-linear"; a /regular expression/ on module paths; or module-name suffixes separated by commas (e.g. q_proj, v_proj).',
    urlKey: 't',
    kind: 'text',
    placeholder: 'model defaults',
    appliesTo: lowRank,
  },
  {
    key: 'perLayer',
    label: 'One pair per layer',
    help: 'WeGeFT shares one (φ, ψ) pair per module type across layers (as in the paper); tick to give every layer its own.',
    urlKey: 'pl',
    kind: 'boolean',
    appliesTo: (form) => form.method === 'wegeft',
  },
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
];

/** Defaults that differ by method (the rest are shared). */
const METHOD_DEFAULTS: Record<AdapterMethodName, Partial<RunForm>> = {
  wegeft: { rank: 8, alpha: 16, learningRate: 5e-3 },
  lora: { rank: 8, alpha: 16, learningRate: 2e-3 },
  dora: { rank: 8, alpha: 16, learningRate: 2e-3 },
  pissa: { rank: 8, alpha: 16, learningRate: 2e-3 },
  vera: { learningRate: 5e-3 },
  ia3: { learningRate: 5e-3 },
  full: { learningRate: 1e-4 },
  bitfit: { learningRate: 1e-3 },
  head: { learningRate: 1e-3 },
};

export const DEFAULT_RUN_FORM: RunForm = {
  method: 'wegeft',
  rank: 8,
  alpha: 16,
  targets: '',
  perLayer: false,
  learningRate: 5e-3,
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
};

/** A form for a method, keeping the common hyperparameters of `base`. */
export function formForMethod(method: AdapterMethodName, base: RunForm = DEFAULT_RUN_FORM): RunForm {
  return { ...base, ...METHOD_DEFAULTS[method], method };
}

/** Whether a field means anything for a form, and for the loaded model's task when one is given. */
export function fieldApplies(field: FieldSpec, form: RunForm, task: ModelTask | null = null): boolean {
  if (task && field.tasks && !field.tasks.includes(task)) return false;
  return field.appliesTo ? field.appliesTo(form) : true;
}

/** Problems by field, in words; empty when the form is valid. */
export function validateRunForm(form: RunForm): Partial<Record<RunFormKey, string>> {
  const problems: Partial<Record<RunFormKey, string>> = {};
  for (const field of RUN_FIELDS) {
    if (!fieldApplies(field, form)) continue;
    const problem = fieldProblem(field, form[field.key]);
    if (problem) problems[field.key] = problem;
  }
  return problems;
}

function fieldProblem(field: FieldSpec, value: unknown): string | null {
  switch (field.kind) {
    case 'integer':
    case 'number': {
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

/** The plain settings the worker receives. */
export function toRunSettings(form: RunForm): RunSettings {
  const lowRankMethod = lowRank(form);
  return {
    method: {
      method: form.method,
      ...(lowRankMethod ? { rank: form.rank, alpha: form.alpha, targets: parseTargets(form.targets) } : {}),
      ...(form.method === 'wegeft' ? { perLayer: form.perLayer } : {}),
    },
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
    },
  };
}

/** A short description of a run's method, e.g. "WeGeFT r8 α16". */
export function describeMethod(form: RunForm): string {
  const label = METHOD_CHOICES.find((c) => c.value === form.method)?.label ?? form.method;
  if (!lowRank(form)) return label;
  const perLayer = form.method === 'wegeft' && form.perLayer ? ' per-layer' : '';
  return `${label} r${form.rank} α${form.alpha}${perLayer}`;
}
