import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { FIXTURES, openFreshApp, snap } from './helpers';

/**
 * The Hub is not reachable from the test machines: its URLs are answered from
 * a fixture, exactly as https://huggingface.co/<repo>/resolve/<revision>/<file>
 * would be, and every request is counted.
 */
test('a model from a Hub repo id downloads once: the second load comes from the browser cache; a bad id is named', async ({ page, context }, testInfo) => {
  const requested: string[] = [];
  await context.route('https://huggingface.co/**', async (route) => {
    const url = new URL(route.request().url());
    requested.push(`${route.request().method()} ${url.pathname}`);
    const match = url.pathname.match(/^\/test-org\/tiny-vit\/resolve\/main\/(.+)$/);
    const file = match ? join(FIXTURES, 'vit', decodeURIComponent(match[1])) : null;
    let body: Buffer | null = null;
    try {
      body = file ? readFileSync(file) : null;
    } catch {
      body = null;
    }
    if (!body) return route.fulfill({ status: 404, contentType: 'application/json', body: '{"error":"Entry not found"}' });
    await route.fulfill({ status: 200, contentType: 'application/octet-stream', body, headers: { 'content-length': String(body.byteLength), 'access-control-allow-origin': '*' } });
  });
  await openFreshApp(page);
  const hub = page.locator('.hub-form');
  await hub.getByLabel('Repo id').fill('test-org/tiny-vit');
  await hub.getByRole('button', { name: 'Download' }).click();
  await expect(page.getByTestId('model-summary')).toContainText('test-org/tiny-vit');
  await snap(page, testInfo, 'hub-model');
  const firstLoad = requested.filter((r) => r.startsWith('GET')).length;
  expect(requested).toContain('GET /test-org/tiny-vit/resolve/main/model.safetensors');

  requested.length = 0;
  await hub.getByRole('button', { name: 'Download' }).click();
  await expect(page.getByTestId('model-summary')).toContainText('test-org/tiny-vit');
  expect(firstLoad).toBeGreaterThan(0);
  expect(requested.filter((r) => r.includes('model.safetensors'))).toEqual([]);

  await hub.getByLabel('Repo id').fill('not a repo!');
  await hub.getByRole('button', { name: 'Download' }).click();
  await expect(page.getByTestId('model-error')).toContainText('not a repo!');
});
