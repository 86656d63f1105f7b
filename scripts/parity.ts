/**
 * npm run parity -- <case-dir> [--backend cpu|wasm|webgpu]
 *
 * Checks the engine against a reference case laid out like
 * ../shared/fixtures/<case> and prints one JSON object per check:
 *   {"case":"gpt2","method":"base","check":"logits","max_abs_diff":3.1e-7,"tolerance":0.0001,"ok":true}
 * Exit status 1 if any check fails, 2 on bad usage or unreadable input.
 */
import { parseArgs } from 'node:util';
import { errorMessage } from '../src/engine/errors';
import { parseBackend, reexecForWebGpuIfNeeded, setupNodeBackend } from './lib/node-backend';
import { adapterChecks } from './lib/parity-adapters';
import { baseChecks, loadCase, type CheckResult } from './lib/parity-checks';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: { backend: { type: 'string', default: 'cpu' } },
    allowPositionals: true,
  });
  if (positionals.length === 0) {
    console.error('usage: npm run parity -- <case-dir> [<case-dir> ...] [--backend cpu|wasm|webgpu]');
    return 2;
  }
  const backend = parseBackend(values.backend);
  reexecForWebGpuIfNeeded(backend);
  await setupNodeBackend(backend);

  let failed = false;
  for (const dir of positionals) {
    const parityCase = await loadCase(dir);
    const results: CheckResult[] = [...(await baseChecks(parityCase)), ...(await adapterChecks(parityCase))];
    for (const r of results) {
      console.log(JSON.stringify(r));
      failed ||= !r.ok;
    }
    parityCase.model.dispose();
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`parity: ${errorMessage(error)}`);
    process.exit(2);
  },
);
