/**
 * Regular-expression targets are matched by RE2, in time linear in the
 * path: patterns that make a backtracking engine take exponential time
 * finish at once, and backtracking-only syntax is refused in words.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MAX_TARGET_PATTERN_LENGTH,
  compileTargetPattern,
  targetPatternProblem,
  type TargetPattern,
} from '../../../src/engine/adapters/common/target-pattern';
import { resolveTargets, targetsFromConfig, validateTargets } from '../../../src/engine/adapters/common/targets';
import { InputFileError } from '../../../src/engine/errors';
import { useBackend } from '../../helpers/backend';
import { randomModel, type TestModel } from './helpers';

function compiled(pattern: string): TargetPattern {
  const re = compileTargetPattern(pattern);
  if (typeof re === 'string') throw new Error(re);
  return re;
}

/** Wall time of `fn` in milliseconds. */
function timed(fn: () => void): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

describe('catastrophic patterns', () => {
  // Each takes exponential time in JavaScript's RegExp on these inputs
  // (30 characters are already seconds; these names are far longer).
  const cases: Array<[string, string]> = [
    ['(a+)+$', `${'a'.repeat(50_000)}b`],
    ['(a|aa)+$', `${'a'.repeat(50_000)}b`],
    ['(.*a){12}', 'a'.repeat(20_000)],
    ['(\\w+\\.)+c_attn', `${'transformer.'.repeat(5_000)}c_fc`],
  ];
  for (const [pattern, path] of cases) {
    it(`/${pattern}/ on a ${path.length}-character name finishes in linear time`, () => {
      const re = compiled(pattern);
      let result = true;
      const ms = timed(() => (result = re.matches(path)));
      expect(result).toBe(pattern === '(.*a){12}');
      expect(ms).toBeLessThan(2_000);
    });
  }
});

describe('whole-path matching, as Python re.fullmatch', () => {
  it('matches the whole path only', () => {
    expect(compiled('.*\\.attn\\.c_attn').matches('transformer.h.0.attn.c_attn')).toBe(true);
    expect(compiled('attn').matches('transformer.h.0.attn.c_attn')).toBe(false);
    expect(compiled('a|b').matches('ab')).toBe(false); // alternation inside the anchors, as fullmatch
  });

  it('accepts RE2 syntax PEFT users write: classes, \\d, named groups, flags', () => {
    expect(compiled('transformer\\.h\\.\\d+\\.(?P<kind>attn|mlp)\\.c_proj').matches('transformer.h.12.mlp.c_proj')).toBe(true);
    expect(compiled('(?i).*C_ATTN').matches('transformer.h.0.attn.c_attn')).toBe(true);
    expect(compiled('.*[+*].*').matches('a+b')).toBe(true); // + and * in a class are literals, not possessive quantifiers
  });
});

describe('unsupported syntax is named', () => {
  const cases: Array<[string, RegExp]> = [
    ['(attn)\\.\\1', /uses a backreference .* not supported: targets are matched in linear time/],
    ['(?<kind>attn)\\k<kind>', /uses a named backreference/],
    ['.*(?=c_attn).*', /uses lookaround/],
    ['.*(?!mlp).*', /uses lookaround/],
    ['.*(?<=attn\\.)c_proj', /uses lookaround/],
    ['.*(?<!mlp\\.)c_proj', /uses lookaround/],
    ['(?>a+)', /uses an atomic group/],
    ['a++', /uses a possessive quantifier/],
  ];
  for (const [pattern, message] of cases) {
    it(`/${pattern}/`, () => {
      expect(targetPatternProblem(pattern)).toMatch(message);
    });
  }

  it('an escaped backslash before a digit is a literal, not a backreference', () => {
    expect(targetPatternProblem('a\\\\1')).toBeNull();
  });

  it('invalid syntax gives RE2\'s reason, without its "error parsing regexp" prefix', () => {
    expect(targetPatternProblem('(c_attn')).toMatch(/^the target pattern \/\(c_attn\/ is not a valid regular expression \(missing closing \)/);
  });

  it('repeat counts over 1000 are refused at compile time, not expanded', () => {
    expect(targetPatternProblem('(?:a{1000}){1000}')).toMatch(/invalid repeat count/);
  });

  it(`a pattern over ${MAX_TARGET_PATTERN_LENGTH} characters is refused with its length`, () => {
    const problem = targetPatternProblem('a'.repeat(5_000));
    expect(problem).toMatch(/is 5000 characters long; at most 1000 are allowed/);
    expect(problem!.length).toBeLessThan(300); // the message quotes the start, not 5,000 characters
  });
});

describe('every place that matches targets uses it', () => {
  let gpt2: TestModel;
  beforeAll(async () => {
    await useBackend('cpu');
    gpt2 = await randomModel('gpt2', { family: 'gpt2', layers: 2, hidden: 8, heads: 2 });
  });
  afterAll(() => gpt2.dispose());

  it('resolveTargets and validateTargets, with a catastrophic pattern (the share-link freeze)', () => {
    const spec = { kind: 'regex' as const, pattern: '(.*.*)*x$' };
    const ms = timed(() => {
      expect(resolveTargets(gpt2.model, spec)).toEqual([]);
      expect(validateTargets(gpt2.model, spec)[0]).toMatch(/match no linear layer/);
    });
    expect(ms).toBeLessThan(2_000);
  });

  it('validateTargets reports lookaround in words', () => {
    expect(validateTargets(gpt2.model, { kind: 'regex', pattern: '.*(?<!mlp\\.)c_proj' })[0]).toMatch(/uses lookaround/);
  });

  it('adapter_config.json: a string target_modules with a backreference is an InputFileError naming the file', () => {
    const read = () => targetsFromConfig({ target_modules: '(.*)\\1' }, 'my-adapter/adapter_config.json');
    expect(read).toThrow(InputFileError);
    expect(read).toThrow(/^my-adapter\/adapter_config\.json: "target_modules": the target pattern .* uses a backreference/);
  });
});
