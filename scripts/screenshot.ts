/**
 * Makes the README's screenshot of a comparison: the bundled ViT fine-tuned
 * on the digits with WeGeFT and LoRA, side by side. Not a test; run it
 * against a served build (`npm start` in another terminal):
 *
 *   npx tsx e2e/readme-screenshot.ts [out.png] [steps]
 */
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import config from '../playwright.config';

const out = process.argv[2] ?? join('docs', 'images', 'playground-compare.png');
const steps = process.argv[3] ?? '40';

async function main(): Promise<void> {
  const browser = await chromium.launch(config.use?.launchOptions);
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  await page.goto('http://localhost:5173/');
  await page.evaluate(() => indexedDB.deleteDatabase('wegeft-playground'));
  await page.reload();
  await page.getByRole('button', { name: /^Load Tiny ViT/ }).click();
  await page.getByTestId('model-summary').waitFor();
  await page.getByLabel('Evaluate on at most').fill('64');
  await page.getByTestId('data-drop-files').setInputFiles(join('public', 'datasets', 'digits.zip'));
  await page.getByTestId('dataset-summary').waitFor();
  const methods = page.locator('#methods');
  await methods.getByLabel('Steps', { exact: true }).fill(steps);
  await methods.getByLabel('Batch size', { exact: true }).fill('16');
  await methods.getByLabel('Evaluate every', { exact: true }).fill(String(Math.max(1, Math.round(Number(steps) / 4))));
  await methods.getByRole('button', { name: 'Add WeGeFT + LoRA pair' }).click();
  await page.getByRole('button', { name: 'Start all' }).click();
  const runs = page.getByTestId('run');
  for (const i of [0, 1]) await runs.nth(i).and(page.locator('[data-status="finished"]')).waitFor({ timeout: 1_800_000 });
  await page.mouse.move(0, 0);
  await page.locator('#compare').screenshot({ path: out });
  console.log(`wrote ${out}`);
  await browser.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
