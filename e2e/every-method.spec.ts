/**
 * Every registered method trains in the app, side by side, on the bundled
 * language model: each run shows the engine's exact trainable count before
 * it starts, all finish and are charted together, and each one's exported
 * files load back into the engine as the same method. Enrolled from the
 * registry, so a new method is trained here without editing this file.
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { expect, test } from '@playwright/test';
import { unzipSync } from 'fflate';
import { exportKind } from '../src/engine/adapters/handoff/export-kinds';
import { METHOD_SPECS } from '../src/engine/adapters/methods';
import { loadAdapter, resolveAdapterSettings } from '../src/engine/adapters/registry';
import { DirectorySource } from '../src/engine/io/node-source';
import { MemorySource } from '../src/engine/io/source';
import { loadModel } from '../src/engine/models/load';
import { bundledModel, openBundledOnWasm, snap } from './helpers';

const LM = bundledModel('causal-lm');

test('every method trains side by side on the bundled language model, and its files load back', async ({ page }, testInfo) => {
  test.setTimeout(600_000);
  await tf.setBackend('cpu');
  const model = await loadModel(new DirectorySource(LM.dir));

  // WASM: this test is about the methods; nine runs at once on SwiftShader's software WebGPU
  // lost the device on this 2-core machine (handled: each run failed saying so, with Retry on WASM).
  await openBundledOnWasm(page, { task: 'causal-lm', dataset: 'sotu.txt', evalAtMost: 16 });

  const methods = page.locator('#methods');
  const runs = page.getByTestId('run');
  for (const [i, spec] of METHOD_SPECS.entries()) {
    await methods.getByLabel('Method', { exact: true }).selectOption(spec.name);
    await methods.getByLabel('Steps', { exact: true }).fill('3');
    await methods.getByLabel('Batch size', { exact: true }).fill('2');
    await methods.getByLabel('Sequence length', { exact: true }).fill('32');
    await methods.getByRole('button', { name: 'Add run', exact: true }).click();
    await expect(runs).toHaveCount(i + 1);
    // The count shown before the run starts is the engine's, at the method's defaults.
    const { method, settings, problems } = resolveAdapterSettings(model, { method: spec.name });
    expect(problems).toEqual([]);
    await expect(runs.nth(i).getByTestId('run-trainable')).toHaveAttribute('data-count', String(method.countTrainable(model, settings)));
  }
  await snap(page, testInfo, 'every-method-added');

  await page.getByRole('button', { name: 'Start all' }).click();
  for (let i = 0; i < METHOD_SPECS.length; i++) await expect(runs.nth(i)).toHaveAttribute('data-status', 'finished', { timeout: 300_000 });
  await expect(page.getByTestId('chart-loss-step').locator('path.recharts-curve.recharts-line-curve')).toHaveCount(METHOD_SPECS.length);
  await page.locator('#compare').scrollIntoViewIfNeeded();
  await snap(page, testInfo, 'every-method-compare');

  for (const [i, spec] of METHOD_SPECS.entries()) {
    const name = (await runs.nth(i).locator('strong').first().innerText()).trim();
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: `Download the adapter of ${name}` }).click();
    const file = testInfo.outputPath(`${spec.name}-${(await download).suggestedFilename()}`);
    await (await download).saveAs(file);
    const files = unzipSync(readFileSync(file));
    expect(files['README.md'], spec.name).toBeDefined();
    if (exportKind(spec.name) === 'full-checkpoint') {
      // Every weight trained: the export is a whole checkpoint, which loads as a model.
      const checkpoint = await loadModel(new MemorySource(spec.name, new Map(Object.entries(files))));
      expect(checkpoint.parameterCount()).toBe(model.parameterCount());
      checkpoint.dispose();
      continue;
    }
    const adapter = loadAdapter(model, { config: JSON.parse(new TextDecoder().decode(files['adapter_config.json'])), weights: files['adapter_model.safetensors'] });
    expect(adapter.method).toBe(spec.name);
    adapter.dispose();
  }

  // Insight: every run's update anatomy shows every module its method changes (the engine here, on the same
  // model at the method's defaults, says which), and a method that changes no weight matrix says so.
  const changed = METHOD_SPECS.map((spec) => {
    const { method, settings } = resolveAdapterSettings(model, { method: spec.name });
    const adapter = method.create(model, settings, 1);
    const deltas = adapter.deltaWeights();
    for (const d of deltas) [d.lowRank?.left, d.lowRank?.right, d.dense].forEach((t) => t?.dispose());
    adapter.dispose();
    return deltas.length;
  });
  const insight = page.locator('#insight');
  await insight.scrollIntoViewIfNeeded();
  await insight.getByTestId('analyse-updates').click();
  const maps = insight.getByTestId('anatomy-map');
  await expect(maps).toHaveCount(changed.filter((n) => n > 0).length, { timeout: 120_000 });
  let shown = 0;
  for (const [i, count] of changed.entries()) {
    if (count === 0) continue;
    await expect(maps.nth(shown).getByTestId('anatomy-cell'), METHOD_SPECS[i].name).toHaveCount(count);
    shown++;
  }
  await expect(insight.getByTestId('anatomy-error')).toHaveCount(changed.filter((n) => n === 0).length);
  // The language-model analogue of the cluster maps: every prompt token scored per direction, per run.
  await insight.getByTestId('cluster-prompt').fill('The state of the union');
  await insight.getByRole('button', { name: 'Score tokens' }).click();
  await expect(insight.getByTestId('cluster-grid')).toHaveCount(METHOD_SPECS.length, { timeout: 120_000 });
  await expect(insight.locator('.token-table').first().locator('.token-row').first().locator('.token')).not.toHaveCount(0);
  await insight.screenshot({ path: testInfo.outputPath('insight-every-method.png') });
  model.dispose();
});
