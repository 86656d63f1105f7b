/**
 * `npm run bench:bundle`: scripts/bench.ts as one self-contained CommonJS
 * file, dist-bench/bench.cjs, for a GPU machine that has no npm registry
 * (../shared/gpu/README.md): pack it with ../shared/gpu/pack.sh, then run
 *   bash .gpu/run-on-gpu.sh node .gpu/bench.cjs --model gpt2-124m --backend webgpu --json
 *
 * - `webgpu` (Dawn's native addon) stays outside: pack.sh carries it.
 * - Vite and Playwright are only for --browser, imported on demand: left out.
 * - tfjs backends register themselves by side effect: --ignore-annotations
 *   keeps them although their packages say they have none.
 * - import.meta.url (used to find modules next to the script) becomes the
 *   bundle's own file URL, as CommonJS has no import.meta.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const OUTFILE = path.join(PROJECT_ROOT, 'dist-bench/bench.cjs');

async function main(): Promise<void> {
  const result = await build({
    entryPoints: [path.join(PROJECT_ROOT, 'scripts/bench.ts')],
    outfile: OUTFILE,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['webgpu', 'vite', '@playwright/test'],
    ignoreAnnotations: true,
    define: { 'import.meta.url': 'importMetaUrl' },
    banner: { js: "const importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    logLevel: 'warning',
    metafile: true,
  });
  const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
  process.stdout.write(`wrote ${path.relative(PROJECT_ROOT, OUTFILE)} (${(bytes / 1e6).toFixed(1)} MB)\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:bundle: ${(error as Error).message}\n`);
  process.exit(1);
});
