/**
 * npm run parity -- <case-dir> [<case-dir> ...] [--backend cpu|wasm|webgpu]
 *
 * Checks the engine against a reference case laid out like
 * tests/fixtures/reference/<case> and prints one JSON object per check:
 *   {"case":"gpt2","method":"base","check":"logits","max_abs_diff":3.1e-7,"tolerance":0.0001,"ok":true}
 * Exit status 1 if any check fails, 2 on bad usage or unreadable input.
 */
import { asUsage, parseCommandLine, runCli, UsageError } from './lib/cli';
import { parseBackend, reexecForWebGpuIfNeeded, setupNodeBackend } from './lib/node-backend';
import { adapterChecks } from './lib/parity-adapters';
import { baseChecks, loadCase, type CheckResult } from './lib/parity-checks';

const USAGE = `usage: npm run parity -- <case-dir> [<case-dir> ...] [--backend cpu|wasm|webgpu]

Checks the engine against reference cases: the model, and every adapter
folder of the case (lora, wegeft, ...), for logits, loss, the gradient of
every trainable tensor, a few AdamW steps and the trainable-parameter count.
A case is laid out like tests/fixtures/reference/<case> (gpt2, gpt_neo,
llama, vit there). One JSON line per check on stdout:
  {"case":"gpt2","method":"base","check":"logits","max_abs_diff":3.1e-7,"tolerance":0.0001,"ok":true}

  --backend <b>   cpu (default), wasm or webgpu

Exit status: 0 when every check passes, 1 when one fails, 2 on bad usage or
unreadable input.
`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, { backend: { type: 'string', default: 'cpu' } }, true);
  if (positionals.length === 0) throw new UsageError('say which case folder(s) to check');
  const backend = asUsage(() => parseBackend(values.backend));
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

runCli({ name: 'parity', usage: USAGE }, main);
