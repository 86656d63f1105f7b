/**
 * The default browser of these tests has WebGPU on SwiftShader, a software
 * adapter (adapter.info.isFallbackAdapter): "auto" must not pick it.
 * (backend-fallback.spec.ts: a browser without WebGPU at all.)
 */
import { join } from 'node:path';
import { expect, test, type Page, type Worker } from '@playwright/test';
import { FIXTURES, chooseWebGpu, openFreshApp, snap } from './helpers';

const vitFiles = ['config.json', 'model.safetensors'].map((f) => join(FIXTURES, 'vit', f));

function engineWorker(page: Page): Worker {
  const worker = page.workers().find((w) => w.url().includes('engine.worker'));
  if (!worker) throw new Error(`no engine worker in the page (workers: ${page.workers().map((w) => w.url()).join(', ')})`);
  return worker;
}

/** Whether tfjs in the engine worker is on WebGPU (it has a device only then). */
async function workerOnWebGpu(page: Page): Promise<boolean> {
  return engineWorker(page).evaluate(() => (self as unknown as { __wegeftGpuDevice: () => unknown }).__wegeftGpuDevice() !== null);
}

test('on a software WebGPU adapter, auto uses WASM and says why; WebGPU chosen by name is used and marked software', async ({ page }, testInfo) => {
  await openFreshApp(page);
  const badge = page.getByTestId('backend-badge');
  const reason = page.getByTestId('backend-reason');
  // Cross-origin isolated (COOP/COEP from vite preview, as npm start): WASM runs its threaded build, a thread per core.
  await expect(badge).toHaveText(/^Backend: WASM · \d+ threads?$/, { timeout: 60_000 });
  const page_ = await page.evaluate(() => ({ isolated: crossOriginIsolated, cores: navigator.hardwareConcurrency }));
  expect(page_.isolated).toBe(true);
  expect(await engineWorker(page).evaluate(() => self.crossOriginIsolated)).toBe(true);
  const threads = Number(/· (\d+) thread/.exec((await badge.textContent()) ?? '')?.[1]);
  if (page_.cores > 1) expect(threads).toBeGreaterThan(1);
  expect(threads).toBeLessThanOrEqual(page_.cores);
  // The fast path, not a warning.
  await expect(badge).toHaveClass(/\bok\b/);
  // WebGL is SwiftShader too here (ANGLE on SwiftShader's Vulkan), so it is passed over as well.
  await expect(reason).toHaveText(
    'WASM — WebGPU here is a software adapter (SwiftShader), and WebGL a software renderer (SwiftShader), 30–60× slower; choose WebGPU to use it anyway.',
  );
  await page.getByTestId('model-drop-files').setInputFiles(vitFiles);
  await expect(page.getByTestId('model-summary')).toBeVisible();
  expect(await workerOnWebGpu(page)).toBe(false);
  await snap(page, testInfo, 'auto-on-wasm');

  await chooseWebGpu(page);
  await expect(badge).toHaveText('⚠ Backend: WebGPU (software: SwiftShader)');
  await expect(badge).toHaveClass(/\bwarn\b/);
  await expect(reason).toContainText('software adapter (SwiftShader), 30–60× slower than WASM: WebGPU was chosen');
  // The model is loaded again on the chosen backend.
  await expect(page.getByTestId('model-summary')).toContainText('ViT');
  expect(await workerOnWebGpu(page)).toBe(true);
  await snap(page, testInfo, 'webgpu-by-name');

  // Back to auto: WASM again.
  await page.getByLabel('Backend preference').selectOption('auto');
  await expect(badge).toHaveText(/^Backend: WASM · \d+ threads?$/, { timeout: 60_000 });
});
