import { describe, expect, it } from 'vitest';
import { comparisonGroups, describeGroup, groupMismatch, groupTask, shownGroup } from '../../../src/ui/charts/comparison-groups';
import { createPlaygroundStore } from '../../../src/ui/store';
import { formForMethod } from '../../../src/ui/schemas/run-form';
import type { MetricPoint } from '../../../src/worker/protocol';
import { datasetRecord, modelRecord } from '../helpers/fake-engine';

const gpt2 = modelRecord('gpt2-tiny', 'causal-lm');
const vit = modelRecord('vit-tiny', 'image-classification');
const sotu = datasetRecord('sotu.txt', 'causal-lm', 65, 13);
const quotes = datasetRecord('quotes.txt', 'causal-lm', 40, 4);
const digits = datasetRecord('digits', 'image-classification', 2400, 600);

function point(runId: string): MetricPoint {
  return { runId, step: 1, timeMs: 1, loss: 1, learningRate: 0.1, examplesPerSecond: 1, tokensPerSecond: null, memoryBytes: 1, numTensors: 1, validation: { kind: 'classifier', loss: 1, accuracy: 0.5 } };
}

function storeWith(records: [typeof gpt2 | null, typeof sotu | null][]) {
  const store = createPlaygroundStore();
  const ids = records.map(([model, dataset]) => {
    const id = store.getState().addRun(formForMethod('lora'));
    if (model) store.getState().setRunTrainedOn(id, model, dataset);
    return id;
  });
  return { store, ids, runs: ids.map((id) => store.getState().runs[id]) };
}

describe('runs are compared with runs of the same model and data only', () => {
  it('groups by model and dataset; runs on other data are another group, named', () => {
    const { runs, ids } = storeWith([[gpt2, sotu], [gpt2, quotes], [gpt2, sotu], [vit, digits]]);
    const groups = comparisonGroups(runs, {}, vit, digits);
    expect(groups.map((g) => g.runs.map((r) => r.id))).toEqual([[ids[0], ids[2]], [ids[1]], [ids[3]]]);
    expect(groups.map((g) => g.current)).toEqual([false, false, true]);
    expect(describeGroup(groups[0])).toBe('gpt2-tiny (bundled) on sotu.txt · 65 train / 13 validation');
    // The loaded model's group is shown unless the user chose another.
    expect(shownGroup(groups, null)).toBe(groups[2]);
    expect(shownGroup(groups, groups[1].key)).toBe(groups[1]);
    expect(shownGroup(groups, 'gone')).toBe(groups[2]);
  });

  it("the validation metric is the group's own task, never the model loaded now (a ViT's accuracy stays accuracy while GPT-2 is loaded)", () => {
    const { runs } = storeWith([[vit, digits], [gpt2, sotu]]);
    const groups = comparisonGroups(runs, {}, gpt2, sotu);
    expect(groupTask(groups[0], {})).toBe('image-classification');
    expect(groupTask(groups[1], {})).toBe('causal-lm');
  });

  it('runs that never trained join the group of what is loaded now; older runs without records are a group of their own', () => {
    const { store, runs, ids } = storeWith([[null, null], [gpt2, sotu]]);
    const legacy = { ...runs[0], id: 'old', model: undefined, status: 'finished' as const };
    delete (legacy as { model?: unknown }).model;
    const groups = comparisonGroups([...runs, legacy], { old: [point('old')] }, gpt2, sotu);
    expect(groups.map((g) => g.runs.map((r) => r.id))).toEqual([[ids[0], ids[1]], ['old']]);
    expect(groupTask(groups[1], { old: [point('old')] })).toBe('image-classification');
    expect(describeGroup(groups[1])).toMatch(/before the playground recorded/);
    expect(comparisonGroups([store.getState().runs[ids[0]]], {}, null, null)).toEqual([]);
  });
});

describe('what the Compare panel warns about', () => {
  it('another model, other data, nothing loaded; nothing while the same data is still loading after a reload', () => {
    const { runs } = storeWith([[gpt2, sotu]]);
    const [group] = comparisonGroups(runs, {}, gpt2, sotu);
    expect(groupMismatch(group, gpt2, sotu, false)).toBeNull();
    expect(groupMismatch(group, gpt2, null, true)).toBeNull();
    expect(groupMismatch(group, gpt2, quotes, false)).toMatch(/other data/);
    expect(groupMismatch(group, vit, digits, false)).toMatch(/another model/);
    expect(groupMismatch(group, null, null, false)).toMatch(/No model is loaded/);
  });
});
