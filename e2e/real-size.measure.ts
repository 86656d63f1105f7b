/**
 * A measurement, not a test of the suite (playwright.config.ts matches only
 * *.spec.ts; playwright.measure.config.ts matches this file): one training
 * step of real-size checkpoints through the app's own worker, in headless
 * Chromium on WASM (threaded: the app is cross-origin isolated). The
 * checkpoints are not in the repository; the environment names them, and a
 * model it does not name is reported as not measured, not passed:
 *
 *   REAL_SIZE_GPT2=/tmp/g2s-app   config.json + model.safetensors + tokenizer files (GPT-2 small)
 *   REAL_SIZE_DEIT=/tmp/deit-tiny config.json + model.safetensors + preprocessor_config.json
 *
 * It prints, per run, the run's own compute time (its line in Runs), the
 * throughput and peak memory the app's summary table shows (tfjs tensor bytes
 * at the run's metric points), and the renderer
 * process's peak resident memory (VmHWM of every renderer process of this
 * browser, found through CDP SystemInfo.getProcessInfo: the tab and its
 * workers, WASM heap included). See docs/benchmarks.md.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { PUBLIC, openFreshApp } from './helpers';

const GPT2 = process.env.REAL_SIZE_GPT2;
const DEIT = process.env.REAL_SIZE_DEIT;
const METHODS = (process.env.REAL_SIZE_METHODS ?? 'lora').split(',');

/** Peak resident set (VmHWM) of each renderer process of this browser, bytes. */
async function rendererPeaks(browser: Browser): Promise<number[]> {
  const cdp = await browser.newBrowserCDPSession();
  const { processInfo } = (await cdp.send('SystemInfo.getProcessInfo')) as { processInfo: { type: string; id: number }[] };
  await cdp.detach();
  return processInfo
    .filter((p) => p.type === 'renderer')
    .map((p) => {
      const status = readFileSync(`/proc/${p.id}/status`, 'utf8');
      return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) * 1024;
    });
}

async function oneStep(page: Page, browser: Browser, label: string, folder: string, data: string[], method: string, batch: number, seq: number | null) {
  page.on('dialog', (dialog) => void dialog.accept()); // "very large, load anyway?"
  await openFreshApp(page);
  await page.getByLabel('Backend preference').selectOption('wasm');
  await expect(page.getByTestId('backend-badge')).toContainText('WASM', { timeout: 60_000 });
  const loadStart = Date.now();
  await page.getByTestId('model-drop-files').setInputFiles(readdirSync(folder).map((f) => join(folder, f)));
  await expect(page.getByTestId('model-summary')).toBeVisible({ timeout: 600_000 });
  const loadMs = Date.now() - loadStart;
  await page.getByLabel('Evaluate on at most').fill('1');
  await page.getByTestId('data-drop-files').setInputFiles(data);
  await expect(page.getByTestId('dataset-summary')).toBeVisible();
  const methods = page.locator('#methods');
  await methods.getByLabel('Method', { exact: true }).selectOption(method);
  await methods.getByLabel('Steps', { exact: true }).fill('1');
  await methods.getByLabel('Batch size', { exact: true }).fill(String(batch));
  if (seq !== null) await methods.getByLabel('Sequence length', { exact: true }).fill(String(seq));
  await methods.getByRole('button', { name: 'Add run', exact: true }).click();
  const run = page.getByTestId('run').first();
  await page.getByRole('button', { name: 'Start all' }).click();
  await expect(run).toHaveAttribute('data-status', 'finished', { timeout: 1_500_000 });
  const row = page.getByTestId('summary-table').locator('tbody tr').first();
  // The table follows the worker's batched metrics: wait until it has the run's end.
  await expect(row.locator('td').last()).toHaveText('finished');
  const cells = await row.locator('td').allInnerTexts();
  const headers = await page.getByTestId('summary-table').locator('thead th').allInnerTexts();
  const cell = (name: string) => cells[headers.indexOf(name) - 1]; // the row's first column is a <th>
  const peaks = await rendererPeaks(browser);
  const result = {
    model: label,
    method,
    batch,
    seq,
    loadMs,
    // One step has no median step time (it needs two points); the run's line says its own compute.
    progress: await run.getByTestId('run-step').innerText(),
    throughput: cell('Throughput'),
    loss: cell('Loss (first → last)'),
    // The highest tfjs tensor bytes among the run's metric points (sampled after each step).
    enginePeak: cell('Peak memory'),
    rendererPeakMiB: peaks.map((b) => Math.round(b / 2 ** 20)),
    backend: await page.getByTestId('backend-badge').innerText(),
    crossOriginIsolated: await page.evaluate(() => self.crossOriginIsolated),
  };
  console.log(`REAL-SIZE ${JSON.stringify(result)}`);
  expect(cell('Status')).toBe('finished');
}

for (const method of METHODS) {
  test(`GPT-2 small, 1 × 128, one ${method} step through the app`, async ({ page, browser }) => {
    test.skip(!GPT2, 'REAL_SIZE_GPT2 names no checkpoint folder: not measured');
    test.setTimeout(1_800_000);
    await oneStep(page, browser, 'gpt2-small', GPT2!, [join(PUBLIC, 'datasets', 'sotu.txt')], method, 1, 128);
  });

  test(`DeiT-tiny, batch 4, one ${method} step through the app`, async ({ page, browser }) => {
    test.skip(!DEIT, 'REAL_SIZE_DEIT names no checkpoint folder: not measured');
    test.setTimeout(1_800_000);
    await oneStep(page, browser, 'deit-tiny', DEIT!, [join(PUBLIC, 'datasets', 'digits.zip')], method, 4, null);
  });
}
