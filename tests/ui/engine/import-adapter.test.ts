/**
 * The page's side of importing an adapter: a run in the store with the
 * settings the engine read (its card shows them), held by the engine so Try
 * it and Export use it, never started or recounted as a form; failures are
 * notices; "Train further" adds a run that starts from it.
 */
import { describe, expect, it } from 'vitest';
import { describeMethod } from '../../../src/ui/schemas/run-form';
import { snapshotOf } from '../../../src/ui/store/persistence';
import { usableRuns } from '../../../src/ui/store/run-origin';
import { importBlocker } from '../../../src/ui/store/run-start';
import type { DroppedFile } from '../../../src/worker/protocol';
import { datasetRecord, datasetSummary, fakePlayground, modelRecord, modelSummary, settle, type FakeModel } from '../helpers/fake-engine';

const GPT2: FakeModel = { summary: modelSummary('gpt2-tiny', 'causal-lm'), record: modelRecord('gpt2-tiny', 'causal-lm'), trainable: 28_672 };
const folder = (name: string, files = ['adapter_config.json', 'adapter_model.safetensors']): DroppedFile[] =>
  files.map((f) => ({ path: `${name}/${f}`, file: new File(['x'], f) }));

describe('importing an adapter from the page', () => {
  it('is refused with the reason while no model is loaded', async () => {
    const { store, actions, worker } = fakePlayground({ 'gpt2-tiny': GPT2 });
    expect(importBlocker(store.getState())).toMatch(/Load a model first/);
    expect(await actions.importAdapter(folder('lora_adapter'))).toBeNull();
    expect(worker.sent.some((c) => c.type === 'importAdapter')).toBe(false);
    expect(store.getState().notices.at(-1)).toMatchObject({ kind: 'error', text: expect.stringMatching(/^Import failed: Load a model first/) });
  });

  it('becomes a finished, held run with the engine’s settings, kept in the snapshot', async () => {
    const { store, actions, worker } = fakePlayground({ 'gpt2-tiny': GPT2 });
    await actions.loadModel({ kind: 'bundled', name: 'gpt2-tiny' });
    const id = (await actions.importAdapter(folder('lora_adapter')))!;
    const run = store.getState().runs[id];
    expect(run).toMatchObject({ name: 'lora_adapter (imported)', status: 'finished', model: GPT2.record, dataset: null, trainable: { count: 4096 } });
    expect(run.imported).toMatchObject({ label: 'lora_adapter', peftType: 'LORA', notEvaluated: expect.stringMatching(/no dataset/) });
    expect(describeMethod(run.form)).toBe('LoRA r4 α8');
    expect(run.form.targets).toBe('c_attn');
    expect(usableRuns(store.getState()).map((r) => r.id)).toEqual([id]);
    // The engine is told the run's full spec (its training settings from the form).
    expect(worker.sent.filter((c) => c.type === 'updateRun').at(-1)).toMatchObject({ run: { id, name: 'lora_adapter (imported)' } });
    expect(snapshotOf(store.getState()).runs[id].imported?.label).toBe('lora_adapter');

    // Not started as a run: Start is refused, and its count is the adapter's, not the form's.
    actions.startRun(id);
    expect(worker.sent.some((c) => c.type === 'startRun' && c.runId === id)).toBe(false);
    await actions.refreshTrainableCount(id);
    expect(store.getState().runs[id].trainable?.count).toBe(4096);

    // A second import of the same folder gets its own id and name.
    const second = (await actions.importAdapter(folder('lora_adapter')))!;
    expect(second).not.toBe(id);
    expect(store.getState().runs[second].name).toBe('lora_adapter (imported) (2)');
  });

  it('a refusal is a notice naming the file, and adds no run', async () => {
    const { store, actions } = fakePlayground({ 'gpt2-tiny': GPT2 });
    await actions.loadModel({ kind: 'bundled', name: 'gpt2-tiny' });
    expect(await actions.importAdapter(folder('weights', ['model.safetensors']))).toBeNull();
    expect(store.getState().runOrder).toEqual([]);
    expect(store.getState().notices.at(-1)?.text).toBe('Import failed: weights: is not an adapter: no adapter_config.json in it');
  });

  it('Train further adds a run of the same settings that starts from it, and starts it', async () => {
    const { store, actions, worker } = fakePlayground({ 'gpt2-tiny': GPT2 });
    await actions.loadModel({ kind: 'bundled', name: 'gpt2-tiny' });
    store.getState().datasetLoaded(datasetSummary('sotu.txt', 'causal-lm'), datasetRecord('sotu.txt', 'causal-lm'));
    const id = (await actions.importAdapter(folder('lora_adapter')))!;
    const further = actions.trainFurther(id)!;
    await settle();
    const run = store.getState().runs[further];
    expect(run.name).toBe('lora_adapter (imported) trained further');
    expect(run.startsFrom).toEqual({ runId: id, name: 'lora_adapter (imported)' });
    expect(run.form).toEqual(store.getState().runs[id].form);
    const spec = worker.sent.filter((c) => c.type === 'updateRun' && c.run.id === further).at(-1);
    expect(spec).toMatchObject({ run: { startFrom: id } });
    expect(worker.sent.some((c) => c.type === 'startRun' && c.runId === further)).toBe(true);
    expect(run.status).toBe('finished');
  });
});
