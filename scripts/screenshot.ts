/**
 * npm run screenshot [-- --out <file.png>] [--steps N] [--url URL]
 *
 * Makes the README's screenshot of a comparison: the bundled ViT fine-tuned
 * on the digits with WeGeFT and LoRA, side by side, in headless Chromium
 * (the end-to-end tests' browser and flags). Not a test. It drives a served
 * build, so start the app first (`npm start` in another terminal).
 */
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS, chromiumExecutablePath } from './lib/chromium';
import { numberOption, parseCommandLine, runCli, UsageError } from './lib/cli';

const DEFAULT_URL = 'http://localhost:5173/';

const USAGE = `usage: npm run screenshot [-- --out <file.png>] [--steps N] [--url URL]

Trains the bundled Tiny ViT on the MNIST digits with WeGeFT and LoRA in the
app, in headless Chromium, and saves the Compare panel (the README's picture).
Start the app first: npm start (in another terminal).

  --out <file>   where to save it (default docs/images/playground-compare.png)
  --steps <n>    training steps of each run (default 40; minutes on SwiftShader)
  --url <url>    the served app (default ${DEFAULT_URL})
`;

async function main(argv: string[]): Promise<number> {
  const { values } = parseCommandLine(argv, { out: { type: 'string' }, steps: { type: 'string' }, url: { type: 'string' } });
  const out = values.out ?? join('docs', 'images', 'playground-compare.png');
  const steps = numberOption('--steps', values.steps, { integer: true, min: 1 }) ?? 40;
  const url = values.url ?? DEFAULT_URL;
  await assertServed(url);

  const browser = await chromium.launch({ executablePath: chromiumExecutablePath(), args: [...CHROMIUM_ARGS] });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    await page.goto(url);
    await page.evaluate(() => indexedDB.deleteDatabase('wegeft-playground'));
    await page.reload();
    await page.getByRole('button', { name: /^Load Tiny ViT/ }).click();
    await page.getByTestId('model-summary').waitFor();
    await page.getByLabel('Evaluate on at most').fill('64');
    await page.getByTestId('data-drop-files').setInputFiles(join('public', 'datasets', 'digits.zip'));
    await page.getByTestId('dataset-summary').waitFor();
    const methods = page.locator('#methods');
    await methods.getByLabel('Steps', { exact: true }).fill(String(steps));
    await methods.getByLabel('Batch size', { exact: true }).fill('16');
    await methods.getByLabel('Evaluate every', { exact: true }).fill(String(Math.max(1, Math.round(steps / 4))));
    await methods.getByRole('button', { name: 'Add WeGeFT + LoRA pair' }).click();
    await page.getByRole('button', { name: 'Start all' }).click();
    const runs = page.getByTestId('run');
    for (const i of [0, 1]) await runs.nth(i).and(page.locator('[data-status="finished"]')).waitFor({ timeout: 1_800_000 });
    await page.mouse.move(0, 0);
    await page.locator('#compare').screenshot({ path: out });
  } finally {
    await browser.close();
  }
  console.log(`wrote ${out}`);
  return 0;
}

/** A clear message, instead of Playwright's net::ERR_CONNECTION_REFUSED, when nothing serves the app. */
async function assertServed(url: string): Promise<void> {
  try {
    await fetch(url);
  } catch {
    throw new UsageError(`nothing answers at ${url}: start the app first (npm start, in another terminal), or give --url`);
  }
}

runCli({ name: 'screenshot', usage: USAGE }, main);
