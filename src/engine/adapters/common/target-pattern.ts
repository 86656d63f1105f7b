/**
 * Regular-expression adapter targets (`re:` in the CLI, `/…/` in the run
 * form and share links, a string `target_modules` in adapter_config.json),
 * compiled and matched by RE2 (the re2js port: pure JS, no native code).
 *
 * Why not the browser's RegExp: it backtracks, so a pattern such as `(a+)+$`
 * takes exponential time on a long module path, and a crafted share link
 * froze the worker as soon as the model loaded. RE2 matches in time linear
 * in the path's length, whatever the pattern; in exchange it has no
 * backreferences and no lookaround, which are refused here with a sentence
 * saying so. Every place that matches targets goes through this file.
 */
import { RE2JS } from 're2js';

/** A target pattern longer than this is not a module name pattern (and would cost memory to compile). */
export const MAX_TARGET_PATTERN_LENGTH = 1000;

/** A compiled target pattern: `matches(path)` is Python's `re.fullmatch`, as PEFT uses. */
export interface TargetPattern {
  readonly source: string;
  matches(path: string): boolean;
}

/** Compiled patterns by source: resolveTargets asks once per module path. */
const compiled = new Map<string, TargetPattern | string>();
const CACHE_LIMIT = 64;

/**
 * The pattern compiled for whole-path matching, or, when it cannot be used,
 * the reason in words (unsupported syntax named, e.g. backreferences).
 */
export function compileTargetPattern(pattern: string): TargetPattern | string {
  const cached = compiled.get(pattern);
  if (cached !== undefined) return cached;
  const result = compileUncached(pattern);
  if (compiled.size >= CACHE_LIMIT) compiled.clear();
  compiled.set(pattern, result);
  return result;
}

/** Why `pattern` cannot be a target pattern, or null when it can. For forms and argument parsers. */
export function targetPatternProblem(pattern: string): string | null {
  const result = compileTargetPattern(pattern);
  return typeof result === 'string' ? result : null;
}

function compileUncached(pattern: string): TargetPattern | string {
  const shown = pattern.length > 60 ? `${pattern.slice(0, 60)}…` : pattern;
  if (pattern.length > MAX_TARGET_PATTERN_LENGTH) {
    return `the target pattern /${shown}/ is ${pattern.length} characters long; at most ${MAX_TARGET_PATTERN_LENGTH} are allowed`;
  }
  const unsupported = unsupportedSyntax(pattern);
  if (unsupported) {
    return (
      `the target pattern /${shown}/ uses ${unsupported}, which is not supported: ` +
      'targets are matched in linear time (RE2 syntax), without backreferences or lookaround'
    );
  }
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (error) {
    const reason = (error as Error).message.replace(/^error parsing regexp: /, '');
    return `the target pattern /${shown}/ is not a valid regular expression (${reason})`;
  }
  return { source: pattern, matches: (path: string) => re.matches(path) };
}

/**
 * Backtracking-only constructs, named so the user knows what to rewrite.
 * RE2 would refuse them too, with messages such as "invalid escape sequence
 * `\1`" that do not say why.
 */
function unsupportedSyntax(pattern: string): string | null {
  // Skip escaped characters so `\\1` (a literal backslash, then 1) is not a backreference.
  const checks: Array<[RegExp, string]> = [
    [/^\\[1-9]/, 'a backreference (\\1 …)'],
    [/^\\k</, 'a named backreference (\\k<name>)'],
    [/^\(\?<?[=!]/, 'lookaround ((?=…), (?!…), (?<=…), (?<!…))'],
    [/^\(\?>/, 'an atomic group ((?>…))'],
    [/^[*+?}]\+/, 'a possessive quantifier (*+, ++, ?+)'],
  ];
  let inClass = false; // inside [...], where ( ? + are literal characters
  for (let i = 0; i < pattern.length; i++) {
    const rest = pattern.slice(i, i + 4);
    if (!inClass) for (const [re, name] of checks) if (re.test(rest)) return name;
    if (pattern[i] === '\\') i++;
    else if (!inClass && pattern[i] === '[') {
      inClass = true;
      if (pattern[i + 1] === '^') i++;
      if (pattern[i + 1] === ']') i++; // a leading ] is a literal
    } else if (inClass && pattern[i] === ']') inClass = false;
  }
  return null;
}
