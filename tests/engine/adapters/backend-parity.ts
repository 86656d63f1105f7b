/**
 * The adapter parity suite one backend runs (webgpu.test.ts, wasm.test.ts):
 * each fixture case's adapters give PyTorch's logits, loss and gradients
 * (the AdamW steps are left to the CPU parity tests).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapterChecks } from '../../../scripts/lib/parity-adapters';
import { loadCase, type ParityCase } from '../../../scripts/lib/parity-checks';
import { useBackend } from '../../helpers/backend';
import { fixtureDir } from '../../helpers/fixtures';

type FixtureCase = Parameters<typeof fixtureDir>[0];

export function describeAdapterParity(backend: 'webgpu' | 'wasm', cases: readonly (readonly [FixtureCase, readonly string[]])[]): void {
  beforeAll(async () => {
    await useBackend(backend);
  });

  describe.each(cases)(`adapter parity on ${backend}: %s`, (caseName, folders) => {
    let parityCase: ParityCase;
    beforeAll(async () => {
      parityCase = await loadCase(fixtureDir(caseName));
    });
    afterAll(() => parityCase.model.dispose());

    it(`matches logits, loss and every gradient of ${folders.join(' and ')}`, async () => {
      const results = await adapterChecks(parityCase, { folders: [...folders], adamw: false });
      expect(new Set(results.map((r) => r.method))).toEqual(new Set(folders));
      expect(results.filter((r) => r.check.startsWith('grad:')).length).toBeGreaterThan(0);
      for (const r of results) expect(r, `${r.method} ${r.check}: ${r.max_abs_diff}`).toMatchObject({ ok: true });
    });
  });
}
