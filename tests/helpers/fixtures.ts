/**
 * Paths to the reference fixtures the project carries (tests/fixtures/reference,
 * a copy of ../shared/fixtures, their source: re-copy from there with
 * `cp -r ../shared/fixtures/. tests/fixtures/reference/`), so a clone on its
 * own runs every test.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURES = path.resolve(PROJECT_ROOT, 'tests/fixtures/reference');
export const FIXTURE_CASES = ['gpt2', 'llama', 'gpt_neo', 'vit'] as const;
export type FixtureCase = (typeof FIXTURE_CASES)[number];

if (!existsSync(path.join(FIXTURES, 'README.md'))) {
  throw new Error(
    `The reference fixtures are missing at ${FIXTURES}: they are part of the repository ` +
      '(restore them with `git checkout -- tests/fixtures/reference`, or re-copy them from ../shared/fixtures).',
  );
}

export function fixtureDir(name: FixtureCase): string {
  return path.join(FIXTURES, name);
}
