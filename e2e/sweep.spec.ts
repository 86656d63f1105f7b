/**
 * A rank sweep on the bundled ViT: WeGeFT and LoRA at ranks 1, 2 and 4
 * queued from the Methods panel as six ordinary runs, trained one at a time;
 * the Compare panel's efficiency chart draws one point per run, rings the
 * Pareto frontier, and exports the sweep as CSV with the train CLI's columns.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { openBundledVitOnDigits, snap } from './helpers';

test('bundled ViT: a sweep of 3 ranks × 2 methods draws 6 points, the frontier ringed, and exports them', async ({ page }, testInfo) => {
  test.setTimeout(480_000);
  await openBundledVitOnDigits(page);

  const methods = page.locator('#methods');
  await methods.getByLabel('Steps', { exact: true }).fill('10');
  await methods.getByLabel('Batch size', { exact: true }).fill('8');
  const sweep = methods.getByTestId('sweep');
  await sweep.locator('summary').click();
  await sweep.getByLabel('Ranks').fill('1,2,4');
  await expect(sweep.getByTestId('sweep-summary')).toContainText('6 runs');
  await sweep.getByRole('button', { name: 'Queue 6 runs' }).click();
  const runs = page.getByTestId('run');
  await expect(runs).toHaveCount(6);
  for (let i = 0; i < 6; i++) await expect(runs.nth(i)).toHaveAttribute('data-status', 'finished', { timeout: 300_000 });

  const compare = page.locator('#compare');
  await compare.scrollIntoViewIfNeeded();
  const points = compare.getByTestId('efficiency-point');
  await expect(points).toHaveCount(6);
  const runIds = await runs.evaluateAll((items) => items.map((item) => item.getAttribute('data-run-id')));
  expect((await points.evaluateAll((ps) => ps.map((p) => p.getAttribute('data-run-id')))).sort()).toEqual([...runIds].sort());
  // The frontier holds at least the run with the fewest parameters (nothing is cheaper) and at most every run.
  const frontier = await compare.getByTestId('frontier-point').count();
  expect(frontier).toBeGreaterThanOrEqual(1);
  expect(frontier).toBeLessThanOrEqual(6);
  // Two solid lines, one per method, joining its points in rank order (the frontier's line is the dashed one).
  await expect(compare.getByTestId('chart-efficiency').locator('path.recharts-curve:not([stroke-dasharray])')).toHaveCount(2);
  await compare.getByTestId('chart-efficiency').scrollIntoViewIfNeeded();
  await compare.getByTestId('chart-efficiency').screenshot({ path: testInfo.outputPath('efficiency.png') });
  await snap(page, testInfo, 'sweep-efficiency');

  const download = page.waitForEvent('download');
  await compare.locator('.efficiency').getByRole('button', { name: 'Export CSV' }).click();
  const csv = readFileSync(await (await download).path(), 'utf8').trim().split(/\r?\n/);
  expect(csv[0].split(',')).toEqual(expect.arrayContaining(['method', 'rank', 'trainable_parameters', 'metric', 'metric_name', 'step_ms', 'peak_bytes']));
  expect(csv).toHaveLength(7);
  const header = csv[0].split(',');
  const rows = csv.slice(1).map((line) => Object.fromEntries(line.split(',').map((v, i) => [header[i], v])));
  expect(rows.map((r) => `${r.method} r${r.rank}`).sort()).toEqual(['lora r1', 'lora r2', 'lora r4', 'wegeft r1', 'wegeft r2', 'wegeft r4']);
  // More rank, more trainable parameters, within each method.
  for (const method of ['wegeft', 'lora']) {
    const counts = rows.filter((r) => r.method === method).sort((a, b) => Number(a.rank) - Number(b.rank)).map((r) => Number(r.trainable_parameters));
    expect(counts[0]).toBeLessThan(counts[1]);
    expect(counts[1]).toBeLessThan(counts[2]);
  }
});
