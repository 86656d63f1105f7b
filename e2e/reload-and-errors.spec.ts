import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { FIXTURES, PUBLIC, openFreshApp, snap } from './helpers';

const vitFiles = ['config.json', 'model.safetensors'].map((f) => join(FIXTURES, 'vit', f));

test('reloading mid-way keeps the runs, their settings and their metrics', async ({ page }, testInfo) => {
  await openFreshApp(page);
  await page.getByTestId('model-drop-files').setInputFiles(vitFiles);
  await expect(page.getByTestId('model-summary')).toBeVisible();
  await page.getByTestId('data-drop-files').setInputFiles(join(PUBLIC, 'datasets', 'digits.zip'));
  await expect(page.getByTestId('dataset-summary')).toBeVisible();
  const methods = page.locator('#methods');
  await methods.getByLabel('Steps', { exact: true }).fill('400');
  await methods.getByLabel('Batch size', { exact: true }).fill('4');
  await methods.getByRole('button', { name: 'Add WeGeFT + LoRA pair' }).click();
  await page.getByRole('button', { name: 'Start all' }).click();
  const runs = page.getByTestId('run');
  // Wait until both runs have metric points on the chart.
  await expect(page.getByTestId('chart-loss-step').locator('path.recharts-curve.recharts-line-curve')).toHaveCount(2, { timeout: 180_000 });
  await snap(page, testInfo, 'training');
  const stepsBefore = await runs.getByTestId('run-step').allTextContents();

  await page.reload();
  await expect(runs).toHaveCount(2);
  await expect(runs.nth(0)).toHaveAttribute('data-status', 'interrupted');
  await expect(runs.nth(1)).toHaveAttribute('data-status', 'interrupted');
  await expect(page.getByTestId('chart-loss-step').locator('path.recharts-curve.recharts-line-curve')).toHaveCount(2);
  expect((await runs.getByTestId('run-step').allTextContents()).length).toBe(stepsBefore.length);
  // The dropped model and dataset come back too, so the runs can start again.
  await expect(page.getByTestId('model-summary')).toBeVisible();
  await expect(page.getByTestId('dataset-summary')).toBeVisible();
  // Restart is always offered (Resume too, when it had made a checkpoint).
  await expect(runs.nth(0).getByRole('button', { name: /^Restart / })).toBeEnabled();
  await snap(page, testInfo, 'after-reload');
});

test('a broken dataset file gets a message naming it, and the app keeps working', async ({ page }, testInfo) => {
  await openFreshApp(page);
  await page.getByTestId('model-drop-files').setInputFiles(vitFiles);
  await expect(page.getByTestId('model-summary')).toBeVisible();
  await page.getByTestId('data-drop-files').setInputFiles({ name: 'photos.zip', mimeType: 'application/zip', buffer: Buffer.from('this is not a zip archive') });
  const errors = page.getByTestId('data-errors');
  // The file's name, once, then the problem.
  await expect(errors).toHaveText(/^\s*photos\.zip: is not a readable \.zip archive/);
  await snap(page, testInfo, 'broken-dataset');
  await page.getByTestId('data-drop-files').setInputFiles(join(PUBLIC, 'datasets', 'digits.zip'));
  await expect(page.getByTestId('dataset-summary')).toBeVisible();
  await expect(errors).toHaveCount(0);
  await page.locator('#methods').getByRole('button', { name: 'Add run', exact: true }).click();
  await expect(page.getByTestId('run')).toHaveCount(1);
});
