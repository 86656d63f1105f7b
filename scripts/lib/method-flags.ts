/**
 * The method options of the command lines (train, demo), derived from the
 * methods' declarations (src/engine/adapters/<method>/method.ts): one flag
 * per option key, checked against the chosen method's bounds, and the
 * --help lines that list the methods, the flags and each method's defaults.
 */
import { type OptionSpec, type TaskDefaults } from '../../src/engine/adapters/common/method-spec';
import { targetPatternProblem } from '../../src/engine/adapters/common/target-pattern';
import { allOptions, isMethodName, listMethodNames, METHOD_NAMES, METHOD_SPECS, methodSpec, methodsWithOption } from '../../src/engine/adapters/methods';
import type { AdapterMethodName, AdapterSettings, TargetSpec } from '../../src/engine/adapters/types';
import { numberOption, UsageError } from './cli';

/** parseArgs declarations of every method option (strings, booleans for flags). */
export function methodFlagSpecs(): Record<string, { type: 'string' | 'boolean' }> {
  return Object.fromEntries(allOptions().map(([, option]) => [option.flag, { type: option.kind === 'boolean' ? 'boolean' : 'string' }]));
}

/** `--method`'s value as a registered method name, or a UsageError listing them. */
export function parseMethodName(value: string | undefined, flag = '--method'): AdapterMethodName {
  if (!isMethodName(value)) {
    throw new UsageError(`${flag} must be one of ${METHOD_NAMES.join(', ')}${value !== undefined ? `, got "${value}"` : ''}`);
  }
  return value;
}

/**
 * The method options given on a command line (only those: the method's
 * defaults fill the rest), each checked against the method's declaration;
 * an option the method does not have is a UsageError naming the methods that do.
 */
export function parseMethodFlags(method: AdapterMethodName, values: Record<string, unknown>): Partial<AdapterSettings> {
  const spec = methodSpec(method);
  const given: Record<string, unknown> = {};
  for (const [key, shared] of allOptions()) {
    const raw = values[shared.flag];
    if (raw === undefined || raw === false) continue;
    const option = spec.options[key];
    if (!option) {
      const having = methodsWithOption(key).map((m) => m.name);
      throw new UsageError(`--${shared.flag} is not an option of ${spec.label} (methods that have it: ${listMethodNames(having, 'and')})`);
    }
    given[key] = parseFlagValue(option, raw);
  }
  return given as Partial<AdapterSettings>;
}

function parseFlagValue(option: OptionSpec, raw: unknown): unknown {
  const flag = `--${option.flag}`;
  switch (option.kind) {
    case 'boolean':
      return raw === true;
    case 'integer':
      return numberOption(flag, raw as string, { integer: true, min: option.min, max: option.max });
    case 'number':
      return numberOption(flag, raw as string, option.exclusiveMin ? { above: option.min, max: option.max } : { min: option.min, max: option.max });
    case 'targets':
      return parseTargetsFlag(raw as string, flag);
  }
}

/** `all-linear`, `re:<pattern>`, or a comma-separated list of module-name suffixes. */
export function parseTargetsFlag(value: string, flag = '--targets'): TargetSpec {
  if (value === 'all-linear') return { kind: 'all-linear' };
  if (value.startsWith('re:')) {
    const pattern = value.slice(3);
    // The engine's own check (RE2 syntax, matched in linear time), so the CLI refuses what a run would.
    const problem = targetPatternProblem(pattern);
    if (problem) throw new UsageError(`${flag}: ${problem}`);
    return { kind: 'regex', pattern };
  }
  const suffixes = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (suffixes.length === 0) throw new UsageError(`${flag} needs at least one module name`);
  return { kind: 'suffixes', suffixes };
}

const FLAG_COLUMN = 25;
const pad = (text: string) => (text.length >= FLAG_COLUMN - 1 ? `${text}\n${' '.repeat(FLAG_COLUMN)}` : text.padEnd(FLAG_COLUMN));

/** A method's defaults as `rank 16, alpha 32, lr 1e-2`. */
function describeDefaults(spec: (typeof METHOD_SPECS)[number], defaults: TaskDefaults): string {
  const options = Object.entries(defaults.options).map(([key, value]) => `${spec.options[key as keyof typeof spec.options] ? (spec.options as Record<string, OptionSpec>)[key].flag : key} ${value === null ? 'empty' : value}`);
  return [...options, `lr ${defaults.learningRate}`].join(', ');
}

/** The --help lines of the method section: the methods with their defaults per task, and every method flag. */
export function methodHelp(): string {
  const lines = ['  --method <name>        ' + listMethodNames()];
  for (const spec of METHOD_SPECS) {
    const lm = describeDefaults(spec, spec.defaults['causal-lm']);
    const vision = describeDefaults(spec, spec.defaults['image-classification']);
    const defaults = lm === vision ? `defaults: ${lm}` : `defaults: language models ${lm}; image classifiers ${vision}`;
    lines.push(`    ${spec.name.padEnd(8)} ${spec.label}: ${defaults}`);
  }
  for (const [key, option] of allOptions()) {
    const value = option.kind === 'boolean' ? '' : option.kind === 'targets' ? ' <list>' : ` <${option.kind === 'integer' ? 'n' : 'x'}>`;
    // The widest bounds over the methods that have it (each method's own are checked).
    const numeric = methodsWithOption(key).map((m) => (m.options as Record<string, OptionSpec>)[key]).filter((o) => o.kind === 'integer' || o.kind === 'number');
    const bounds = numeric.length > 0 ? ` [${Math.min(...numeric.map((o) => o.min))}, ${Math.max(...numeric.map((o) => o.max))}]` : '';
    const syntax = option.kind === 'targets' ? ': module-name suffixes (c_attn,c_proj), all-linear, or re:<regex>' : '';
    const empty = 'emptyMeans' in option && option.emptyMeans ? `; absent: ${option.emptyMeans}` : '';
    const methods = listMethodNames(methodsWithOption(key).map((m) => m.name), 'and');
    lines.push(`${pad(`  --${option.flag}${value}`)}${option.label}${bounds}${syntax}${empty} (${methods})`);
  }
  return lines.join('\n');
}
