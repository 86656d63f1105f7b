/**
 * An adapter made outside the app (here by the train CLI's `--out`, the same
 * PEFT files Python reads and writes) dropped onto the bundled ViT: it is a
 * finished run, evaluated on the loaded digits, answers differently from the
 * base model in Try it, sits in Compare's summary, and trains further.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { expect, test } from '@playwright/test';
import { PUBLIC, bundledModel, openFreshApp, snap } from './helpers';

const VIT = bundledModel('image-classification');

test('import a PEFT LoRA folder onto the bundled ViT: a run in Try it and Compare, trained further', async ({ page }, testInfo) => {
  const work = mkdtempSync(join(tmpdir(), 'import-adapter-'));
  const adapter = join(work, 'lora_adapter');
  execFileSync('npm', ['run', '-s', 'train', '--', '--model', VIT.dir, '--data', join(PUBLIC, 'datasets', 'digits'), '--method', 'lora', '--rank', '4', '--steps', '2', '--backend', 'wasm', '--out', adapter], { stdio: 'ignore' });
  const notAdapter = join(work, 'notes.zip');
  writeFileSync(notAdapter, zipSync({ 'notes/README.md': new TextEncoder().encode('# no adapter here') }));

  await openFreshApp(page);
  // Before a model is loaded the drop zone says why it is disabled.
  await expect(page.getByTestId('adapter-import-blocked')).toContainText('Load a model first');
  await expect(page.getByTestId('adapter-import').getByRole('button', { name: 'Choose a folder…' })).toBeDisabled();

  await page.getByRole('button', { name: `Load ${VIT.title}` }).click();
  await expect(page.getByTestId('model-summary')).toContainText(VIT.name);
  await page.getByLabel('Evaluate on at most').fill('32');
  await page.getByTestId('data-drop-files').setInputFiles(join(PUBLIC, 'datasets', 'digits.zip'));
  await expect(page.getByTestId('dataset-split')).toHaveText('2,400 / 600');
  const methods = page.locator('#methods');
  await methods.getByLabel('Steps', { exact: true }).fill('3');
  await methods.getByLabel('Batch size', { exact: true }).fill('4');

  // A zip without an adapter: a notice naming it, no run.
  await page.getByTestId('adapter-import-files').setInputFiles(notAdapter);
  await expect(page.locator('.notice.error')).toContainText('notes.zip: is not an adapter: no adapter_config.json in it');
  await expect(page.getByTestId('run')).toHaveCount(0);

  await page.getByTestId('adapter-import-folder').setInputFiles(adapter);
  const run = page.getByTestId('run').first();
  await expect(run).toHaveAttribute('data-status', 'finished');
  await expect(run.locator('.run-name')).toHaveText('lora_adapter (imported)');
  await expect(run.getByTestId('run-imported')).toContainText('peft_type LORA');
  await expect(run.getByTestId('run-imported')).toContainText('evaluated on the loaded dataset');
  await expect(run.getByTestId('run-eval')).toContainText('accuracy');
  await expect(run.locator('summary')).toContainText('LoRA r4');
  await expect(run.getByRole('button', { name: /^(Start|Restart)/ })).toHaveCount(0);
  await snap(page, testInfo, 'imported-run');

  // Try it: the base model and the imported run answer the same digit differently.
  const digit = readdirSync(join(PUBLIC, 'datasets', 'digits', 'val', '7'))[0];
  await page.getByTestId('try-drop-files').setInputFiles(join(PUBLIC, 'datasets', 'digits', 'val', '7', digit));
  const outputs = page.getByTestId('classification');
  await expect(outputs).toHaveCount(2);
  await expect(outputs.nth(1)).toContainText('lora_adapter (imported)');
  await expect(outputs.locator('.error')).toHaveCount(0);
  const [base, imported] = await Promise.all([0, 1].map((i) => outputs.nth(i).locator('ol').innerText()));
  expect(imported).not.toBe(base);
  await page.locator('#try').scrollIntoViewIfNeeded();
  await snap(page, testInfo, 'try-it');

  // Compare: the imported run is in the summary, marked so, with its validation.
  const row = page.getByTestId('summary-table').locator('tr', { hasText: 'lora_adapter (imported)' });
  await expect(row).toContainText('imported');
  await expect(row).toContainText('accuracy');

  // Insight: what the imported LoRA changed, module by module (the train CLI's default ViT target: attention.output.dense).
  const insight = page.locator('#insight');
  await insight.getByTestId('analyse-updates').click();
  await expect(insight.getByTestId('anatomy-map')).toHaveCount(1, { timeout: 60_000 });
  await expect(insight.getByTestId('alignment-table').locator('tbody tr')).toHaveCount(1);
  await expect(insight.getByTestId('alignment-table')).toContainText('lora_adapter (imported)');

  // Train further: a new run of the same settings from the imported weights.
  await run.getByTestId('run-train-further').click();
  const further = page.getByTestId('run').nth(1);
  await expect(further.locator('.run-name')).toHaveText('lora_adapter (imported) trained further');
  await expect(further.getByTestId('run-starts-from')).toContainText('lora_adapter (imported)');
  await expect(further).toHaveAttribute('data-status', 'finished', { timeout: 240_000 });
  await expect(further.getByTestId('run-eval')).toContainText('accuracy');
  await page.locator('#compare').scrollIntoViewIfNeeded();
  await snap(page, testInfo, 'trained-further');

  // After a reload the imported run is kept like a trained one: Try it still has it, with its own answer.
  await page.reload();
  await expect(page.getByTestId('model-summary')).toBeVisible();
  await expect(page.getByTestId('run').first().locator('.run-name')).toHaveText('lora_adapter (imported)');
  await expect(page.getByTestId('run').first().getByTestId('run-train-further')).toBeEnabled();
  await page.getByTestId('try-drop-files').setInputFiles(join(PUBLIC, 'datasets', 'digits', 'val', '7', digit));
  await expect(outputs).toHaveCount(3);
  await expect(outputs.locator('.error')).toHaveCount(0);
  expect(await outputs.nth(1).locator('ol').innerText()).toBe(imported);
});
