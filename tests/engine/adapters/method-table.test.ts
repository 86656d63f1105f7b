/**
 * The README's method table: each registered method's exact trainable count
 * (countTrainable, before anything is allocated), at its defaults for the
 * model's task, on the bundled models and on GPT-2 small (the benchmark's
 * gpt2-124m preset, built from its config: n_embd 768, 12 layers, vocab
 * 50,257). The README's numbers must be these: this test reads them back.
 * METHOD_TABLE=1 prints the rows.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METHOD_SPECS, type AdapterMethodName } from '../../../src/engine/adapters/methods';
import { resolveAdapterSettings } from '../../../src/engine/adapters/registry';
import { presetModel } from '../../../src/engine/bench/benchmark';
import { benchPreset } from '../../../src/engine/bench/presets';
import { DirectorySource } from '../../../src/engine/io/node-source';
import { loadModel } from '../../../src/engine/models/load';
import type { Model } from '../../../src/engine/models/model';
import { useBackend } from '../../helpers/backend';

const ROOT = path.resolve(__dirname, '../../..');
const MODELS = ['gpt2-tiny-moby-brown', 'vit-tiny-fashion-mnist'];
const models = new Map<string, Model>();

beforeAll(async () => {
  await useBackend('cpu');
  for (const name of MODELS) models.set(name, await loadModel(new DirectorySource(path.join(ROOT, 'public/models', name))));
  models.set('gpt2-124m', presetModel(benchPreset('gpt2-124m'), 0));
}, 300_000);
afterAll(() => models.forEach((m) => m.dispose()));

function count(model: Model, method: AdapterMethodName): number {
  const resolved = resolveAdapterSettings(model, { method });
  expect(resolved.problems, method).toEqual([]);
  return resolved.method.countTrainable(model, resolved.settings);
}

/** The README's method table rows: the method's label, then its counts, by column. */
function readmeCounts(): Map<string, string[]> {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('<!-- method-table -->'), readme.indexOf('<!-- /method-table -->'));
  const rows = new Map<string, string[]>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length > 5 && /^[\d,]+$/.test(cells[3])) rows.set(cells[1].replace(/\*/g, ''), cells.slice(3, 6));
  }
  return rows;
}

describe("the README's method table", () => {
  it('gives every method its exact trainable count on the bundled models and GPT-2 small, at its defaults', () => {
    const rows = readmeCounts();
    const counts = METHOD_SPECS.map((spec) => ({
      label: spec.label,
      counts: ['gpt2-tiny-moby-brown', 'vit-tiny-fashion-mnist', 'gpt2-124m'].map((m) => count(models.get(m)!, spec.name).toLocaleString('en-US')),
    }));
    if (process.env.METHOD_TABLE === '1') console.log(counts.map((c) => `| ${c.label} | ${c.counts.join(' | ')} |`).join('\n'));
    for (const c of counts) expect(rows.get(c.label), c.label).toEqual(c.counts);
  }, 120_000);
});
