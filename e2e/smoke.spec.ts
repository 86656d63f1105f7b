import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { FIXTURES, openFreshApp, snap } from './helpers';

test('the app opens on its fastest backend and loads a checkpoint dropped as files', async ({ page }, testInfo) => {
  await openFreshApp(page);
  await snap(page, testInfo, 'opened');
  const files = ['config.json', 'model.safetensors'].map((f) => join(FIXTURES, 'vit', f));
  await page.getByTestId('model-drop-files').setInputFiles(files);
  const summary = page.getByTestId('model-summary');
  await expect(summary).toBeVisible();
  // WASM: this machine's WebGPU is SwiftShader, which "auto" passes over (backend-fallback.spec.ts).
  await expect(page.getByTestId('backend-badge')).toHaveText(/^Backend: WASM · \d+ threads?$/);
  await expect(summary).toContainText('ViT');
  await expect(summary).toContainText('Layers');
  await snap(page, testInfo, 'model-loaded');

  // Light and dark themes, switched from the keyboard; the choice survives a reload.
  const toggle = page.getByRole('button', { name: 'Switch to dark theme' });
  await toggle.focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await snap(page, testInfo, 'dark-theme');
  await page.waitForTimeout(1500); // the store is saved at most once a second
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
});

test('a narrow laptop window stacks the panels in one column', async ({ page }, testInfo) => {
  await page.setViewportSize({ width: 1024, height: 768 });
  await openFreshApp(page);
  const model = await page.locator('#model').boundingBox();
  const runs = await page.locator('#runs').boundingBox();
  expect(runs!.y).toBeGreaterThan(model!.y + model!.height - 1);
  expect(model!.width).toBeGreaterThan(900);
  await snap(page, testInfo, 'narrow');
});

test('a file that is not a checkpoint gives a message naming it, and the app keeps working', async ({ page }, testInfo) => {
  await openFreshApp(page);
  await page.getByTestId('model-drop-files').setInputFiles({ name: 'config.json', mimeType: 'application/json', buffer: Buffer.from('{ not json') });
  await expect(page.getByTestId('model-error')).toContainText('config.json');
  await snap(page, testInfo, 'broken-model');
  await page.getByTestId('model-drop-files').setInputFiles(['config.json', 'model.safetensors'].map((f) => join(FIXTURES, 'vit', f)));
  await expect(page.getByTestId('model-summary')).toBeVisible();
});
