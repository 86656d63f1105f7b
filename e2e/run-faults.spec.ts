/**
 * Faults during a run, in Chromium: the WebGPU device destroyed mid-run
 * (device.destroy(), as a driver reset), the engine worker crashing, no
 * IndexedDB (a private window), and a run that cannot start. Nothing the
 * user made is lost, and the run resumes with one click.
 */
import { join } from 'node:path';
import { expect, test, type Page, type Worker } from '@playwright/test';
import { FIXTURES, PUBLIC, chooseWebGpu, openFreshApp, snap } from './helpers';

const vitFiles = ['config.json', 'model.safetensors'].map((f) => join(FIXTURES, 'vit', f));

async function loadVitAndDigits(page: Page): Promise<void> {
  await page.getByTestId('model-drop-files').setInputFiles(vitFiles);
  await expect(page.getByTestId('model-summary')).toBeVisible();
  await page.getByTestId('data-drop-files').setInputFiles(join(PUBLIC, 'datasets', 'digits.zip'));
  await expect(page.getByTestId('dataset-summary')).toBeVisible();
}

async function addRun(page: Page, steps: number): Promise<void> {
  const methods = page.locator('#methods');
  await methods.getByLabel('Steps', { exact: true }).fill(String(steps));
  await methods.getByLabel('Batch size', { exact: true }).fill('2');
  await methods.getByRole('button', { name: 'Add run', exact: true }).click();
}

function engineWorker(page: Page): Worker {
  const worker = page.workers().find((w) => !w.url().includes('wasm'));
  if (!worker) throw new Error('no engine worker in the page');
  return worker;
}

