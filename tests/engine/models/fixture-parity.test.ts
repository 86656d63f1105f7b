/**
 * Every family reproduces transformers' logits on its reference fixture
 * (tests/fixtures/reference, a copy of ../shared/fixtures), on the CPU backend
 * and on WebGPU (Dawn + SwiftShader).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseChecks, loadCase, type ParityCase } from '../../../scripts/lib/parity-checks';
import { useBackend } from '../../helpers/backend';
import { FIXTURE_CASES, fixtureDir } from '../../helpers/fixtures';

describe.each(['cpu', 'webgpu'] as const)('base parity on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  describe.each(FIXTURE_CASES)('%s', (name) => {
    let parityCase: ParityCase;
    beforeAll(async () => {
      parityCase = await loadCase(fixtureDir(name));
    });
    afterAll(() => parityCase.model.dispose());

    it('matches logits, loss and parameter count', async () => {
      const results = await baseChecks(parityCase);
      expect(results.map((r) => r.check)).toEqual(['logits', 'loss', 'parameters']);
      for (const r of results) expect(r, `${r.check}: ${r.max_abs_diff}`).toMatchObject({ ok: true });
    });
  });
});
