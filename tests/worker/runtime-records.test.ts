import { describe, expect, it } from 'vitest';
import { formForMethod, toRunSettings } from '../../src/ui/schemas/run-form';
import type { RunSpec, WorkerEventOf } from '../../src/worker/protocol';
import { charTokenizerJson, fixtureFiles, RuntimeDriver, textFile } from './runtime-helpers';

function run(id: string, steps: number): RunSpec {
  const form = { ...formForMethod('lora'), rank: 2, alpha: 4, steps, batchSize: 4, seqLength: 16, learningRate: 1e-2 };
  return { id, name: `lora ${id}`, settings: toRunSettings(form) };
}

describe('the runtime says what a run trains on, and keeps what works', () => {
  const driver = new RuntimeDriver();
  const gpt2 = () => fixtureFiles('gpt2', { 'tokenizer.json': charTokenizerJson() });

  it('a loaded model and dataset come with records: source, content hash, split', async () => {
    const model = (await driver.request({ type: 'loadModel', source: { kind: 'files', files: gpt2(), label: 'gpt2' } })) as WorkerEventOf<'modelLoaded'>;
    expect(model.record).toMatchObject({ source: 'files', id: 'gpt2', revision: null, task: 'causal-lm', hash: expect.stringMatching(/^sha256:/) });
    const again = (await driver.request({ type: 'loadModel', source: { kind: 'files', files: gpt2(), label: 'gpt2' } })) as WorkerEventOf<'modelLoaded'>;
    expect(again.record.hash).toBe(model.record.hash);
    const data = (await driver.request({ type: 'loadDataset', source: { kind: 'files', files: [textFile('story.txt', 40)] }, validationFraction: 0.1 })) as WorkerEventOf<'datasetLoaded'>;
    expect(data.record).toMatchObject({ name: 'story.txt', hash: expect.stringMatching(/^sha256:/), split: { trainCount: data.summary.trainCount, validationFraction: 0.1 } });
  });

  it('Try it with a run that has no adapter answers for the base model and names the run, instead of failing everything', async () => {
    await driver.send({ type: 'addRun', run: run('never', 2) });
    const reply = (await driver.request({ type: 'generate', prompt: 'the cat', runIds: ['never'], settings: { maxNewTokens: 3, temperature: 0, topK: 0, seed: 0 } })) as WorkerEventOf<'generation'>;
    expect(reply.type).toBe('generation');
    expect(reply.outputs[0]).toMatchObject({ runId: null, error: null });
    expect(reply.outputs[1]).toMatchObject({ runId: 'never', error: expect.stringMatching(/lora never.*no trained adapter/) });
  });

  it('a model that fails to load leaves the previous one working, with its dataset', async () => {
    const broken = (await driver.request({ type: 'loadModel', source: { kind: 'files', files: fixtureFiles('vit').filter((f) => !f.path.endsWith('.safetensors')) } })) as WorkerEventOf<'error'>;
    expect(broken.type).toBe('error');
    const reply = (await driver.request({ type: 'generate', prompt: 'the', runIds: [], settings: { maxNewTokens: 2, temperature: 0, topK: 0, seed: 0 } })) as WorkerEventOf<'generation'>;
    expect(reply.outputs[0].error).toBeNull();
    const count = (await driver.request({ type: 'countTrainable', settings: { method: 'lora', rank: 2 } })) as WorkerEventOf<'trainableCount'>;
    expect(count.count).toBeGreaterThan(0);
  });

  it('another model with the same files but one changed weight byte is another model', async () => {
    const files = fixtureFiles('vit');
    const first = (await driver.request({ type: 'loadModel', source: { kind: 'files', files } })) as WorkerEventOf<'modelLoaded'>;
    const weights = new Uint8Array(await files[1].file.arrayBuffer());
    weights[weights.length - 3] ^= 1;
    const changed = [files[0], { path: files[1].path, file: new File([weights], 'model.safetensors') }];
    const second = (await driver.request({ type: 'loadModel', source: { kind: 'files', files: changed } })) as WorkerEventOf<'modelLoaded'>;
    expect(second.type).toBe('modelLoaded');
    expect(second.record.hash).not.toBe(first.record.hash);
  });
});
