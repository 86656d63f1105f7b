/**
 * A soak: the bundled ViT trained for many steps in Chromium on WebGPU, with
 * tf.memory().numTensors and the WebGPU buffer count (in use + pooled) after
 * each step flat from the end of the warm-up to the last step. Tiny batch to
 * keep it cheap: SOAK_STEPS steps (default 60, about 90 s on SwiftShader; the 1,000-step soak is
 * `SOAK_STEPS=1000 npx playwright test e2e/soak.spec.ts`).
 */
import { expect, test } from '@playwright/test';
import { chooseWebGpu, openFreshApp, snap } from './helpers';

const STEPS = Number(process.env.SOAK_STEPS ?? 60);
/** Steps before the memory must stop changing: the first steps create AdamW's moments and compile kernels. */
const WARMUP = Math.min(20, Math.floor(STEPS / 4));

test(`soak: ${STEPS} steps on the bundled ViT, tensors and WebGPU buffers flat after warm-up`, async ({ page }, testInfo) => {
  test.setTimeout(Math.max(300_000, STEPS * 5_000));
  await openFreshApp(page);
  await chooseWebGpu(page);
  await page.locator('#model').getByRole('button', { name: 'Load' }).nth(1).click();
  await expect(page.getByTestId('model-summary')).toContainText(/vit/i);
  await page.locator('#data').getByRole('button', { name: 'Use' }).first().click();
  await expect(page.getByTestId('dataset-summary')).toBeVisible({ timeout: 120_000 });
  const methods = page.locator('#methods');
  await methods.getByLabel('Steps', { exact: true }).fill(String(STEPS));
  await methods.getByLabel('Batch size', { exact: true }).fill('1');
  await methods.getByLabel('Evaluate every', { exact: true }).fill('0');
  await methods.getByRole('button', { name: 'Add run', exact: true }).click();
  const run = page.getByTestId('run').first();
  const started = Date.now();
  await run.getByRole('button', { name: /^Start / }).click();
  // The last step, not the final evaluation after it (slow on SwiftShader, and not what is measured).
  await expect(run.getByTestId('run-step')).toHaveText(new RegExp(`^step ${STEPS} / ${STEPS}`), { timeout: STEPS * 4_500 });
  const seconds = (Date.now() - started) / 1000;
  await snap(page, testInfo, 'soak-last-step');
  // The store's snapshot is written about once a second.
  await page.waitForTimeout(2500);
  const points = await page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('wegeft-playground');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const snapshot = await new Promise<{ metrics: Record<string, { step: number; numTensors: number; gpuBuffers?: number; validation: unknown }[]> }>(
      (resolve, reject) => {
        const request = db.transaction('snapshots').objectStore('snapshots').get('current');
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      },
    );
    db.close();
    return Object.values(snapshot.metrics)[0].filter((p) => !p.validation);
  });
  expect(points.map((p) => p.step)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
  const at = (step: number) => points[step - 1];
  const afterWarmup = points.slice(WARMUP - 1);
  const tensors = afterWarmup.map((p) => p.numTensors);
  const buffers = afterWarmup.map((p) => p.gpuBuffers ?? NaN);
  const report = {
    steps: STEPS,
    seconds: Math.round(seconds),
    warmupStep: WARMUP,
    numTensors: { warmup: at(WARMUP).numTensors, end: at(STEPS).numTensors, min: Math.min(...tensors), max: Math.max(...tensors) },
    gpuBuffers: { warmup: at(WARMUP).gpuBuffers, end: at(STEPS).gpuBuffers, min: Math.min(...buffers), max: Math.max(...buffers) },
  };
  console.log(`SOAK ${JSON.stringify(report)}`);
  await testInfo.attach('soak.json', { body: JSON.stringify(report, null, 2), contentType: 'application/json' });
  expect(Number.isFinite(report.gpuBuffers.max), 'the WebGPU backend reported its buffer count').toBe(true);
  expect(report.numTensors.max).toBe(report.numTensors.warmup);
  expect(report.numTensors.min).toBe(report.numTensors.warmup);
  // A leak grows the pool step after step: it raises the floor. The pool's count moves a little from step to
  // step (442–446 over 60 steps here): a checkpoint (every 10 s) reads back the trainable weights and AdamW's
  // moments, each through a staging buffer held for a moment, and the pool keeps a few sizes around. So the
  // floor over the last steps must be back at the warm-up's count, and no step may rise more than one buffer
  // per read-back tensor above it.
  const lastSteps = buffers.slice(-10);
  expect(Math.min(...lastSteps), `WebGPU buffers over the last steps: ${lastSteps.join(', ')}`).toBeLessThanOrEqual(report.gpuBuffers.warmup ?? NaN);
  expect(report.gpuBuffers.max).toBeLessThanOrEqual((report.gpuBuffers.warmup ?? NaN) + 16);
});
