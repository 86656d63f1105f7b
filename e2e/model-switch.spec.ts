import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type BrowserContext } from '@playwright/test';
import { formatBytes } from '../src/ui/format';
import { FIXTURES, bundledModel, openFreshApp, snap } from './helpers';

const VIT = bundledModel('image-classification');

/**
 * Answers https://huggingface.co/<repo>/resolve/<revision>/<file> from the ViT
 * fixture for test-org/tiny-vit (HEAD with the Hub's x-linked-size, GET with
 * the body), 404 for anything else, and records every request.
 */
async function fakeHub(context: BrowserContext): Promise<string[]> {
  const requested: string[] = [];
  await context.route('https://huggingface.co/**', async (route) => {
    const url = new URL(route.request().url());
    const method = route.request().method();
    requested.push(`${method} ${url.pathname}`);
    const match = url.pathname.match(/^\/test-org\/tiny-vit\/resolve\/main\/(.+)$/);
    let body: Buffer | null = null;
    try {
      body = match ? readFileSync(join(FIXTURES, 'vit', decodeURIComponent(match[1]))) : null;
    } catch {
      body = null;
    }
    const cors = { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'x-linked-size, content-length' };
    if (!body) return route.fulfill({ status: 404, contentType: 'application/json', body: '{"error":"Entry not found"}', headers: cors });
    const headers = { ...cors, 'content-length': String(body.byteLength), 'x-linked-size': String(body.byteLength) };
    if (method === 'HEAD') return route.fulfill({ status: 200, headers });
    return route.fulfill({ status: 200, contentType: 'application/octet-stream', body, headers });
  });
  return requested;
}

test('a failed Hub download leaves the working model, its data, chart titles and share link as they were', async ({ page, context }, testInfo) => {
  await fakeHub(context);
  await openFreshApp(page);
  // The backend starts with the page: the badge names it before any model is loaded (it said "starting…" until then).
  await expect(page.getByTestId('backend-badge')).toHaveText(/Backend: (WebGPU|WebGL|WASM|CPU)( · \d+ threads?)?$/);

  await page.getByRole('button', { name: `Load ${VIT.title}` }).click();
  await expect(page.getByTestId('model-summary')).toContainText(VIT.name);
  // Keyboard focus is on the loaded model, not lost to the page.
  await expect(page.locator('#model-summary-title')).toBeFocused();
  // The model card is rendered Markdown: a table, no raw "|" or "#" lines in a monospace box.
  const card = page.getByTestId('model-card');
  await expect(card.locator('table').first()).toBeVisible();
  await expect(card.locator('h4').first()).toHaveText(VIT.name);
  await expect(card).not.toContainText('| --- |');
  // A ViT has no sequence length to set.
  await expect(page.locator('#methods').getByLabel('Sequence length', { exact: true })).toHaveCount(0);

  await page.getByRole('button', { name: 'Use MNIST handwritten digits' }).click();
  await expect(page.getByTestId('dataset-summary')).toBeVisible();
  await page.locator('#methods').getByRole('button', { name: 'Add run' }).click();
  const validationTitle = page.getByTestId('chart-validation').locator('figcaption');
  await expect(validationTitle).toHaveText(/^Validation accuracy · MNIST handwritten digits/);
  const datasetBefore = await page.getByTestId('dataset-summary').textContent();
  const trainableBefore = await page.getByTestId('run-trainable').getAttribute('data-count');
  await snap(page, testInfo, 'working-model');

  const hub = page.locator('.hub-form');
  await hub.getByLabel('Repo id').fill('test-org/missing');
  await hub.getByRole('button', { name: 'Download' }).click();
  await expect(page.getByTestId('model-error')).toContainText('test-org/missing');
  await expect(page.getByTestId('model-kept')).toContainText(VIT.name);
  await expect(page.getByTestId('model-error')).toBeFocused();
  await expect(page.getByTestId('model-summary')).toContainText(VIT.name);
  await expect(page.getByRole('button', { name: `Load ${VIT.title}` })).toHaveText('Reload');
  await expect(validationTitle).toHaveText(/^Validation accuracy · MNIST handwritten digits/);
  expect(await page.getByTestId('dataset-summary').textContent()).toBe(datasetBefore);
  await expect(page.getByTestId('run-trainable')).toHaveAttribute('data-count', trainableBefore!);
  // Columns hidden behind a sideways scroll are announced.
  const table = page.locator('.table-scroll');
  const overflowing = await table.evaluate((el) => el.scrollWidth > el.clientWidth + 1);
  await expect(page.getByTestId('summary-scroll-hint')).toHaveCount(overflowing ? 1 : 0);
  await snap(page, testInfo, 'failed-download');

  await page.getByRole('button', { name: 'Copy share link' }).click();
  const hash = decodeURIComponent(new URL(page.url()).hash);
  expect(hash).toContain(`model=bundled:${VIT.name}`);
  expect(hash).not.toContain('missing');
});

test('a share link with a Hub model asks first, with the repo and its download size, and downloads only after yes', async ({ page, context }, testInfo) => {
  const requested = await fakeHub(context);
  await openFreshApp(page);
  await page.goto('/#model=hub:test-org/tiny-vit');
  await page.reload();
  const prompt = page.getByTestId('shared-model-prompt');
  await expect(prompt).toContainText('test-org/tiny-vit');
  const weights = readFileSync(join(FIXTURES, 'vit', 'model.safetensors')).byteLength;
  const config = readFileSync(join(FIXTURES, 'vit', 'config.json')).byteLength;
  await expect(page.getByTestId('shared-model-size')).toContainText(`Download size: ${formatBytes(weights + config)}.`);
  await expect(page.getByTestId('shared-model-size')).toContainText('config.json, model.safetensors');
  await expect(prompt).toBeFocused();
  await snap(page, testInfo, 'share-prompt');
  // Only sizes were asked for: nothing was downloaded.
  expect(requested.filter((r) => r.startsWith('GET'))).toEqual([]);
  await expect(page.getByTestId('model-summary')).toHaveCount(0);

  await prompt.getByRole('button', { name: 'Not now' }).click();
  await expect(prompt).toHaveCount(0);
  expect(requested.filter((r) => r.startsWith('GET'))).toEqual([]);

  await page.reload();
  await page.getByTestId('shared-model-prompt').getByRole('button', { name: 'Download and load' }).click();
  await expect(page.getByTestId('model-summary')).toContainText('test-org/tiny-vit');
  expect(requested).toContain('GET /test-org/tiny-vit/resolve/main/model.safetensors');
  await snap(page, testInfo, 'share-loaded');
});
