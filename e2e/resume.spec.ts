/**
 * Reloading mid-run no longer loses the run: it is checkpointed while it
 * trains, and after a reload Resume continues it from the step it reached,
 * on the same curve. Pause and Resume in the Runs panel too.
 */
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { FIXTURES, PUBLIC, openFreshApp, snap } from './helpers';

const vitFiles = ['config.json', 'model.safetensors'].map((f) => join(FIXTURES, 'vit', f));

/** The step numbers of a run's loss-by-step points, as the store holds them (read from IndexedDB's snapshot would lag). */
async function stepOf(text: string | null): Promise<number> {
  const match = /step (\d+) \//.exec(text ?? '');
  if (!match) throw new Error(`no step in "${text}"`);
  return Number(match[1]);
}

test('a run reloaded mid-way resumes from the step it reached, and Pause/Resume continue it', async ({ page }, testInfo) => {
  await openFreshApp(page);
  await page.getByTestId('model-drop-files').setInputFiles(vitFiles);
  await expect(page.getByTestId('model-summary')).toBeVisible();
  await page.getByTestId('data-drop-files').setInputFiles(join(PUBLIC, 'datasets', 'digits.zip'));
  await expect(page.getByTestId('dataset-summary')).toBeVisible();
  const methods = page.locator('#methods');
  await methods.getByLabel('Steps', { exact: true }).fill('2000');
  await methods.getByLabel('Batch size', { exact: true }).fill('2');
  await methods.getByRole('button', { name: 'Add run', exact: true }).click();
  const run = page.getByTestId('run').first();
  await run.getByRole('button', { name: /^Start / }).click();
  await expect(run).toHaveAttribute('data-status', 'running');

  // Pause: the step count stands still and a checkpoint is made; Resume continues from there.
  await expect(run.getByTestId('run-step')).toHaveText(/step ([3-9]|\d\d+) \//, { timeout: 120_000 });
  await run.getByRole('button', { name: /^Pause / }).click();
  await expect(run).toHaveAttribute('data-status', 'paused');
  await expect(run.getByTestId('run-checkpoint')).toHaveText(/Checkpoint at step \d+, kept for a reload/);
  const paused = await stepOf(await run.getByTestId('run-step').textContent());
  expect(Number(await run.getByTestId('run-checkpoint').getAttribute('data-step'))).toBe(paused);
  await page.waitForTimeout(1500);
  expect(await stepOf(await run.getByTestId('run-step').textContent())).toBe(paused);
  await run.getByRole('button', { name: /^Resume / }).click();
  await expect(run).toHaveAttribute('data-status', 'running');

  // Training on: wait for a checkpoint made while training (every 10 s), past the pause's.
  await expect
    .poll(async () => Number(await run.getByTestId('run-checkpoint').getAttribute('data-step')), { timeout: 180_000 })
    .toBeGreaterThan(paused);
  const checkpointStep = Number(await run.getByTestId('run-checkpoint').getAttribute('data-step'));
  // The store's snapshot is written about once a second: let it catch up with the checkpoint.
  await page.waitForTimeout(1500);
  await snap(page, testInfo, 'before-reload');

  await page.reload();
  await expect(run).toHaveAttribute('data-status', 'interrupted');
  await expect(run.getByText(`Resume continues from step ${checkpointStep}`)).toBeVisible();
  const resume = run.getByTestId('run-resume');
  await expect(resume).toHaveText(`Resume from step ${checkpointStep}`);
  // The dropped model and data come back by themselves; Resume waits for them.
  await expect(resume).toBeEnabled({ timeout: 120_000 });
  await snap(page, testInfo, 'after-reload');
  await resume.click();
  await expect(run).toHaveAttribute('data-status', 'running');
  // It continues from the checkpoint: the first step shown is the next one, never a restart from 0.
  await expect.poll(async () => stepOf(await run.getByTestId('run-step').textContent()), { timeout: 120_000 }).toBeGreaterThan(checkpointStep);
  const steps = await page.evaluate(async () => {
    // The metrics as persisted: one point per step, no gap and no repeat around the checkpoint.
    await new Promise((r) => setTimeout(r, 1500));
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('wegeft-playground');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const snapshot = await new Promise<{ metrics: Record<string, { step: number }[]> }>((resolve, reject) => {
      const request = db.transaction('snapshots').objectStore('snapshots').get('current');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    db.close();
    return Object.values(snapshot.metrics)[0].map((p) => p.step);
  });
  expect(steps.length).toBeGreaterThan(checkpointStep);
  expect(steps).toEqual(Array.from({ length: steps.length }, (_, i) => i + 1));
  await expect(page.getByTestId('chart-loss-step').locator('path.recharts-curve.recharts-line-curve')).toHaveCount(1);
  await snap(page, testInfo, 'resumed');
  await run.getByRole('button', { name: /^Stop / }).click();
  await expect(run).toHaveAttribute('data-status', 'stopped');
});
