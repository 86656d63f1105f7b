import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { PUBLIC, bundledModel, openFreshApp, snap } from './helpers';

const LM = bundledModel('causal-lm');

test('bundled language model: drop a text file, train WeGeFT and LoRA, compare, generate side by side', async ({ page }, testInfo) => {
  await openFreshApp(page);
  await page.getByRole('button', { name: `Load ${LM.title}` }).click();
  await expect(page.getByTestId('model-summary')).toContainText('GPT-2');
  await expect(page.getByTestId('model-summary')).toContainText(LM.name);
  await snap(page, testInfo, 'model');

  // Few held-out examples: evaluation on SwiftShader is slow.
  await page.getByLabel('Evaluate on at most').fill('32');
  await page.getByTestId('data-drop-files').setInputFiles([join(PUBLIC, 'datasets', 'sotu.txt'), join(PUBLIC, 'datasets', 'sotu.val.txt')]);
  await expect(page.getByTestId('dataset-summary')).toBeVisible();
  // sotu.txt holds 65 addresses separated by blank lines, sotu.val.txt 13: counted as documents, as evaluation splits them.
  await expect(page.getByTestId('dataset-split')).toHaveText('65 / 13');
  await snap(page, testInfo, 'dataset');

  const methods = page.locator('#methods');
  await methods.getByLabel('Steps', { exact: true }).fill('4');
  await methods.getByLabel('Batch size', { exact: true }).fill('4');
  await methods.getByLabel('Sequence length', { exact: true }).fill('32');
  await methods.getByLabel('Rank r', { exact: true }).fill('4');
  await methods.getByRole('button', { name: 'Add WeGeFT + LoRA pair' }).click();
  const runs = page.getByTestId('run');
  await expect(runs).toHaveCount(2);
  await page.getByRole('button', { name: 'Start all' }).click();
  await expect(runs.nth(0)).toHaveAttribute('data-status', 'finished', { timeout: 240_000 });
  await expect(runs.nth(1)).toHaveAttribute('data-status', 'finished', { timeout: 240_000 });
  await expect(page.getByTestId('chart-loss-step').locator('path.recharts-curve.recharts-line-curve')).toHaveCount(2);
  await expect(page.getByTestId('chart-validation').locator('.recharts-line')).toHaveCount(2);
  await snap(page, testInfo, 'compare');

  const tryIt = page.locator('#try');
  await tryIt.getByLabel('Prompt').fill('Mr. Speaker, ');
  await tryIt.getByLabel('New tokens').fill('12');
  await tryIt.getByRole('button', { name: 'Generate' }).click();
  const generations = page.getByTestId('generation');
  // The cards come at once and fill as tokens stream in; the texts are final once the panel says done.
  await expect(generations).toHaveCount(3);
  await expect(page.getByTestId('generations')).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  await expect(generations.nth(0)).toContainText('Base model');
  // Every column continues the prompt with words.
  const texts = await generations.locator('strong').allTextContents();
  expect(texts).toHaveLength(3);
  for (const text of texts) expect(text).toMatch(/\w/);
  await snap(page, testInfo, 'generation');

  // A long generation streams into the base model's card, and Stop ends it between two tokens: the last run never starts.
  await tryIt.getByLabel('New tokens').fill('256');
  await tryIt.getByRole('button', { name: 'Generate' }).click();
  await expect(generations.nth(0).locator('strong')).toHaveText(/\w/);
  await tryIt.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByTestId('generations')).toHaveAttribute('data-state', 'done', { timeout: 30_000 });
  await expect(generations.nth(2)).toContainText('Stopped before it started.');
});
