/**
 * What a fine-tuning method declares about itself, as plain data: its names,
 * the PEFT type(s) it reads and writes, its options (each with its bounds,
 * its one-line help, its command-line flag and its share-link key), its
 * defaults per model task (learning rate included), its source. The Methods
 * form, the share URL, the CLI flags and --help, the benchmark page and the
 * option checks all derive from these declarations (src/engine/adapters/methods.ts
 * lists them). No tfjs here: the page's main thread imports this.
 */
import type { TargetSpec } from '../types';
import type { MemoryCoefficients } from './memory-coefficients';
import { targetPatternProblem } from './target-pattern';

export type ModelTask = 'causal-lm' | 'image-classification';
export const MODEL_TASKS: readonly ModelTask[] = ['causal-lm', 'image-classification'];

interface OptionBase {
  /** The form's label ("Rank r"). */
  label: string;
  /** One line: what the option does for this method. */
  help: string;
  /** The command-line flag, without `--` (`rank` for `--rank`). */
  flag: string;
  /** The short key in share links (`r`). */
  urlKey: string;
  /** In a run's one-line description: a number's prefix (`r` gives r16), a flag's word when on. */
  short?: string;
}

/**
 * One option of a method. Options with the same key mean the same thing in
 * every method that declares them (a test checks that their kind, flag and
 * URL key agree); bounds and help may differ.
 */
export type OptionSpec =
  | (OptionBase & {
      kind: 'integer';
      min: number;
      max: number;
      /** When set, the option may be left empty (null); this says what empty means. */
      emptyMeans?: string;
    })
  | (OptionBase & { kind: 'number'; min: number; max: number; exclusiveMin?: boolean })
  | (OptionBase & { kind: 'boolean' })
  /** Which linear modules: absent means the method's default for the model (`emptyMeans`). */
  | (OptionBase & { kind: 'targets'; emptyMeans: string });

/** The value an option holds in a method's settings. */
export type OptionValue<O extends OptionSpec> = O extends { kind: 'targets' }
  ? TargetSpec
  : O extends { kind: 'boolean' }
    ? boolean
    : O extends { emptyMeans: string }
      ? number | null
      : number;

/**
 * A method's options once resolved for a model (src/engine/adapters/registry.ts,
 * resolveAdapterSettings): every declared option present with its kind's
 * value, targets filled in from the family's defaults. Derived from the
 * declaration, so a method's code reads `config.rank` as a number.
 */
export type MethodOptions<S extends MethodSpec> = { -readonly [K in keyof S['options']]: OptionValue<S['options'][K]> };

/** A method's typed config: its name, its resolved options, and a classifier's label names. */
export type MethodConfig<S extends MethodSpec> = { method: S['name']; labels?: string[] } & MethodOptions<S>;

/** A default: a number, a flag, or null for an option that may be empty. */
export type DefaultValue = number | boolean | null;

/**
 * A method's defaults for one model task: the learning rate it starts from,
 * and a value for every option except targets (whose default depends on the
 * model's family: absent means it).
 */
export interface TaskDefaults {
  learningRate: number;
  options: Record<string, DefaultValue>;
}

export interface MethodSpec {
  /** The name in settings, URLs and command lines. */
  readonly name: string;
  /** The name shown to people (`WeGeFT`). */
  readonly label: string;
  /** One or two sentences for the Methods panel. */
  readonly description: string;
  /** PEFT's `peft_type` values this method writes and reads (a LoRA variant writes `LORA`). */
  readonly peftTypes: readonly string[];
  /**
   * Whether an adapter_config.json of one of `peftTypes` is this method's,
   * when several methods share a peft_type (LoRA's variants are LORA configs
   * told apart by a field). The method without one takes the rest.
   */
  readonly claimsConfig?: (config: Record<string, unknown>) => boolean;
  readonly options: Readonly<Record<string, OptionSpec>>;
  readonly defaults: Readonly<Record<ModelTask, TaskDefaults>>;
  /** The comparison's roles: the method under study, and the rival every result is measured against. */
  readonly role?: 'studied' | 'rival';
  /** In the benchmark when no method list is given. */
  readonly benchByDefault: boolean;
  /**
   * What its export is (src/engine/adapters/handoff/): a PEFT adapter (only for
   * peft types PEFT itself knows), an adapter in this app's own format (with,
   * when `authorsFormat`, a second format for the method authors' fork of
   * PEFT), a whole checkpoint, or this app's parameter files.
   */
  readonly exportAs: { readonly kind: 'peft-adapter' | 'own-adapter' | 'full-checkpoint' | 'parameters'; readonly authorsFormat?: boolean };
  /**
   * When its ΔW is a thin product L·R (deltaWeights() gives the factors):
   * what L's columns are, for the analysis views' "directions" (`s·W·φᵀ`).
   * Absent for a method whose ΔW is dense.
   */
  readonly updateDirections?: string;
  /**
   * Frozen buffers its adapter keeps besides the base model (the memory
   * planner counts them): a residual copy of every targeted weight, or
   * random projections shared by the targeted layers.
   */
  readonly frozenBuffers?: 'residual-weights' | 'shared-projections';
  /**
   * Whole tensors it trains, when it trains some (the memory planner sizes
   * AdamW's temporaries by the largest): every parameter of the model, or
   * the output head (a language model's lm_head untied from the embedding).
   */
  readonly trainsWhole?: 'every-parameter' | 'output-head';
  /** Its activation coefficients for the memory planner, fitted to measurements (<method>/memory.ts). */
  readonly memory: MemoryCoefficients;
  /**
   * The memory planner's reference for plain training: the method whose
   * step adds no op of its own around the linear layers. One method
   * declares it; what another method adds over it scales with the share of
   * layers that method targets.
   */
  readonly memoryBaseline?: boolean;
  /** What it trains, in a few words (the README's method table). */
  readonly trains: string;
  /** Where it comes from: the paper, and PEFT's implementation. */
  readonly source: string;
}

