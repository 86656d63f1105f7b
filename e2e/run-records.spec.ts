import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { PUBLIC, bundledModel, openFreshApp, snap } from './helpers';

const LM = bundledModel('causal-lm');
const VIT = bundledModel('image-classification');
const digit = (d: string) => join(PUBLIC, 'datasets', 'digits', 'val', d, readdirSync(join(PUBLIC, 'datasets', 'digits', 'val', d))[0]);

test('a run remembers its model and data: after switching models it keeps its count, cannot be exported or tried, and never breaks the new model', async ({ page }, testInfo) => {
  await openFreshApp(page);
  await page.getByRole('button', { name: `Load ${LM.title}` }).click();
  await expect(page.getByTestId('model-summary')).toContainText(LM.name);
  await page.getByLabel('Evaluate on at most').fill('8');
  await page.getByTestId('data-drop-files').setInputFiles([join(PUBLIC, 'datasets', 'sotu.txt'), join(PUBLIC, 'datasets', 'sotu.val.txt')]);
  await expect(page.getByTestId('dataset-summary')).toBeVisible();
  const methods = page.locator('#methods');
  await methods.getByLabel('Steps', { exact: true }).fill('2');
  await methods.getByLabel('Batch size', { exact: true }).fill('2');
  await methods.getByLabel('Sequence length', { exact: true }).fill('16');
  await methods.getByRole('button', { name: 'Add run' }).click();
  const run = page.getByTestId('run');
  await expect(run.getByTestId('run-trainable')).toHaveAttribute('data-count', /\d+/);
  const gpt2Count = await run.getByTestId('run-trainable').getAttribute('data-count');
  await page.getByRole('button', { name: 'Start all' }).click();
  await expect(run).toHaveAttribute('data-status', 'finished', { timeout: 240_000 });

  const exportRow = page.getByTestId('export-run');
  await expect(exportRow.getByTestId('run-origin')).toContainText(`Trained on ${LM.name} (bundled) · sotu.txt`);
  await expect(exportRow.getByRole('button', { name: /Download the adapter/ })).toBeEnabled();
  await expect(page.getByTestId('compare-scope')).toContainText(`${LM.name} (bundled) on sotu.txt`);
  await expect(page.getByTestId('summary-table')).toContainText(`${LM.name} (bundled) · sotu.txt`);
  // Generated text stays inside its card, however long its words or however many its blank lines.
  const tryIt = page.locator('#try');
  await tryIt.getByLabel('Prompt').fill(`${'x'.repeat(300)}\n\n\n\n\n\n\nThe`);
  await tryIt.getByLabel('New tokens').fill('4');
  await tryIt.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('generation')).toHaveCount(2);
  for (const card of await page.getByTestId('generation').all()) {
    const { scrollWidth, clientWidth, height } = await card.evaluate((el) => ({ scrollWidth: el.scrollWidth, clientWidth: el.clientWidth, height: el.getBoundingClientRect().height }));
    expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
    expect(height).toBeLessThan(400);
  }
  await snap(page, testInfo, 'trained-on-gpt2');

  // Another model: the GPT-2 run is shown as such, never as the ViT's.
  await page.getByRole('button', { name: `Load ${VIT.title}` }).click();
  await expect(page.getByTestId('model-summary')).toContainText(VIT.name);
  await expect(run.getByTestId('run-trainable')).toHaveAttribute('data-count', gpt2Count!);
  await expect(exportRow.getByRole('button', { name: /Download the adapter/ })).toBeDisabled();
  await expect(exportRow.getByRole('button', { name: /Download the merged model/ })).toBeDisabled();
  await expect(exportRow.getByTestId('export-reason')).toContainText(`Trained on ${LM.name} (bundled): load that model to use this run.`);
  await expect(page.getByTestId('try-left-out')).toContainText('1 trained run not shown');
  await expect(page.getByTestId('compare-not-current')).toBeVisible();

  // Try it works for the ViT's base model, with every dropped image shown.
  await page.getByTestId('try-drop-files').setInputFiles([digit('3'), digit('7')]);
  const tried = page.getByTestId('tried-image');
  await expect(tried).toHaveCount(2);
  await expect(tried.nth(0).getByTestId('classification')).toHaveCount(1);
  await expect(tried.nth(1).getByTestId('classification')).toHaveCount(1);
  await expect(page.locator('#try .error')).toHaveCount(0);
  await expect(tried.nth(0).getByTestId('classification')).toContainText('Base model');
  await snap(page, testInfo, 'switched-to-vit');

  // Back on GPT-2, the run's saved adapter is given back: it can be exported again.
  await page.getByRole('button', { name: `Load ${LM.title}` }).click();
  await expect(page.getByTestId('model-summary')).toContainText(LM.name);
  await expect(exportRow.getByRole('button', { name: /Download the adapter/ })).toBeEnabled();
  const download = page.waitForEvent('download');
  await exportRow.getByRole('button', { name: /Download the adapter/ }).click();
  expect((await download).suggestedFilename()).toMatch(/adapter\.zip$/);

  // The records survive a reload (IndexedDB).
  await page.reload();
  await expect(page.getByTestId('export-run').getByTestId('run-origin')).toContainText(`Trained on ${LM.name} (bundled) · sotu.txt`);
  await expect(page.getByTestId('run').getByTestId('run-origin')).toContainText(`Trained on ${LM.name} (bundled)`);
  await expect(page.getByTestId('export-run').getByRole('button', { name: /Download the adapter/ })).toBeEnabled();
  await snap(page, testInfo, 'after-reload');
});
