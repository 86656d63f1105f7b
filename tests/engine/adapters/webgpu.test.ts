/**
 * The adapters on WebGPU (Dawn on SwiftShader here, a real GPU elsewhere):
 * the gpt2 (Conv1D, fused c_attn) and vit (classifier head) fixtures'
 * adapters give PyTorch's logits, loss and gradients. The AdamW steps are
 * left to the CPU parity tests: a software GPU makes them slow.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapterChecks } from '../../../scripts/lib/parity-adapters';
import { loadCase, type ParityCase } from '../../../scripts/lib/parity-checks';
import { useBackend } from '../../helpers/backend';
import { fixtureDir } from '../../helpers/fixtures';

beforeAll(async () => {
  await useBackend('webgpu');
});

describe.each([
  ['gpt2', ['wegeft', 'lora']],
  ['vit', ['wegeft']],
] as const)('adapter parity on webgpu: %s', (caseName, folders) => {
  let parityCase: ParityCase;
  beforeAll(async () => {
    parityCase = await loadCase(fixtureDir(caseName));
  });
  afterAll(() => parityCase.model.dispose());

  it(`matches logits, loss and every gradient of ${folders.join(' and ')}`, async () => {
    const results = await adapterChecks(parityCase, { folders, adamw: false });
    expect(new Set(results.map((r) => r.method))).toEqual(new Set(folders));
    expect(results.filter((r) => r.check.startsWith('grad:')).length).toBeGreaterThan(0);
    for (const r of results) expect(r, `${r.method} ${r.check}: ${r.max_abs_diff}`).toMatchObject({ ok: true });
  });
});
