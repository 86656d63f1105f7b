/** The command-line handling every CLI in scripts/ shares (scripts/lib/cli.ts). */
import { describe, expect, it } from 'vitest';
import { numberOption, parseCommandLine, UsageError, wantsHelp } from '../../../scripts/lib/cli';

describe('wantsHelp', () => {
  it('finds --help or -h anywhere before a --, and nowhere after it', () => {
    expect(wantsHelp(['--help'])).toBe(true);
    expect(wantsHelp(['vit', '--bogus', '-h'])).toBe(true);
    expect(wantsHelp(['--model', 'm'])).toBe(false);
    expect(wantsHelp(['--', '--help'])).toBe(false);
    expect(wantsHelp(['--helpful'])).toBe(false);
  });
});

describe('parseCommandLine', () => {
  const options = { out: { type: 'string' }, json: { type: 'boolean' } } as const;

  it('reads options in both forms, and positionals only when allowed', () => {
    expect(parseCommandLine(['--out', 'a', '--json'], options).values).toEqual({ out: 'a', json: true });
    expect(parseCommandLine(['--out=b'], options).values).toEqual({ out: 'b' });
    expect(parseCommandLine(['vit', '--json'], options, true).positionals).toEqual(['vit']);
  });

  it('turns every problem into a one-line UsageError', () => {
    const problem = (argv: string[], positionals = false) => {
      try {
        parseCommandLine(argv, options, positionals);
      } catch (error) {
        expect(error).toBeInstanceOf(UsageError);
        return (error as Error).message;
      }
      throw new Error(`${argv.join(' ')} was accepted`);
    };
    expect(problem(['--bogus'])).toBe('unknown option --bogus');
    expect(problem(['-z'])).toBe('unknown option -z');
    expect(problem(['stray'])).toBe('unexpected argument "stray"');
    expect(problem(['--out'])).toBe("Option '--out <value>' argument missing");
    expect(problem(['--json=yes'])).toBe("Option '--json' does not take an argument");
    // parseArgs's own message is three lines here.
    expect(problem(['--out', '--json'])).toBe("Option '--out' argument is ambiguous.");
  });
});

describe('numberOption', () => {
  it('passes undefined through and checks the rule, naming the option', () => {
    expect(numberOption('--steps', undefined, { integer: true, min: 1 })).toBeUndefined();
    expect(numberOption('--steps', '3', { integer: true, min: 1 })).toBe(3);
    expect(numberOption('--lr', '2e-4', { above: 0 })).toBe(2e-4);
    expect(() => numberOption('--steps', '0', { integer: true, min: 1 })).toThrow('--steps must be a whole number ≥ 1, got "0"');
    expect(() => numberOption('--steps', '2.5', { integer: true, min: 1 })).toThrow(UsageError);
    expect(() => numberOption('--lr', '', { above: 0 })).toThrow('--lr must be a number > 0, got ""');
    expect(() => numberOption('--f', '1', { min: 0, below: 1 })).toThrow('--f must be a number ≥ 0 < 1, got "1"');
  });
});
