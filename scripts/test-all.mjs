#!/usr/bin/env node
/**
 * `npm test`: every test, in order of cost.
 *   1. finds Chromium (needed by the end-to-end tests, and by WebGPU in Node,
 *      which uses Chromium's Vulkan loader and SwiftShader); as root on
 *      Debian it installs Debian's `chromium` when missing, else it explains
 *      how to get one. Never downloads a browser.
 *   2. type-checks the whole project;
 *   3. runs the unit, parity and CLI tests (vitest, Node: cpu, wasm, webgpu);
 *   4. builds the app and runs the end-to-end tests (Playwright, headless
 *      Chromium with WebGPU on SwiftShader).
 * Extra arguments go to vitest, e.g. `npm test -- tests/engine/io`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/snap/bin/chromium'];

function findChromium() {
  return CANDIDATES.find((p) => p && existsSync(p));
}

function run(step, command, args, env = process.env) {
  console.log(`\n▶ ${step}: ${command} ${args.join(' ')}`);
  const started = Date.now();
  const result = spawnSync(command, args, { stdio: 'inherit', env });
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  if (result.status !== 0) {
    console.error(`\n✖ ${step} failed (exit ${result.status ?? result.signal}) after ${seconds}s`);
    process.exit(result.status || 1);
  }
  console.log(`✔ ${step} (${seconds}s)`);
}

function ensureChromium() {
  let chromium = findChromium();
  if (chromium) return chromium;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && existsSync('/usr/bin/apt-get')) {
    console.log('Chromium not found: installing Debian\'s chromium package (apt-get install -y chromium)…');
    run('install chromium', 'sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium']);
    chromium = findChromium();
    if (chromium) return chromium;
  }
  console.error(
    'npm test needs Chromium (for the end-to-end tests and for WebGPU in Node) and found none.\n' +
      '  Debian/Ubuntu: sudo apt-get install chromium\n' +
      '  elsewhere: install Chromium and set CHROMIUM_PATH=/path/to/chromium\n' +
      'The tests never download a browser.',
  );
  process.exit(1);
}

const chromium = ensureChromium();
const env = { ...process.env, CHROMIUM_PATH: chromium };
const vitestArgs = process.argv.slice(2);

run('type-check', 'npx', ['tsc', '--noEmit', '-p', 'tsconfig.json'], env);
run('unit, parity and CLI tests', 'npx', ['vitest', 'run', ...vitestArgs], env);
if (vitestArgs.length === 0) {
  run('build the app', 'npx', ['vite', 'build'], env);
  run('end-to-end tests', 'npx', ['playwright', 'test'], env);
}
console.log('\nAll tests passed.');
