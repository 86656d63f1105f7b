import { describe, expect, it } from 'vitest';
import { formForMethod } from '../../../src/ui/schemas/run-form';
import { decodeShareHash, encodeShareHash } from '../../../src/ui/schemas/share-url';
import { snapshotOf } from '../../../src/ui/store/persistence';
import { adapterUnavailableReason, runOrigin, usableRuns } from '../../../src/ui/store/run-origin';
import { datasetRecord, datasetSummary, fakePlayground, modelRecord, modelSummary, settle, type FakeModel } from '../helpers/fake-engine';

const GPT2: FakeModel = { summary: modelSummary('gpt2-tiny', 'causal-lm'), record: modelRecord('gpt2-tiny', 'causal-lm'), trainable: 28_672 };
const VIT: FakeModel = { summary: modelSummary('vit-tiny', 'image-classification'), record: modelRecord('vit-tiny', 'image-classification'), trainable: 19_082 };

async function trainedOnGpt2() {
  const playground = fakePlayground({ 'gpt2-tiny': GPT2, 'vit-tiny': VIT });
  const { store, actions } = playground;
  expect(await actions.loadModel({ kind: 'bundled', name: 'gpt2-tiny' })).toBe(true);
  store.getState().datasetLoaded(datasetSummary('sotu.txt', 'causal-lm', 65, 13), datasetRecord('sotu.txt', 'causal-lm', 65, 13));
  const id = actions.addRun(formForMethod('wegeft'));
  await settle();
  actions.startRun(id);
  await settle();
  return { ...playground, id };
}

describe('a run remembers the model and data it trained on', () => {
  it('records the model and the dataset (with its split) when it starts', async () => {
    const { store, id } = await trainedOnGpt2();
    const run = store.getState().runs[id];
    expect(run.status).toBe('finished');
    expect(run.model).toEqual(GPT2.record);
    expect(run.dataset).toMatchObject({ name: 'sotu.txt', split: { trainCount: 65, validationCount: 13 } });
    expect(run.trainable?.count).toBe(28_672);
    expect(usableRuns(store.getState()).map((r) => r.id)).toEqual([id]);
    // The records are in what is saved for a reload.
    expect(snapshotOf(store.getState()).runs[id].model?.hash).toBe(GPT2.record.hash);
  });

  it('after switching to another model, a GPT-2 run keeps its own count and is not offered for export or Try it', async () => {
    const { store, actions, id } = await trainedOnGpt2();
    expect(await actions.loadModel({ kind: 'bundled', name: 'vit-tiny' })).toBe(true);
    await settle();
    const run = store.getState().runs[id];
    expect(run.trainable?.count).toBe(28_672); // not the ViT's 19,082
    expect(runOrigin(run, store.getState().model.record)).toBe('other');
    expect(adapterUnavailableReason(store.getState(), run)).toMatch(/Trained on gpt2-tiny \(bundled\): load that model/);
    expect(usableRuns(store.getState())).toEqual([]);
  });

  it('back on the first model, the run is its own again, but its weights left the engine with the switch', async () => {
    const { store, actions, id } = await trainedOnGpt2();
    await actions.loadModel({ kind: 'bundled', name: 'vit-tiny' });
    await actions.loadModel({ kind: 'bundled', name: 'gpt2-tiny' });
    const run = store.getState().runs[id];
    expect(runOrigin(run, store.getState().model.record)).toBe('current');
    expect(adapterUnavailableReason(store.getState(), run)).toMatch(/not in this session/);
  });

  it('a run that never trained follows the model loaded now, and its count with it', async () => {
    const { store, actions } = fakePlayground({ 'gpt2-tiny': GPT2, 'vit-tiny': VIT });
    await actions.loadModel({ kind: 'bundled', name: 'gpt2-tiny' });
    const id = actions.addRun(formForMethod('lora'));
    await settle();
    expect(store.getState().runs[id].trainable?.count).toBe(28_672);
    await actions.loadModel({ kind: 'bundled', name: 'vit-tiny' });
    await settle();
    expect(store.getState().runs[id].trainable?.count).toBe(19_082);
    expect(runOrigin(store.getState().runs[id], store.getState().model.record)).toBe('untrained');
  });

  it('a run started while a model loads is refused with a reason, not recorded with the wrong model', async () => {
    const { store, actions } = fakePlayground({ 'gpt2-tiny': GPT2 });
    await actions.loadModel({ kind: 'bundled', name: 'gpt2-tiny' });
    const id = actions.addRun(formForMethod('lora'));
    store.getState().modelLoading({ kind: 'bundled', name: 'vit-tiny' });
    actions.startRun(id);
    expect(store.getState().runs[id].status).toBe('idle');
    expect(store.getState().notices.at(-1)?.text).toMatch(/wait for the model to finish loading/i);
  });
});

describe('a failed load leaves the previous model, data and runs as they were', () => {
  it('keeps the working model, its record and source, the dataset, the runs, and the share link', async () => {
    const { store, actions, id } = await trainedOnGpt2();
    const before = store.getState();
    expect(await actions.loadModel({ kind: 'hub', repoId: 'test-org/missing' })).toBe(false);
    const after = store.getState();
    expect(after.model.status).toBe('ready');
    expect(after.model.error).toMatch(/test-org\/missing.*404/);
    expect(after.model.summary).toBe(before.model.summary);
    expect(after.model.record).toBe(before.model.record);
    expect(after.model.source).toEqual({ kind: 'bundled', name: 'gpt2-tiny' });
    expect(after.model.pendingSource).toBeNull();
    expect(after.data).toBe(before.data);
    expect(after.runs[id]).toBe(before.runs[id]);
    expect(usableRuns(after).map((r) => r.id)).toEqual([id]);
    // What is saved for a reload and what a share link names is the working model, not the failed one.
    expect(snapshotOf(after).model).toEqual({ kind: 'bundled', name: 'gpt2-tiny' });
    const source = after.model.source;
    const hash = encodeShareHash({ model: source && source.kind !== 'files' ? source : null, runs: [] });
    expect(decodeShareHash(hash).model).toEqual({ kind: 'bundled', name: 'gpt2-tiny' });
  });

  it('with no model before, the failure is the state', async () => {
    const { store, actions } = fakePlayground({});
    expect(await actions.loadModel({ kind: 'hub', repoId: 'test-org/missing' })).toBe(false);
    expect(store.getState().model).toMatchObject({ status: 'error', summary: null, source: null });
  });
});