const stepOf = (text: string | null) => Number(/step (\d+) \//.exec(text ?? '')?.[1] ?? NaN);

/** Trains until a checkpoint exists (a pause makes one at once), then goes on training. */
async function trainToCheckpoint(page: Page, index: number): Promise<number> {
  const run = page.getByTestId('run').nth(index);
  await run.getByRole('button', { name: /^Start / }).click();
  await expect(run.getByTestId('run-step')).toHaveText(/step ([2-9]|\d\d+) \//, { timeout: 120_000 });
  await run.getByRole('button', { name: /^Pause / }).click();
  await expect(run.getByTestId('run-checkpoint')).toBeVisible();
  const step = Number(await run.getByTestId('run-checkpoint').getAttribute('data-step'));
  await run.getByRole('button', { name: /^Resume / }).click();
  await expect(run).toHaveAttribute('data-status', 'running');
  return step;
}

test('the WebGPU device destroyed mid-run: the run fails saying so, keeps its metrics and checkpoint, and resumes on WASM in one click', async ({ page }, testInfo) => {
  await openFreshApp(page);
  await chooseWebGpu(page);
  await loadVitAndDigits(page);
  await addRun(page, 2000);
  const run = page.getByTestId('run').first();
  const checkpoint = await trainToCheckpoint(page, 0);
  await expect.poll(async () => stepOf(await run.getByTestId('run-step').textContent()), { timeout: 120_000 }).toBeGreaterThan(checkpoint + 1);
  const lines = page.getByTestId('chart-loss-step').locator('path.recharts-curve.recharts-line-curve');
  await expect(lines).toHaveCount(1);

  const destroyed = await engineWorker(page).evaluate(() => {
    const device = (self as unknown as { __wegeftGpuDevice: () => { destroy(): void } | null }).__wegeftGpuDevice();
    device?.destroy();
    return device !== null;
  });
  expect(destroyed).toBe(true);
  await expect(run).toHaveAttribute('data-status', 'failed', { timeout: 60_000 });
  const failure = run.getByTestId('run-failure');
  await expect(failure).toHaveAttribute('data-kind', 'device-lost');
  await expect(failure).toContainText('The GPU device was lost');
  await expect(failure).toContainText(/checkpoint at step \d+ .* are kept/);
  // Its metrics stay on the chart.
  await expect(lines).toHaveCount(1);
  const kept = Number(await run.getByTestId('run-checkpoint').getAttribute('data-step'));
  expect(kept).toBeGreaterThanOrEqual(checkpoint);
  await snap(page, testInfo, 'device-lost');

  const retry = failure.getByTestId('run-retry');
  await expect(retry).toHaveText(`Resume from step ${kept} on WASM`);
  await retry.click();
  await expect(page.getByTestId('backend-badge')).toHaveText(/WASM/, { timeout: 120_000 });
  await expect(run).toHaveAttribute('data-status', 'running', { timeout: 120_000 });
  await expect.poll(async () => stepOf(await run.getByTestId('run-step').textContent()), { timeout: 120_000 }).toBeGreaterThan(kept);
  await expect(lines).toHaveCount(1);
  await snap(page, testInfo, 'resumed-on-wasm');
  await run.getByRole('button', { name: /^Stop / }).click();
});

test('the engine worker crashes: the training run fails with the reason, the finished run and settings survive, a new worker resumes the run', async ({ page }, testInfo) => {
  await openFreshApp(page);
  await loadVitAndDigits(page);
  await addRun(page, 3);
  const finished = page.getByTestId('run').nth(0);
  await finished.getByRole('button', { name: /^Start / }).click();
  await expect(finished).toHaveAttribute('data-status', 'finished', { timeout: 120_000 });
  const finishedEval = await finished.getByTestId('run-eval').textContent();
  await addRun(page, 2000);
  const run = page.getByTestId('run').nth(1);
  const checkpoint = await trainToCheckpoint(page, 1);

  await engineWorker(page).evaluate(() => {
    setTimeout(() => {
      throw new Error('injected crash');
    }, 0);
  });
  await expect(run).toHaveAttribute('data-status', 'failed', { timeout: 60_000 });
  const failure = run.getByTestId('run-failure');
  await expect(failure).toHaveAttribute('data-kind', 'worker-crashed');
  await expect(failure).toContainText(/engine worker stopped .*injected crash/);
  await expect(finished).toHaveAttribute('data-status', 'finished');
  await expect(finished.getByTestId('run-eval')).toHaveText(finishedEval!);
  await snap(page, testInfo, 'worker-crashed');
  // The new worker is given the model and data again; the run resumes from its checkpoint.
  await expect(page.getByTestId('model-summary')).toBeVisible();
  const retry = failure.getByTestId('run-retry');
  await expect(retry).toHaveText(new RegExp(`^Resume from step \\d+ on `));
  const kept = Number(await run.getByTestId('run-checkpoint').getAttribute('data-step'));
  expect(kept).toBeGreaterThanOrEqual(checkpoint);
  await retry.click();
  await expect(run).toHaveAttribute('data-status', 'running', { timeout: 120_000 });
  await expect.poll(async () => stepOf(await run.getByTestId('run-step').textContent()), { timeout: 120_000 }).toBeGreaterThan(kept);
  await snap(page, testInfo, 'resumed-in-new-worker');
  await run.getByRole('button', { name: /^Stop / }).click();
});

test('without IndexedDB (a private window) the app says so and still trains and resumes a paused run', async ({ page }, testInfo) => {
  await page.addInitScript(() => {
    // As some private windows: IndexedDB refuses to open.
    Object.defineProperty(IDBFactory.prototype, 'open', {
      value() {
        throw new DOMException('The user denied permission to access the database.', 'InvalidStateError');
      },
    });
  });
  await page.goto('/');
  await expect(page.getByText(/Runs will not survive a reload: IndexedDB is unavailable/)).toBeVisible();
  await loadVitAndDigits(page);
  await addRun(page, 2000);
  const run = page.getByTestId('run').first();
  await trainToCheckpoint(page, 0);
  await expect(run.getByTestId('run-checkpoint')).toContainText('in this page only');
  await expect.poll(async () => stepOf(await run.getByTestId('run-step').textContent()), { timeout: 120_000 }).toBeGreaterThan(3);
  await snap(page, testInfo, 'no-indexeddb');
  await run.getByRole('button', { name: /^Stop / }).click();
});

test('a run cannot start without a model or a dataset: Start is disabled with the reason, and no retry is offered', async ({ page }, testInfo) => {
  await openFreshApp(page);
  await addRun(page, 10);
  const run = page.getByTestId('run').first();
  await expect(run.getByRole('button', { name: /^Start / })).toBeDisabled();
  await expect(run.getByTestId('run-start-blocked')).toHaveText('Load a model first (Model panel).');
  await expect(page.getByRole('button', { name: 'Start all' })).toBeDisabled();
  await page.getByTestId('model-drop-files').setInputFiles(vitFiles);
  await expect(page.getByTestId('model-summary')).toBeVisible();
  await expect(run.getByTestId('run-start-blocked')).toHaveText('Load a dataset first (Data panel).');
  await expect(run.getByRole('button', { name: /^Start / })).toBeDisabled();
  await snap(page, testInfo, 'start-disabled');
  await expect(page.getByRole('button', { name: /Retry on/ })).toHaveCount(0);
  await page.getByTestId('data-drop-files').setInputFiles(join(PUBLIC, 'datasets', 'digits.zip'));
  await expect(page.getByTestId('dataset-summary')).toBeVisible();
  await expect(run.getByTestId('run-start-blocked')).toHaveCount(0);
  await expect(run.getByRole('button', { name: /^Start / })).toBeEnabled();
});

test('out of memory on the WebGPU device: the run stops saying so, keeps its checkpoint, and offers to resume on WASM', async ({ page }, testInfo) => {
  await openFreshApp(page);
  await chooseWebGpu(page);
  await loadVitAndDigits(page);
  await addRun(page, 2000);
  const run = page.getByTestId('run').first();
  await trainToCheckpoint(page, 0);
  // What the device reports when an allocation fails: an uncaptured GPUOutOfMemoryError.
  await engineWorker(page).evaluate(() => {
    const device = (self as unknown as { __wegeftGpuDevice: () => EventTarget | null }).__wegeftGpuDevice()!;
    const G = self as unknown as {
      GPUUncapturedErrorEvent: new (type: string, init: { error: unknown }) => Event;
      GPUOutOfMemoryError: new (message: string) => unknown;
    };
    device.dispatchEvent(new G.GPUUncapturedErrorEvent('uncapturederror', { error: new G.GPUOutOfMemoryError('injected: allocation failed') }));
  });
  await expect(run).toHaveAttribute('data-status', 'failed', { timeout: 60_000 });
  const failure = run.getByTestId('run-failure');
  await expect(failure).toHaveAttribute('data-kind', 'out-of-memory');
  await expect(failure).toContainText(/Out of memory .*injected: allocation failed.*smaller batch/);
  await expect(failure.getByTestId('run-retry')).toHaveText(/^Resume from step \d+ on WASM$/);
  await snap(page, testInfo, 'out-of-memory');
});

test('a warm-up longer than the run is warned about in the run and in a notice', async ({ page }, testInfo) => {
  await openFreshApp(page);
  await loadVitAndDigits(page);
  const methods = page.locator('#methods');
  await methods.getByLabel('Warm-up steps', { exact: true }).fill('50');
  await addRun(page, 4);
  const run = page.getByTestId('run').first();
  await run.getByRole('button', { name: /^Start / }).click();
  await expect(run.getByTestId('run-warnings')).toContainText('The warm-up (50 steps) is as long as the run or longer (4 steps)');
  await expect(page.getByText(/: The warm-up \(50 steps\)/).first()).toBeVisible();
  await expect(run).toHaveAttribute('data-status', 'finished', { timeout: 120_000 });
  // Kept with the run, across a reload.
  await page.waitForTimeout(1500);
  await page.reload();
  await expect(run.getByTestId('run-warnings')).toContainText('The warm-up (50 steps)');
  await snap(page, testInfo, 'warm-up-warning');
});
