/**
 * The npm scripts, as npm runs them:
 * - no script is another's hook: npm runs `pre<name>` before and
 *   `post<name>` after `npm run <name>` (a `pretrain` script once ran, and
 *   failed, before every `npm run train`);
 * - every script that runs one of the project's CLIs (`tsx <file>.ts`)
 *   answers `--help` with its usage on stdout and exit 0, and an unknown
 *   option with one line naming it and the usage on stderr, exit 2, and no
 *   stack trace.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runShell } from '../helpers/cli';
import { PROJECT_ROOT } from '../helpers/fixtures';

const SCRIPTS = (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

/** Scripts running a TypeScript CLI of the project, with the file each runs. */
const CLIS = Object.entries(SCRIPTS).flatMap(([name, command]) => {
  const file = /^tsx (\S+\.ts)$/.exec(command)?.[1];
  return file ? [{ name, file }] : [];
});

/** A stack frame as Node prints it. */
const STACK_FRAME = /^\s+at .+\(?.+:\d+:\d+\)?$/m;

describe('package.json scripts', () => {
  it('include no pre- or post-hook of another script', () => {
    const hooks = Object.keys(SCRIPTS).flatMap((name) =>
      ['pre', 'post'].filter((prefix) => name.startsWith(prefix) && name.slice(prefix.length) in SCRIPTS).map((prefix) => `${name} (npm runs it ${prefix === 'pre' ? 'before' : 'after'} every \`npm run ${name.slice(prefix.length)}\`)`),
    );
    expect(hooks).toEqual([]);
  });

  it('run the CLIs from scripts/, the ones this file checks', () => {
    expect(CLIS.map((c) => c.name).sort()).toEqual(['analyze', 'bench', 'bench:bundle', 'datasets', 'demo', 'make-model', 'parity', 'screenshot', 'train']);
    for (const { file } of CLIS) expect(file).toMatch(/^scripts\//);
  });
});

describe.concurrent.each(CLIS)('npm run $name', ({ name }) => {
  it('-- --help: the usage on stdout, exit 0', async () => {
    const { code, stdout, stderr } = await runShell(`npm run ${name} -- --help`);
    expect(code, stderr).toBe(0);
    // npm's banner (`> wegeft-playground@0.1.0 <name>`) comes first.
    expect(stdout).toContain(`\nusage: npm run ${name}`);
    expect(stderr).not.toMatch(STACK_FRAME);
  });

  it('-- --no-such-option: one line naming it, then the usage, on stderr; exit 2', async () => {
    const { code, stdout, stderr } = await runShell(`npm run ${name} -- --no-such-option`);
    expect(code, stderr).toBe(2);
    const lines = stderr.split('\n').filter((line) => line !== '' && !line.startsWith('npm error'));
    expect(lines[0]).toBe(`${name}: unknown option --no-such-option`);
    expect(lines[1]).toMatch(new RegExp(`^usage: npm run ${name.replace(':', '\\:')}\\b`));
    expect(stderr).not.toMatch(STACK_FRAME);
    expect(stdout).not.toContain('usage:');
  });
});
