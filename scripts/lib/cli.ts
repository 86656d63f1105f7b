/**
 * What every CLI in scripts/ does the same way with its command line:
 *
 * - `--help` or `-h` anywhere before a `--`: the usage on stdout, exit 0,
 *   whatever else is on the line (so `npm run x -- <anything> --help` helps);
 * - an unknown option, a missing or malformed value, a stray argument: one
 *   line `<name>: <problem>`, a blank line and the usage on stderr, exit 2;
 * - any other error: one line `<name>: <message>` on stderr (the stack only
 *   with WEGEFT_DEBUG=1), exit 2 unless the CLI says otherwise.
 *
 * Options are parsed by node:util's parseArgs in strict mode: one parser for
 * every CLI, so they accept the same forms (`--steps 3`, `--steps=3`).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { errorMessage } from '../../src/engine/errors';

/** Bad usage: reported with the usage text, exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface CliSpec {
  /** The npm script name, which starts every error line (`train: ...`). */
  name: string;
  /** The text `--help` prints; ends with a newline. */
  usage: string;
  /** The exit status for an error other than bad usage (default 2). */
  exitCode?: (error: unknown) => number;
}

/** True when `--help` or `-h` is given before a `--` (after it, arguments are data). */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses `argv` strictly against `options`; `positionals` says whether
 * arguments that are not options are allowed. Every problem is a UsageError.
 */
export function parseCommandLine<const O extends OptionSpecs, const P extends boolean = false>(
  argv: string[],
  options: O,
  positionals?: P,
): ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: P; strict: true }>> {
  try {
    return parseArgs({ args: argv, options, allowPositionals: (positionals ?? false) as P, strict: true });
  } catch (error) {
    throw new UsageError(parseErrorMessage(error));
  }
}

/** parseArgs's message, on one line, in the CLIs' wording. */
function parseErrorMessage(error: unknown): string {
  const message = errorMessage(error);
  const code = (error as { code?: string }).code;
  const quoted = /'([^']*)'/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && quoted) return `unknown option ${quoted}`;
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' && quoted !== undefined) return `unexpected argument "${quoted}"`;
  return message.split('\n')[0];
}

/**
 * Runs a CLI's `main` with the command line, answers `--help` first, and
 * turns the outcome into the exit status and messages described above.
 */
export function runCli(spec: CliSpec, main: (argv: string[]) => Promise<number> | number): void {
  const argv = process.argv.slice(2);
  if (wantsHelp(argv)) {
    process.stdout.write(spec.usage);
    process.exit(0);
  }
  Promise.resolve()
    .then(() => main(argv))
    .then(
      (code) => process.exit(code),
      (error: unknown) => {
        if (error instanceof UsageError) {
          process.stderr.write(`${spec.name}: ${error.message}\n\n${spec.usage}`);
          process.exit(2);
        }
        process.stderr.write(`${spec.name}: ${errorMessage(error).split('\n')[0]}\n`);
        if (process.env.WEGEFT_DEBUG === '1' && error instanceof Error) process.stderr.write(`${error.stack}\n`);
        process.exit(spec.exitCode?.(error) ?? 2);
      },
    );
}

export interface NumberRule {
  integer?: boolean;
  min?: number;
  max?: number;
  above?: number;
  below?: number;
}

/** An option's number, checked against `rule`; undefined when the option was not given. */
export function numberOption(option: string, value: string | undefined, rule: NumberRule): number | undefined {
  if (value === undefined) return undefined;
  const parsed = value.trim() === '' ? Number.NaN : Number(value);
  const ok =
    Number.isFinite(parsed) &&
    (!rule.integer || Number.isSafeInteger(parsed)) &&
    (rule.min === undefined || parsed >= rule.min) &&
    (rule.max === undefined || parsed <= rule.max) &&
    (rule.above === undefined || parsed > rule.above) &&
    (rule.below === undefined || parsed < rule.below);
  if (!ok) throw new UsageError(`${option} must be ${describeRule(rule)}, got "${value}"`);
  return parsed;
}

function describeRule(rule: NumberRule): string {
  const parts = [rule.integer ? 'a whole number' : 'a number'];
  if (rule.min !== undefined) parts.push(`≥ ${rule.min}`);
  if (rule.above !== undefined) parts.push(`> ${rule.above}`);
  if (rule.max !== undefined) parts.push(`≤ ${rule.max}`);
  if (rule.below !== undefined) parts.push(`< ${rule.below}`);
  return parts.join(' ');
}

/** `parse(value)` with its error turned into a UsageError (for parsers shared with non-CLI code). */
export function asUsage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError(errorMessage(error));
  }
}
