/**
 * The adapters on WASM, whose matMul kernels the engine replaces
 * (src/engine/kernels/wasm-training.ts: explicit transposes, batched
 * products split into one XNNPACK product per matrix): every family's
 * fixture gives PyTorch's logits, loss and gradients through them, the
 * attention's batched products included.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapterChecks } from '../../../scripts/lib/parity-adapters';
import { loadCase, type ParityCase } from '../../../scripts/lib/parity-checks';
import { useBackend } from '../../helpers/backend';
import { fixtureDir } from '../../helpers/fixtures';

beforeAll(async () => {
  await useBackend('wasm');
});

describe.each([
  ['gpt2', ['wegeft', 'lora']],
  ['vit', ['wegeft', 'lora']],
  ['llama', ['wegeft', 'lora']],
] as const)('adapter parity on wasm: %s', (caseName, folders) => {
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
