/** Paths to the reference fixtures at ../shared/fixtures, beside the project. */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURES = path.resolve(PROJECT_ROOT, '../shared/fixtures');
export const FIXTURE_CASES = ['gpt2', 'llama', 'gpt_neo', 'vit'] as const;
export type FixtureCase = (typeof FIXTURE_CASES)[number];

export function fixtureDir(name: FixtureCase): string {
  return path.join(FIXTURES, name);
}
