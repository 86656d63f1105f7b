/**
 * `npm run bench:bundle [-- --out <file>]`: scripts/bench.ts as one self-contained CommonJS
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
import { parseCommandLine, runCli } from '../cli';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const DEFAULT_OUTFILE = 'dist-bench/bench.cjs';

const USAGE = `usage: npm run bench:bundle [-- --out <file>]

Bundles the benchmark CLI (scripts/bench.ts) into one self-contained CommonJS
file for a GPU machine without an npm registry; run it there as
  node <file> --model gpt2-124m --backend webgpu --json
(the webgpu package stays outside the bundle; ../shared/gpu/pack.sh carries it).

  --out <file>   where to write the bundle (default ${DEFAULT_OUTFILE}, relative to the project)
`;

async function main(argv: string[]): Promise<number> {
  const { values } = parseCommandLine(argv, { out: { type: 'string' } });
  const outfile = path.resolve(PROJECT_ROOT, values.out ?? DEFAULT_OUTFILE);
  const result = await build({
    entryPoints: [path.join(PROJECT_ROOT, 'scripts/bench.ts')],
    outfile,
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
  process.stdout.write(`wrote ${path.relative(PROJECT_ROOT, outfile)} (${(bytes / 1e6).toFixed(1)} MB)\n`);
  return 0;
}

runCli({ name: 'bench:bundle', usage: USAGE }, main);
