/**
 * Reference parity: every adapter folder of every fixture case (lora,
 * wegeft, wegeft_per_layer) matches PyTorch/PEFT on the CPU backend, in
 * logits, loss, the gradient of every trainable tensor, the losses over
 * three AdamW steps, and the trainable count; and `npm run parity` reports
 * it line by line, failing with exit status 1 when a reference disagrees.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapterChecks } from '../../../scripts/lib/parity-adapters';
import { loadCase, type CheckResult, type ParityCase } from '../../../scripts/lib/parity-checks';
import { parseSafetensors } from '../../../src/engine/io/safetensors';
import { useBackend } from '../../helpers/backend';
import { FIXTURE_CASES, fixtureDir, PROJECT_ROOT } from '../../helpers/fixtures';

const run = promisify(execFile);

/** The adapter folders of a fixture case and the gradient checks each must produce. */
async function expectedChecks(caseName: string): Promise<Map<string, string[]>> {
  const byFolder = new Map<string, string[]>();
  for (const folder of ['lora', 'wegeft', 'wegeft_per_layer']) {
    const file = path.join(fixtureDir(caseName as 'gpt2'), folder, 'expected.safetensors');
    const exists = await fs.stat(file).then(() => true, () => false);
    if (!exists) continue;
    const expected = parseSafetensors(new Uint8Array(await fs.readFile(file)), file);
    const grads = [...expected.entries.keys()].filter((k) => k.startsWith('grad.')).map((k) => `grad:${k.slice(5)}`);
    byFolder.set(folder, ['logits', 'loss', ...grads, 'trainable_parameters', 'adamw_losses']);
  }
  return byFolder;
}

beforeAll(async () => {
  await useBackend('cpu');
});

describe.each(FIXTURE_CASES)('adapter parity: %s', (caseName) => {
  let parityCase: ParityCase;
  let results: CheckResult[];
  beforeAll(async () => {
    parityCase = await loadCase(fixtureDir(caseName));
    results = await adapterChecks(parityCase);
  });
  afterAll(() => parityCase.model.dispose());

  it('runs every check of every adapter folder in the case, and nothing else', async () => {
    const expected = await expectedChecks(caseName);
    const actual = new Map<string, string[]>();
    for (const r of results) actual.set(r.method, [...(actual.get(r.method) ?? []), r.check]);
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [folder, checks] of expected) expect([...actual.get(folder)!].sort(), folder).toEqual([...checks].sort());
  });

  it('passes every check within the fixtures’ tolerances', () => {
    for (const r of results) expect(r, `${r.method} ${r.check}: ${r.max_abs_diff} > ${r.tolerance}`).toMatchObject({ ok: true });
  });
});

describe('npm run parity (the CLI, end to end)', () => {
  let tempDir: string;
  beforeAll(async () => {
    tempDir = await fs.mkdtemp(path.join(os.tmpdir(), 'parity-'));
  });
  afterAll(async () => {
    await fs.rm(tempDir, { recursive: true, force: true });
  });

  const cli = (...args: string[]) =>
    run('npx', ['tsx', 'scripts/parity.ts', ...args], { cwd: PROJECT_ROOT }).then(
      ({ stdout }) => ({ code: 0, lines: parseLines(stdout) }),
      (error: { code: number; stdout: string }) => ({ code: error.code, lines: parseLines(error.stdout) }),
    );
  const parseLines = (stdout: string) => stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as CheckResult);

  it('prints a passing line per base and adapter check of the gpt2 case, and exits 0', async () => {
    const { code, lines } = await cli(fixtureDir('gpt2'));
    expect(code).toBe(0);
    expect(new Set(lines.map((l) => l.method))).toEqual(new Set(['base', 'lora', 'wegeft', 'wegeft_per_layer']));
    expect(lines.filter((l) => l.method === 'wegeft').map((l) => l.check)).toContain(
      'grad:base_model.model.transformer.h.0.attn.c_attn.wegeft_phi.weight',
    );
    expect(lines.every((l) => l.ok && l.case === 'gpt2')).toBe(true);
  });

  it('exits 1 and marks the line when a reference disagrees', async () => {
    const copy = path.join(tempDir, 'gpt2');
    await fs.cp(fixtureDir('gpt2'), copy, { recursive: true });
    const expectedFile = path.join(copy, 'wegeft', 'expected.json');
    const expected = JSON.parse(await fs.readFile(expectedFile, 'utf8'));
    expected.losses_adamw[2] += 0.01;
    expected.trainable_parameters += 1;
    await fs.writeFile(expectedFile, JSON.stringify(expected));
    const { code, lines } = await cli(copy);
    expect(code).toBe(1);
    const failed = lines.filter((l) => !l.ok).map((l) => `${l.method} ${l.check}`);
    expect(failed.sort()).toEqual(['wegeft adamw_losses', 'wegeft trainable_parameters']);
  });
});
