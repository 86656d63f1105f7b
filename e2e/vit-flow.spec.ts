import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Locator, type Page, type TestInfo } from '@playwright/test';
import { unzipSync } from 'fflate';
import * as tf from '@tensorflow/tfjs';
import { loadAdapter } from '../src/engine/adapters/registry';
import { DirectorySource } from '../src/engine/io/node-source';
import { loadModel } from '../src/engine/models/load';
import { PUBLIC, bundledModel, openFreshApp, snap } from './helpers';

const VIT = bundledModel('image-classification');

test('bundled ViT: drop the digits, train WeGeFT and LoRA side by side, compare, try, export', async ({ page }, testInfo) => {
  await openFreshApp(page);
  await page.getByRole('button', { name: `Load ${VIT.title}` }).click();
  await expect(page.getByTestId('model-summary')).toContainText(VIT.name);
  await snap(page, testInfo, 'model');

  // Few held-out examples: evaluation on SwiftShader is slow.
  await page.getByLabel('Evaluate on at most').fill('32');
  await page.getByTestId('data-drop-files').setInputFiles(join(PUBLIC, 'datasets', 'digits.zip'));
  const dataset = page.getByTestId('dataset-summary');
  await expect(dataset).toBeVisible();
  await expect(page.getByTestId('dataset-split')).toHaveText('2,400 / 600');
  await snap(page, testInfo, 'dataset');

  const methods = page.locator('#methods');
  await methods.getByLabel('Steps', { exact: true }).fill('4');
  await methods.getByLabel('Batch size', { exact: true }).fill('4');
  await methods.getByLabel('Rank r', { exact: true }).fill('4');
  await methods.getByRole('button', { name: 'Add WeGeFT + LoRA pair' }).click();
  const runs = page.getByTestId('run');
  await expect(runs).toHaveCount(2);
  await expect(runs.nth(0).getByTestId('run-trainable')).toHaveAttribute('data-count', /\d+/);
  await expect(runs.nth(1).getByTestId('run-trainable')).toHaveAttribute('data-count', /\d+/);
  await snap(page, testInfo, 'runs-added');

  await page.getByRole('button', { name: 'Start all' }).click();
  await expect(runs.nth(0)).toHaveAttribute('data-status', 'finished', { timeout: 240_000 });
  await expect(runs.nth(1)).toHaveAttribute('data-status', 'finished', { timeout: 240_000 });
  await snap(page, testInfo, 'runs-finished');

  await expect(page.getByTestId('chart-loss-step').locator('path.recharts-curve.recharts-line-curve')).toHaveCount(2);
  const bars = page.getByTestId('chart-params').locator('.recharts-bar-rectangle path');
  await expect(bars).toHaveCount(2);
  const heights = await bars.evaluateAll((paths) => paths.map((p) => (p as SVGGraphicsElement).getBBox().height));
  const [wegeftCount, loraCount] = await Promise.all([0, 1].map((i) => runs.nth(i).getByTestId('run-trainable').getAttribute('data-count')));
  expect(Number(wegeftCount)).toBeLessThan(Number(loraCount));
  expect(heights[0]).toBeLessThan(heights[1]);
  await page.locator('#compare').scrollIntoViewIfNeeded();
  await snap(page, testInfo, 'compare');

  await page.getByTestId('try-drop-files').setInputFiles(join(PUBLIC, 'datasets', 'digits', 'val', '7', readdirFirst('7')));
  await expect(page.getByTestId('classification')).toHaveCount(3);
  await snap(page, testInfo, 'try-it');

  // A whole labelled folder (the held-out digits, one subfolder per class): each run's accuracy on all of it; the
  // bundled ViT's own head has other classes, which the base model's row says.
  await page.getByTestId('try-folder-drop-folder').setInputFiles(join(PUBLIC, 'datasets', 'digits', 'val'));
  const folderScores = page.getByTestId('folder-scores');
  await expect(folderScores.getByTestId('folder-score')).toHaveCount(3, { timeout: 120_000 });
  await expect(folderScores).toContainText('600 images of 10 labels');
  await expect(folderScores.getByTestId('folder-score').first()).toContainText("none of the folder's labels");
  // Each run scored all 600 (the runs' heads are the digits), its accuracy the share it got right.
  const rows = folderScores.getByTestId('folder-score');
  for (const i of [1, 2]) {
    const accuracy = Number.parseFloat((await rows.nth(i).getByTestId('folder-accuracy').textContent()) ?? '');
    const [right, scored] = ((await rows.nth(i).locator('td').nth(1).textContent()) ?? '').split('/').map((t) => Number(t.trim().replace(/,/g, '')));
    expect(scored).toBe(600);
    expect(right).toBeGreaterThan(0);
    expect(accuracy).toBeCloseTo((100 * right) / scored, 1);
  }
  await folderScores.scrollIntoViewIfNeeded();
  await snap(page, testInfo, 'try-it-folder');

  const downloadPromise = page.waitForEvent('download');
  await page.getByRole('button', { name: /Download the adapter of WeGeFT/ }).click();
  const download = await downloadPromise;
  expect(download.suggestedFilename()).toMatch(/adapter\.zip$/);
  const zipPath = testInfo.outputPath(download.suggestedFilename());
  await download.saveAs(zipPath);
  const files = unzipSync(readFileSync(zipPath));
  // With the label mapping where transformers reads it, and the loading code.
  expect(Object.keys(files).sort()).toEqual(['README.md', 'adapter_config.json', 'adapter_model.safetensors', 'config.json']);
  expect(JSON.parse(new TextDecoder().decode(files['config.json'])).id2label['7']).toBe('7');

  // The merged model is a plain checkpoint, and the report comes as JSON, CSV and PNG.
  const merged = await downloadOf(page, page.getByRole('button', { name: /Download the merged model of LoRA/ }), testInfo);
  expect(Object.keys(unzipSync(merged)).sort()).toEqual(['config.json', 'model.safetensors', 'preprocessor_config.json']);
  // Continue in PyTorch: the export, run.json, the Python from python/ and the dropped digits.zip.
  await expect(page.getByTestId('bundle-explanation')).toContainText('Continue in PyTorch');
  const bundle = unzipSync(await downloadOf(page, page.getByRole('button', { name: /Continue-in-PyTorch bundle of WeGeFT/ }), testInfo));
  expect(Object.keys(bundle).sort()).toEqual([
    'README.md', 'accelerate_config.yaml', 'adapter/README.md', 'adapter/adapter_config.json', 'adapter/adapter_model.safetensors',
    'adapter/config.json', 'data/train/digits.zip', 'requirements.txt', 'run.json', 'train.py', 'wegeft.py',
  ]);
  expect(new TextDecoder().decode(bundle['train.py'])).toBe(readFileSync(join(PUBLIC, '..', 'python', 'train.py'), 'utf8'));
  expect(JSON.parse(new TextDecoder().decode(bundle['run.json']))).toMatchObject({ method: { name: 'wegeft' }, training: { steps: 4, batchSize: 4 }, base: { nameOrPath: VIT.name } });
  const report = JSON.parse((await downloadOf(page, page.getByRole('button', { name: 'Report (JSON)' }), testInfo)).toString());
  expect(report.runs.map((r: { settings: { method: { method: string } } }) => r.settings.method.method)).toEqual(['wegeft', 'lora']);
  const csv = (await downloadOf(page, page.getByRole('button', { name: 'Metrics (CSV)' }), testInfo)).toString().trim().split('\r\n');
  expect(csv[0]).toMatch(/^run,method,step,/);
  expect(csv.length).toBeGreaterThanOrEqual(1 + 2 * 4);
  const png = await downloadOf(page, page.getByRole('button', { name: 'Charts (PNG)' }), testInfo);
  expect(png.subarray(1, 4).toString()).toBe('PNG');

  // The engine loads the downloaded adapter back onto the same model.
  await tf.setBackend('cpu');
  const model = await loadModel(new DirectorySource(VIT.dir));
  const adapter = loadAdapter(model, { config: JSON.parse(new TextDecoder().decode(files['adapter_config.json'])), weights: files['adapter_model.safetensors'] });
  expect(adapter.method).toBe('wegeft');
  expect(adapter.settings.labels).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  adapter.dispose();
  model.dispose();

  // After a reload the finished runs keep their trained adapters: Try it still compares all three.
  await page.reload();
  await expect(runs.nth(1)).toHaveAttribute('data-status', 'finished');
  await expect(page.getByTestId('model-summary')).toBeVisible();
  await expect(page.getByTestId('dataset-summary')).toBeVisible();
  await page.getByTestId('try-drop-files').setInputFiles(join(PUBLIC, 'datasets', 'digits', 'val', '3', readdirFirst('3')));
  await expect(page.getByTestId('classification')).toHaveCount(3);
  await expect(page.getByTestId('classification').locator('.error')).toHaveCount(0);
  await snap(page, testInfo, 'after-reload');
});

async function downloadOf(page: Page, button: Locator, testInfo: TestInfo): Promise<Buffer> {
  const download = page.waitForEvent('download');
  await button.click();
  const file = testInfo.outputPath((await download).suggestedFilename());
  await (await download).saveAs(file);
  return readFileSync(file);
}

function readdirFirst(label: string): string {
  return readdirSync(join(PUBLIC, 'datasets', 'digits', 'val', label))[0];
}
