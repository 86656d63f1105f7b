/**
 * A method lives in its folder and the registry, nowhere else: its name
 * (as a quoted literal, and for the methods that are not the project's own
 * subject, in any spelling) appears in src/ and scripts/ only in
 * src/engine/adapters/<its folder>/ and the two registry files. Tests may
 * name methods (they are the specification); the allow-list below names
 * each other exception and why.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { METHOD_SPECS } from '../../../src/engine/adapters/methods';

const ROOT = path.resolve(__dirname, '../../..');
const REGISTRY_FILES = ['src/engine/adapters/methods.ts', 'src/engine/adapters/registry.ts'];

/** Exceptions: file, the literal text found there, and why it may stay. */
const ALLOWED: { file: string; text: string; why: string }[] = [
  { file: 'scripts/lib/pretrain/train-model.ts', text: "'full'", why: 'pretraining a bundled model trains every weight: full fine-tuning by definition' },
  { file: 'scripts/lib/pretrain/train-model.ts', text: '`full`', why: 'the same, in its comment' },
  { file: 'scripts/pretrain.ts', text: '`full`', why: 'the same, in the pretraining CLI\'s comment' },
  { file: 'src/engine/models/model.ts', text: 'BitFit', why: 'an example in the model code\'s comment (another workstream\'s file): what parameter overrides serve' },
  { file: 'src/engine/adapters/common/low-rank-adapter.ts', text: "'head'", why: 'a seed label (deriveSeed(seed, "head")), not the method' },
  { file: 'src/engine/adapters/common/parameter-subset.ts', text: "'head'", why: 'a seed label (deriveSeed(seed, "head")), not the method' },
];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(ROOT, dir))) {
    const rel = path.join(dir, entry);
    if (statSync(path.join(ROOT, rel)).isDirectory()) out.push(...sourceFiles(rel));
    else if (/\.(ts|tsx)$/.test(entry)) out.push(rel);
  }
  return out;
}

const FILES = [...sourceFiles('src'), ...sourceFiles('scripts')].map((file) => ({ file, text: readFileSync(path.join(ROOT, file), 'utf8') }));

/** The method's own folder (src/engine/adapters/<name>/). */
const ownFolder = (name: string) => `src/engine/adapters/${name}/`;

/** Spellings of a method that must not appear elsewhere: its label, its name as a word (any case). */
function spellings(spec: (typeof METHOD_SPECS)[number]): RegExp[] {
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const quoted = new RegExp(`['"\`]${escape(spec.name)}['"\`]`);
  // WeGeFT is the project's subject (its name is the app's) and LoRA its declared rival (the benchmark's
  // *_vs_lora fields), and "full" and "head" are ordinary words: for these only the quoted name is checked.
  if (spec.name === 'wegeft' || spec.name === 'lora' || spec.name === 'full' || spec.name === 'head') return [quoted];
  const label = spec.label.replace(/[()³]/g, '').toLowerCase();
  return [quoted, new RegExp(`\\b${escape(spec.name)}\\b`, 'i'), new RegExp(`\\b${escape(label)}\\b`, 'i')];
}

describe('a method is named only in its folder and the registry', () => {
  for (const spec of METHOD_SPECS) {
    it(`${spec.name} (${spec.label})`, () => {
      const found: string[] = [];
      for (const { file, text } of FILES) {
        if (file.startsWith(ownFolder(spec.name)) || REGISTRY_FILES.includes(file)) continue;
        text.split('\n').forEach((line, i) => {
          for (const pattern of spellings(spec)) {
            const match = pattern.exec(line);
            if (!match) continue;
            if (ALLOWED.some((a) => a.file === file && match[0] === a.text)) continue;
            found.push(`${file}:${i + 1}: ${line.trim()}`);
          }
        });
      }
      expect(found).toEqual([]);
    });
  }

  it('finds a name where it does not belong (the check can fail)', () => {
    const pattern = spellings(METHOD_SPECS.find((m) => m.name === 'vera')!);
    expect(pattern.some((p) => p.test("if (method === 'vera') {"))).toBe(true);
    expect(pattern.some((p) => p.test('// VeRA shares its projections'))).toBe(true);
    expect(pattern.some((p) => p.test('several methods'))).toBe(false);
  });

  it('each allowed exception is still there (a stale one is removed)', () => {
    for (const a of ALLOWED) expect(FILES.find((f) => f.file === a.file)?.text, a.file).toContain(a.text);
  });
});
