import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { FIXTURES, openFreshApp, snap } from './helpers';
import { chromiumExecutablePath } from '../scripts/lib/chromium';

// The same Chromium without WebGPU: the app must say so, say why, and still work.
test.use({
  launchOptions: {
    executablePath: chromiumExecutablePath(),
    args: ['--no-sandbox', '--headless=new', '--disable-features=WebGPU', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  },
});

test('without WebGPU the badge warns, gives the reason, and a model still loads on the fallback backend', async ({ page }, testInfo) => {
  await openFreshApp(page);
  await page.getByTestId('model-drop-files').setInputFiles(['config.json', 'model.safetensors'].map((f) => join(FIXTURES, 'vit', f)));
  await expect(page.getByTestId('model-summary')).toBeVisible();
  const badge = page.getByTestId('backend-badge');
  await expect(badge).not.toHaveText(/WebGPU/);
  await expect(badge).toHaveText(/WebGL|WASM|CPU/);
  await expect(page.getByTestId('backend-reason')).toContainText('WebGPU');
  await snap(page, testInfo, 'fallback');
});
