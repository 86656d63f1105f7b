/**
 * Insight on the bundled ViT: WeGeFT and LoRA trained side by side on the
 * attention output projection (the module the authors draw), then the update
 * anatomy shows every targeted module of both runs, and a dropped digit gets
 * the paper's cluster maps for both: maps that differ between directions and
 * between before and after the update, saved as one PNG.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { PUBLIC, openBundledVitOnDigits, snap } from './helpers';

test('bundled ViT: anatomy of every targeted module and cluster maps for WeGeFT and LoRA side by side', async ({ page }, testInfo) => {
  test.setTimeout(480_000);
  await openBundledVitOnDigits(page);

  const methods = page.locator('#methods');
  await methods.getByLabel('Steps', { exact: true }).fill('20');
  await methods.getByLabel('Batch size', { exact: true }).fill('8');
  await methods.getByLabel('Rank r', { exact: true }).fill('4');
  await methods.getByLabel('Target modules', { exact: true }).fill('attention.output.dense');
  await methods.getByRole('button', { name: 'Add WeGeFT + LoRA pair' }).click();
  const runs = page.getByTestId('run');
  await expect(runs).toHaveCount(2);
  await page.getByRole('button', { name: 'Start all' }).click();
  for (const i of [0, 1]) await expect(runs.nth(i)).toHaveAttribute('data-status', 'finished', { timeout: 300_000 });

  const insight = page.locator('#insight');
  await insight.scrollIntoViewIfNeeded();
  await insight.getByTestId('analyse-updates').click();
  // Both runs, each with the 4 layers' output projections: the bundled ViT has 4 blocks.
  await expect(insight.getByTestId('anatomy-map')).toHaveCount(2, { timeout: 60_000 });
  await expect(insight.getByTestId('anatomy-cell')).toHaveCount(8);
  await expect(insight.getByTestId('alignment-table').locator('tbody tr')).toHaveCount(2);
  await expect(insight.getByTestId('chart-spectrum').locator('path.recharts-curve.recharts-line-curve')).toHaveCount(2);
  await expect(insight.getByTestId('chart-energy').locator('.recharts-bar-rectangle')).not.toHaveCount(0);
  await expect(insight.getByTestId('cluster-module')).toHaveValue('attention.output.dense');
  await insight.screenshot({ path: testInfo.outputPath('insight-anatomy.png') });
  await snap(page, testInfo, 'insight-anatomy');

  const digit = readdirSync(join(PUBLIC, 'datasets', 'digits', 'val', '3'))[0];
  await insight.getByTestId('cluster-drop-files').setInputFiles(join(PUBLIC, 'datasets', 'digits', 'val', '3', digit));
  await expect(insight.getByTestId('cluster-grid')).toHaveCount(2, { timeout: 60_000 });
  // Per run, two rows (frozen W, with ΔW) of the image and its 4 maps.
  await expect(insight.getByTestId('cluster-tile')).toHaveCount(2 * 2 * 5);
  const stats = await insight.getByTestId('cluster-grid').evaluateAll((grids) =>
    grids.map((grid) => {
      const pixels = [...grid.querySelectorAll('canvas')].map((c) => {
        const canvas = c as HTMLCanvasElement;
        return Array.from(canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data);
      });
      const meanDiff = (a: number[], b: number[]) => a.reduce((sum, v, i) => sum + Math.abs(v - b[i]), 0) / a.length;
      const spread = (a: number[]) => a.reduce((m, v) => Math.max(m, v), -Infinity) - a.reduce((m, v) => Math.min(m, v), Infinity);
      // canvases: [image, 4 before maps, image, 4 after maps]
      return {
        spreads: pixels.map(spread),
        betweenDirections: meanDiff(pixels[6], pixels[7]),
        beforeAfter: Math.max(...[1, 2, 3, 4].map((q) => meanDiff(pixels[q], pixels[q + 5]))),
      };
    }),
  );
  for (const s of stats) {
    expect(Math.min(...s.spreads), 'a constant tile').toBeGreaterThan(50);
    expect(s.betweenDirections, 'two directions drew the same map').toBeGreaterThan(1);
    expect(s.beforeAfter, 'the update changed no map').toBeGreaterThan(0.01);
  }
  await insight.screenshot({ path: testInfo.outputPath('insight-cluster-maps.png') });
  await snap(page, testInfo, 'insight-cluster-maps');

  const downloadPromise = page.waitForEvent('download');
  await insight.getByTestId('cluster-png').click();
  const download = await downloadPromise;
  expect(download.suggestedFilename()).toBe('cluster-maps.png');
  // The engine's grid picture per run (5 tiles a row, two rows, 4-pixel gaps) under a 22-pixel label band.
  const tile = await insight.getByTestId('cluster-grid').first().locator('canvas').first().evaluate((c) => (c as HTMLCanvasElement).width);
  const png = readFileSync(await download.path());
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  expect({ width: png.readUInt32BE(16), height: png.readUInt32BE(20) }).toEqual({ width: 5 * tile + 6 * 4, height: 2 * (22 + 2 * tile + 3 * 4) });
});