/** Checks a declaration as it is made (bad bounds or defaults are programming errors, found at import). */
export function defineMethod<const S extends MethodSpec>(spec: S): S {
  for (const task of MODEL_TASKS) {
    const defaults = spec.defaults[task];
    if (!(defaults.learningRate > 0)) throw new Error(`${spec.name}: the ${task} learning rate must be > 0`);
    for (const [key, option] of Object.entries(spec.options)) {
      if (option.kind === 'targets') continue;
      if (!(key in defaults.options)) throw new Error(`${spec.name}: no ${task} default for "${key}"`);
      const problem = optionValueProblem(option, defaults.options[key]);
      if (problem) throw new Error(`${spec.name}: the ${task} default of "${key}": ${problem}`);
    }
    for (const key of Object.keys(defaults.options)) {
      if (!(key in spec.options)) throw new Error(`${spec.name}: a ${task} default for "${key}", which it does not declare`);
    }
  }
  return spec;
}

/** What is wrong with a value of an option, in words (the option's label first); null when it is valid. */
export function optionValueProblem(option: OptionSpec, value: unknown): string | null {
  const { label } = option;
  switch (option.kind) {
    case 'integer':
    case 'number': {
      if (value === null && option.kind === 'integer' && option.emptyMeans !== undefined) return null;
      if (typeof value !== 'number' || !Number.isFinite(value)) return `${label} must be a number, got ${String(value)}`;
      if (option.kind === 'integer' && !Number.isInteger(value)) return `${label} must be a whole number, got ${value}`;
      const exclusive = option.kind === 'number' && option.exclusiveMin === true;
      if (exclusive ? value <= option.min : value < option.min) {
        return `${label} must be ${exclusive ? 'above' : 'at least'} ${option.min}, got ${value}`;
      }
      if (value > option.max) return `${label} must be at most ${option.max}, got ${value}`;
      return null;
    }
    case 'boolean':
      return typeof value === 'boolean' ? null : `${label} must be true or false, got ${String(value)}`;
    case 'targets':
      return targetSpecProblem(label, value);
  }
}

/** The syntax of a target spec (whether it matches this model's modules is checked with the model). */
function targetSpecProblem(label: string, value: unknown): string | null {
  const spec = value as TargetSpec | undefined;
  if (!spec || typeof spec !== 'object') return `${label}: none given`;
  if (spec.kind === 'regex') {
    const problem = typeof spec.pattern === 'string' ? targetPatternProblem(spec.pattern) : 'the pattern must be text';
    return problem ? `${label}: ${problem}` : null;
  }
  if (spec.kind === 'suffixes') {
    const ok = Array.isArray(spec.suffixes) && spec.suffixes.every((s) => typeof s === 'string');
    return ok ? null : `${label}: module names must be text`;
  }
  return spec.kind === 'all-linear' ? null : `${label}: unknown kind of targets`;
}

/** Every problem with the declared options of `settings` (absent targets are the method's default). */
export function declaredOptionProblems(spec: MethodSpec, settings: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [key, option] of Object.entries(spec.options)) {
    const value = settings[key];
    if (option.kind === 'targets' && value === undefined) continue;
    const problem = optionValueProblem(option, value);
    if (problem) problems.push(problem);
  }
  return problems;
}

/** The options of `given` a method does not declare (another method's, or a typo). */
export function undeclaredOptions(spec: MethodSpec, given: Record<string, unknown>, ignore: readonly string[] = ['method', 'labels']): string[] {
  return Object.keys(given).filter((key) => given[key] !== undefined && !ignore.includes(key) && !(key in spec.options));
}

/** The value text of an option for help and tables (`null` is what empty means). */
export function describeDefault(option: OptionSpec, value: DefaultValue | undefined): string {
  if (option.kind === 'targets') return option.emptyMeans;
  if (value === null || value === undefined) return option.kind === 'integer' && option.emptyMeans ? option.emptyMeans : 'none';
  return String(value);
}
