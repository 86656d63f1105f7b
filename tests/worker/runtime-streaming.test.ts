/**
 * Dropped checkpoint files are read tensor by tensor in the worker: one
 * modelLoading event per tensor, in order, naming it, with the bytes so far
 * against the weights' total, before modelLoaded.
 */
import { describe, expect, it } from 'vitest';
import type { WorkerEventOf } from '../../src/worker/protocol';
import { charTokenizerJson, fixtureFiles, RuntimeDriver } from './runtime-helpers';

describe('the worker streams dropped weights', () => {
  it('posts one progress event per tensor, counting up to the total, then the model', async () => {
    const driver = new RuntimeDriver();
    const loaded = (await driver.request({ type: 'loadModel', source: { kind: 'files', files: fixtureFiles('gpt2', { 'tokenizer.json': charTokenizerJson() }), label: 'gpt2' } })) as WorkerEventOf<'modelLoaded'>;
    expect(loaded.type).toBe('modelLoaded');
    const events = driver.of('modelLoading').filter((e) => e.requestId === loaded.requestId);
    const perTensor = events.filter((e) => e.tensor);
    // Nothing read the weights file whole: every progress event is a tensor's.
    expect(perTensor.length).toBe(events.length);
    const count = perTensor[0].tensor!.count;
    expect(count).toBeGreaterThan(10);
    expect(perTensor.map((e) => e.tensor!.index)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    expect(perTensor.every((e) => e.file === 'model.safetensors' && e.total === perTensor[0].total)).toBe(true);
    const loadedBytes = perTensor.map((e) => e.loaded);
    expect(loadedBytes.every((n, i) => i === 0 || n > loadedBytes[i - 1])).toBe(true);
    expect(loadedBytes.at(-1)).toBe(perTensor[0].total);
    expect(perTensor.some((e) => e.tensor!.name === 'transformer.wte.weight' || e.tensor!.name === 'wte.weight')).toBe(true);
    expect(driver.events.indexOf(perTensor.at(-1)!)).toBeLessThan(driver.events.indexOf(loaded));
  });
});
