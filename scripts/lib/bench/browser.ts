/**
 * `npm run bench -- --browser`: the same benchmark in headless Chromium, on
 * the browser's own backend (WebGPU by default: SwiftShader here, the real
 * GPU on a machine with one). Serves the project with Vite's dev server,
 * opens bench.html with the request in its query string and `autorun=1`,
 * forwards the page's progress to `log`, and returns its records.
 *
 * Chromium is the system's (CHROMIUM_PATH, else /usr/bin/chromium), never a
 * downloaded one. Vite and Playwright are imported only here, when asked for,
 * so the Node bundle for GPU machines (npm run bench:bundle) leaves them out.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchOptions } from '../../../src/engine/bench/benchmark';
import type { BenchRecord } from '../../../src/engine/bench/report';
import { paramsFromRequest, type PageBenchRequest } from '../../../src/bench-page/request';
import type { BackendName } from '../../../src/engine/backend';
import { CHROMIUM_ARGS, chromiumExecutablePath } from '../chromium';
import type { BenchCliOptions } from './args';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Real GPUs: let Chromium pick the hardware adapter instead of SwiftShader. */
const HARDWARE_GPU_ARGS = CHROMIUM_ARGS.filter((a) => !a.includes('swiftshader'));

interface PageState {
  state: 'idle' | 'running' | 'done' | 'error';
  records: BenchRecord[];
  error: string | null;
}

export function pageRequest(options: BenchCliOptions): PageBenchRequest {
  return { ...benchOptions(options), backend: options.backend as BackendName, ...(options.threads !== undefined && { threads: options.threads }) };
}

export async function runInBrowser(options: BenchCliOptions, log: (line: string) => void): Promise<BenchRecord[]> {
  const executablePath = chromiumExecutablePath();
  if (!existsSync(executablePath)) {
    throw new Error(`--browser needs Chromium at ${executablePath} (set CHROMIUM_PATH; on Debian: apt-get install chromium)`);
  }
  const { createServer } = await import('vite');
  const { chromium } = await import('@playwright/test');
  const server = await createServer({ root: PROJECT_ROOT, logLevel: 'error', server: { port: 5190, strictPort: false } });
  try {
    await server.listen();
    const base = server.resolvedUrls?.local[0];
    if (!base) throw new Error('the Vite dev server did not report its address');
    const args = process.env.BENCH_HARDWARE_GPU === '1' ? HARDWARE_GPU_ARGS : [...CHROMIUM_ARGS];
    const browser = await chromium.launch({ executablePath, args });
    try {
      const page = await browser.newPage();
      page.on('console', (message) => {
        const text = message.text();
        if (text.startsWith('[bench] ')) log(text.slice('[bench] '.length));
      });
      page.on('pageerror', (error) => log(`page error: ${error.message}`));
      const url = `${base}bench.html?${paramsFromRequest(pageRequest(options))}&autorun=1`;
      log(`browser: ${url}`);
      await page.goto(url);
      await page.waitForFunction(() => ['done', 'error'].includes(window.__bench?.state), undefined, { timeout: 0, polling: 500 });
      const result = (await page.evaluate(() => window.__bench)) as PageState;
      if (result.state === 'error') throw new Error(`in the browser: ${result.error}`);
      return result.records;
    } finally {
      await browser.close();
    }
  } finally {
    await server.close();
  }
}
