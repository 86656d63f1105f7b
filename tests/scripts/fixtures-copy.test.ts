/**
 * The copy of the reference fixtures the project carries (tests/fixtures/reference), so
 * that a clone on its own runs every test and the README's parity commands:
 * - they are complete and unchanged: every file, and only those, with the
 *   SHA-256 that tests/fixtures/reference.sha256 lists (`sha256sum` format);
 * - where ../shared/fixtures, their source, is beside the project, they are
 *   a byte-for-byte copy of it; where it is not, the test says so in its
 *   name and checks instead that the copy carries the fixtures' README and
 *   VERSIONS.json (never a silent skip).
 *
 * After re-copying from the source:
 *   cp -r ../shared/fixtures/. tests/fixtures/reference/
 *   (cd tests/fixtures/reference && find . -type f | LC_ALL=C sort | sed 's#^\./##' | xargs sha256sum) > tests/fixtures/reference.sha256
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURE_CASES, FIXTURES, PROJECT_ROOT } from '../helpers/fixtures';

const SOURCE = path.resolve(PROJECT_ROOT, '..', 'shared', 'fixtures');
const MANIFEST = path.join(PROJECT_ROOT, 'tests', 'fixtures', 'reference.sha256');
const RECOPY = 'cp -r ../shared/fixtures/. tests/fixtures/reference/ (then regenerate tests/fixtures/reference.sha256, see this file\'s header)';

/** Every file under `dir`, as sorted paths relative to it with '/' separators. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (sub: string) => {
    for (const entry of readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(rel);
      else out.push(rel);
    }
  };
  walk('');
  return out.sort();
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('tests/fixtures/reference', () => {
  it('holds every file its manifest lists, with that SHA-256, and no other', () => {
    const listed = new Map(
      readFileSync(MANIFEST, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const m = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
          if (!m) throw new Error(`${MANIFEST}: not a sha256sum line: ${JSON.stringify(line)}`);
          return [m[2], m[1]] as const;
        }),
    );
    const present = filesUnder(FIXTURES);
    expect(present, 'files in the copy vs its manifest').toEqual([...listed.keys()].sort());
    const changed = present.filter((rel) => sha256(path.join(FIXTURES, rel)) !== listed.get(rel));
    expect(changed, `changed since the manifest was written: restore with git checkout, or re-copy: ${RECOPY}`).toEqual([]);
    // Each case the tests use, with its model, inputs and expected outputs.
    for (const name of FIXTURE_CASES) {
      for (const file of ['config.json', 'model.safetensors', 'inputs.safetensors', 'expected.json', 'expected.safetensors']) {
        expect(present, `${name}/${file}`).toContain(`${name}/${file}`);
      }
    }
  });

  if (existsSync(SOURCE)) {
    it(`is a byte-for-byte copy of ../shared/fixtures (present here, at ${SOURCE})`, () => {
      const source = filesUnder(SOURCE);
      expect(filesUnder(FIXTURES), `files of the copy vs the source; re-copy: ${RECOPY}`).toEqual(source);
      const differing = source.filter((rel) => !readFileSync(path.join(SOURCE, rel)).equals(readFileSync(path.join(FIXTURES, rel))));
      expect(differing, `differ from the source; re-copy: ${RECOPY}`).toEqual([]);
    });
  } else {
    it(`carries the fixtures' README.md and VERSIONS.json (../shared/fixtures is absent here, at ${SOURCE}, so the copy cannot be compared with it; the manifest test above checks every file)`, () => {
      expect(readFileSync(path.join(FIXTURES, 'README.md'), 'utf8')).toMatch(/\S/);
      const versions = JSON.parse(readFileSync(path.join(FIXTURES, 'VERSIONS.json'), 'utf8')) as Record<string, string>;
      expect(Object.keys(versions)).toEqual(expect.arrayContaining(['torch', 'transformers', 'peft']));
    });
  }
});
