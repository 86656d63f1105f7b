/**
 * Task heads. A classifier whose dataset has another label count gets a new
 * head, trained under every method and saved with the adapter
 * (modules_to_save); the export carries its label names. With the same
 * label count the checkpoint's classifier is trained (and, when a file does
 * not store it, taken from the base model). Head-only on a tied language
 * model trains an lm_head of its own.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportMergedModel } from '../../../src/engine/adapters/export';
import { adapterMethods, getAdapterMethod, loadAdapter } from '../../../src/engine/adapters/registry';
import { parseSafetensors } from '../../../src/engine/io/safetensors';
import { MemorySource } from '../../../src/engine/io/source';
import { loadModel } from '../../../src/engine/models/load';
import type { ImageClassifierConfig } from '../../../src/engine/models/types';
import { useBackend } from '../../helpers/backend';
import { fixtureDir } from '../../helpers/fixtures';
import { fixtureModel, gradientsOf, logitsWith, maxAbs, maxAbsDiff, roundTrip, train, type TestModel } from './helpers';

const LABELS = ['cat', 'dog', 'bird'];

let vit: TestModel;
let gpt2: TestModel;
beforeAll(async () => {
  await useBackend('cpu');
  vit = await fixtureModel('vit'); // 5 labels in the checkpoint; its test labels are 0..4
  gpt2 = await fixtureModel('gpt2');
  vit.labels!.dispose();
  vit.labels = tf.tensor1d([0, 2, 1], 'int32'); // within the new head's 3 labels (disposed with vit)
});
afterAll(() => {
  vit.dispose();
  gpt2.dispose();
});

describe.each(adapterMethods.map((m) => m.name))('a new classification head under %s', (name) => {
  const method = getAdapterMethod(name);
  const settings = () => method.withDefaults(vit.model, { labels: LABELS });

  it('has the dataset’s label count, is counted, and is trained', () => {
    const adapter = method.create(vit.model, settings(), 3);
    const head = [...adapter.headKeys];
    expect(head.map((k) => adapter.trainable.get(k)!.shape)).toEqual([[3, 32], [3]]);
    const logits = vit.model.withPatch(adapter.patch(), () => vit.model.forward(vit.inputs));
    expect(logits.shape).toEqual([3, 3]);
    logits.dispose();
    const { grads } = gradientsOf(vit, adapter);
    for (const key of head) expect(maxAbs(grads.get(key)!.dataSync()), key).toBeGreaterThan(0);
    for (const g of grads.values()) g.dispose();
    adapter.dispose();
  });

  it('is saved with the adapter, with its label names, and loads back the same', async () => {
    const adapter = method.create(vit.model, settings(), 3);
    train(vit, adapter, 2);
    const files = await adapter.save();
    expect(files.config.modules_to_save).toEqual(['classifier']);
    const weights = parseSafetensors(files.weights, 'saved');
    expect(JSON.parse(weights.metadata.labels)).toEqual(LABELS);
    const loaded = await roundTrip(vit, adapter);
    expect(loaded.settings.labels).toEqual(LABELS);
    expect(maxAbsDiff(logitsWith(vit, loaded.patch()), logitsWith(vit, adapter.patch()))).toBe(0);
    loaded.dispose();
    adapter.dispose();
  });

  it('is exported with id2label and label2id, and the export loads as a 3-label model', async () => {
    const adapter = method.create(vit.model, settings(), 3);
    train(vit, adapter, 2);
    const files = await exportMergedModel(vit.model, adapter);
    const config = JSON.parse(new TextDecoder().decode(files.get('config.json')));
    expect(config.id2label).toEqual({ 0: 'cat', 1: 'dog', 2: 'bird' });
    expect(config.label2id).toEqual({ cat: 0, dog: 1, bird: 2 });
    const exported = await loadModel(new MemorySource('export', files));
    expect((exported.config as ImageClassifierConfig).labels).toEqual(LABELS);
    const logits = exported.forward(vit.inputs);
    expect(maxAbsDiff(logits.dataSync(), logitsWith(vit, adapter.patch()))).toBeLessThanOrEqual(1e-4);
    logits.dispose();
    exported.dispose();
    adapter.dispose();
  });
});

describe('the checkpoint’s own classifier', () => {
  it('is trained from its pretrained values when the dataset has the checkpoint’s labels', () => {
    const lora = getAdapterMethod('lora');
    const labels = (vit.model.config as ImageClassifierConfig).labels;
    const adapter = lora.create(vit.model, lora.withDefaults(vit.model, { labels }), 0);
    const weight = adapter.trainable.get('base_model.model.classifier.weight')!;
    expect(maxAbsDiff(weight.dataSync(), vit.model.baseParam('classifier.weight').dataSync())).toBe(0);
    adapter.dispose();
  });

  it('is replaced by a new head when the labels differ, even in number equal (renamed labels are exported)', async () => {
    const lora = getAdapterMethod('lora');
    const adapter = lora.create(vit.model, lora.withDefaults(vit.model, { labels: ['a', 'b', 'c', 'd', 'e'] }), 0);
    const weight = adapter.trainable.get('base_model.model.classifier.weight')!;
    expect(weight.shape).toEqual(vit.model.baseParam('classifier.weight').shape);
    expect(maxAbsDiff(weight.dataSync(), vit.model.baseParam('classifier.weight').dataSync())).toBeGreaterThan(0);
    expect(maxAbs(adapter.trainable.get('base_model.model.classifier.bias')!.dataSync())).toBe(0);
    const config = JSON.parse(new TextDecoder().decode((await exportMergedModel(vit.model, adapter)).get('config.json')));
    expect(config.id2label).toEqual({ 0: 'a', 1: 'b', 2: 'c', 3: 'd', 4: 'e' });
    adapter.dispose();
  });

  it('comes from the base model when an adapter file lists modules_to_save without storing it (the vit/wegeft fixture)', async () => {
    const dir = path.join(fixtureDir('vit'), 'wegeft');
    const adapter = loadAdapter(vit.model, {
      config: JSON.parse(await fs.readFile(path.join(dir, 'adapter_config.json'), 'utf8')),
      weights: new Uint8Array(await fs.readFile(path.join(dir, 'adapter_model.safetensors'))),
    });
    expect(adapter.headKeys).toEqual(['base_model.model.classifier.weight', 'base_model.model.classifier.bias']);
    const bias = adapter.trainable.get('base_model.model.classifier.bias')!;
    expect(maxAbsDiff(bias.dataSync(), vit.model.baseParam('classifier.bias').dataSync())).toBe(0);
    // 768 in the fixture's file + the classifier's 5·32 + 5.
    expect(adapter.trainableParameterCount()).toBe(768 + 165);
    adapter.dispose();
  });
});

describe('head-only on a language model with tied embeddings', () => {
  const head = getAdapterMethod('head');

  it('trains an lm_head of its own, starting from the embedding, and leaves the input embedding alone', async () => {
    const adapter = head.create(gpt2.model, head.withDefaults(gpt2.model, {}), 0);
    expect([...adapter.trainable.keys()]).toEqual(['lm_head.weight']);
    expect(adapter.trainableParameterCount()).toBe(96 * 32);
    const embedding = gpt2.model.baseParam('transformer.wte.weight');
    expect(maxAbsDiff(adapter.trainable.get('lm_head.weight')!.dataSync(), embedding.dataSync())).toBe(0);
    train(gpt2, adapter, 2);
    expect(maxAbsDiff(adapter.trainable.get('lm_head.weight')!.dataSync(), embedding.dataSync())).toBeGreaterThan(0);
    expect(adapter.patch().params?.has('transformer.wte.weight')).toBe(false);

    const files = await exportMergedModel(gpt2.model, adapter);
    const config = JSON.parse(new TextDecoder().decode(files.get('config.json')));
    expect(config.tie_word_embeddings).toBe(false);
    const exported = await loadModel(new MemorySource('export', files));
    expect(exported.parameterNames()).toContain('lm_head.weight');
    const logits = exported.forward(gpt2.inputs);
    expect(maxAbsDiff(logits.dataSync(), logitsWith(gpt2, adapter.patch()))).toBeLessThanOrEqual(1e-4);
    logits.dispose();
    exported.dispose();
    adapter.dispose();
  });

  it('full fine-tuning keeps the embeddings tied: one tensor, trained once', () => {
    const full = getAdapterMethod('full');
    const adapter = full.create(gpt2.model, { method: 'full' }, 0);
    expect(adapter.trainable.has('lm_head.weight')).toBe(false);
    expect(adapter.trainableParameterCount()).toBe(gpt2.model.parameterCount());
    adapter.dispose();
  });
});
