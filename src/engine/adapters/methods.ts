/**
 * The registry of fine-tuning methods' declarations, one line per method,
 * in the order the UI offers them: the method under study, its rival, then
 * the others. Everything that names methods (the Methods form, share links,
 * the CLIs and their --help, the benchmark page) reads this list; the
 * engine's implementations are registered beside it in registry.ts (which
 * needs tfjs, so the page's main thread imports only this file).
 */
import { bitfitMethod } from './bitfit/method';
import type { MethodConfig, MethodSpec, ModelTask, OptionSpec, OptionValue, TaskDefaults } from './common/method-spec';
import { doraMethod } from './dora/method';
import { fullMethod } from './full/method';
import { headMethod } from './head/method';
import { ia3Method } from './ia3/method';
import { loraMethod } from './lora/method';
import { pissaMethod } from './pissa/method';
import { veraMethod } from './vera/method';
import { wegeftMethod } from './wegeft/method';

export const METHOD_SPECS = [wegeftMethod, loraMethod, doraMethod, pissaMethod, veraMethod, ia3Method, fullMethod, bitfitMethod, headMethod] as const;

/** A registered method's name (`wegeft`, `lora`, …). */
export type AdapterMethodName = (typeof METHOD_SPECS)[number]['name'];

/** Every option key some method declares. */
type OptionKeysOf<S> = S extends { options: infer O } ? keyof O : never;
export type MethodOptionKey = OptionKeysOf<(typeof METHOD_SPECS)[number]> & string;

type RegisteredSpec = (typeof METHOD_SPECS)[number];

/** One registered method's typed config (`MethodConfigOf<'lora'>`: rank, alpha and targets present). */
export type MethodConfigOf<N extends AdapterMethodName> = MethodConfig<Extract<RegisteredSpec, { name: N }>>;

/** Any registered method's typed config: a union told apart by `method`. */
export type AnyMethodConfig = { [N in AdapterMethodName]: MethodConfigOf<N> }[AdapterMethodName];

/** The value an option key holds, from the declarations of the methods that have it. */
type OptionValueOfKey<K extends string> = RegisteredSpec extends infer S
  ? S extends { options: infer O }
    ? K extends keyof O
      ? O[K] extends OptionSpec
        ? OptionValue<O[K]>
        : never
      : never
    : never
  : never;

/** Every declared option, optional: the flat record of AdapterSettings. */
export type FlatMethodOptions = { [K in MethodOptionKey]?: OptionValueOfKey<K> };

export const METHOD_NAMES: readonly AdapterMethodName[] = METHOD_SPECS.map((m) => m.name);

export function isMethodName(name: unknown): name is AdapterMethodName {
  return typeof name === 'string' && (METHOD_NAMES as readonly string[]).includes(name);
}

export function methodSpec(name: AdapterMethodName): MethodSpec {
  const spec = METHOD_SPECS.find((m) => m.name === name);
  if (!spec) throw new Error(`unknown fine-tuning method "${name}" (known: ${METHOD_NAMES.join(', ')})`);
  return spec;
}

/** The method the playground studies, and the rival it is compared with. */
export const STUDIED_METHOD: MethodSpec = METHOD_SPECS.find((m) => 'role' in m && m.role === 'studied')!;
export const RIVAL_METHOD: MethodSpec = METHOD_SPECS.find((m) => 'role' in m && m.role === 'rival')!;

/** Methods the benchmark runs when not told which. */
export const BENCH_DEFAULT_METHODS: readonly AdapterMethodName[] = METHOD_SPECS.filter((m) => m.benchByDefault).map((m) => m.name);

/** A method's defaults for a task. */
export function taskDefaults(name: AdapterMethodName, task: ModelTask): TaskDefaults {
  return methodSpec(name).defaults[task];
}

/**
 * Every option key with its declaration, in first-declared order: options of
 * the same key agree on kind, flag and share key (checked by a test), so the
 * first declaration names them for every method.
 */
export function allOptions(): [MethodOptionKey, OptionSpec][] {
  const seen = new Map<string, OptionSpec>();
  for (const spec of METHOD_SPECS) for (const [key, option] of Object.entries(spec.options)) if (!seen.has(key)) seen.set(key, option);
  return [...seen] as [MethodOptionKey, OptionSpec][];
}

/** The methods that declare an option. */
export function methodsWithOption(key: string): MethodSpec[] {
  return METHOD_SPECS.filter((m) => key in m.options);
}

/** `WeGeFT, LoRA or BitFit`: names listed for a message. */
export function listMethodNames(names: readonly string[] = METHOD_NAMES, last = 'or'): string {
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} ${last} ${names[names.length - 1]}`;
}
