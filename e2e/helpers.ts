/**
 * Shared steps of the end-to-end tests: screenshots as artifacts, choosing
 * files, waiting for runs.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect, type Page, type TestInfo } from '@playwright/test';

/** The reference fixtures the project carries (a copy of ../shared/fixtures). */
export const FIXTURES = join(process.cwd(), 'tests', 'fixtures', 'reference');
export const PUBLIC = join(process.cwd(), 'public');

/** A full-page screenshot attached to the test's report and kept under test-results. */
export async function snap(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const path = testInfo.outputPath(`${String(testInfo.attachments.length + 1).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

/** Every file under a folder, as Playwright file payloads with their paths relative to the folder's parent. */
export function folderPayloads(dir: string): { name: string; mimeType: string; buffer: Buffer }[] {
  const out: { name: string; mimeType: string; buffer: Buffer }[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d)) {
      const full = join(d, entry);
      if (statSync(full).isDirectory()) walk(full);
      else out.push({ name: relative(join(dir, '..'), full), mimeType: 'application/octet-stream', buffer: readFileSync(full) });
    }
  };
  walk(dir);
  return out;
}

/** Opens the app with an empty IndexedDB and waits for the backend badge. */
export async function openFreshApp(page: Page): Promise<void> {
  await page.goto('/');
  await page.evaluate(() => new Promise<void>((resolve) => {
    const request = indexedDB.deleteDatabase('wegeft-playground');
    request.onsuccess = request.onerror = request.onblocked = () => resolve();
  }));
  await page.reload();
  await expect(page.getByRole('heading', { name: 'WeGeFT Playground' })).toBeVisible();
}

/**
 * Chooses WebGPU by name: with "auto" the app passes SwiftShader's software
 * adapter over for WASM, so tests about WebGPU itself ask for it.
 */
export async function chooseWebGpu(page: Page): Promise<void> {
  await page.getByLabel('Backend preference').selectOption('webgpu');
  await expect(page.getByTestId('backend-badge')).toHaveText(/Backend: WebGPU/, { timeout: 60_000 });
}

export function fileExists(path: string): boolean {
  return existsSync(path);
}

export interface BundledModelEntry {
  name: string;
  title: string;
  task: string;
}

/** The bundled model for a task, as public/models/index.json lists it. */
export function bundledModel(task: 'image-classification' | 'causal-lm'): BundledModelEntry & { dir: string } {
  const manifest = JSON.parse(readFileSync(join(PUBLIC, 'models', 'index.json'), 'utf8')) as { models: BundledModelEntry[] };
  const entry = manifest.models.find((m) => m.task === task);
  if (!entry) throw new Error(`public/models/index.json lists no ${task} model`);
  return { ...entry, dir: join(PUBLIC, 'models', entry.name) };
}

/**
 * A fresh app on WASM with a bundled model loaded and one of public/datasets
 * dropped, evaluating at most `evalAtMost` held-out examples: the set-up of
 * tests about what training shows (methods, analysis, sweeps), not about the
 * backend (SwiftShader's WebGPU would spend minutes per step).
 */
export async function openBundledOnWasm(page: Page, options: { task: 'image-classification' | 'causal-lm'; dataset: string; evalAtMost: number }): Promise<void> {
  const model = bundledModel(options.task);
  await openFreshApp(page);
  await page.getByLabel('Backend preference').selectOption('wasm');
  await expect(page.getByTestId('backend-badge')).toContainText('WASM', { timeout: 60_000 });
  await page.getByRole('button', { name: `Load ${model.title}` }).click();
  await expect(page.getByTestId('model-summary')).toContainText(model.name);
  await page.getByLabel('Evaluate on at most').fill(String(options.evalAtMost));
  await page.getByTestId('data-drop-files').setInputFiles(join(PUBLIC, 'datasets', options.dataset));
  await expect(page.getByTestId('dataset-summary')).toBeVisible();
}

/** The bundled ViT on the digits, evaluating at most 32 held-out images. */
export const openBundledVitOnDigits = (page: Page): Promise<void> => openBundledOnWasm(page, { task: 'image-classification', dataset: 'digits.zip', evalAtMost: 32 });
