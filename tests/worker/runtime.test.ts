import { unzipSync } from 'fflate';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadAdapter } from '../../src/engine/adapters/registry';
import { DirectorySource } from '../../src/engine/io/node-source';
import { loadModel } from '../../src/engine/models/load';
import { fixtureDir } from '../helpers/fixtures';
import { useBackend } from '../helpers/backend';
import type { DroppedFile, RunSpec, WorkerEventOf } from '../../src/worker/protocol';
import { toRunSettings, formForMethod } from '../../src/ui/schemas/run-form';
import { RuntimeDriver, charTokenizerJson, fixtureFiles, imageFiles, textFile } from './runtime-helpers';

beforeAll(async () => {
  await useBackend('cpu');
});

function run(id: string, method: 'wegeft' | 'lora' | 'full' | 'head', steps: number, extra: Record<string, unknown> = {}): RunSpec {
  const form = { ...formForMethod(method), rank: 2, alpha: 4, steps, batchSize: 4, seqLength: 16, learningRate: 1e-2, ...extra };
  return { id, name: `${method} ${id}`, settings: toRunSettings(form) };
}

const finished = (id: string) => (e: { type: string; runId?: string }) => e.type === 'runFinished' && e.runId === id;

describe('the worker runtime, on an image classifier', () => {
  const driver = new RuntimeDriver();

  it('loads a dropped checkpoint and describes it', async () => {
    const reply = await driver.request({ type: 'loadModel', source: { kind: 'files', files: fixtureFiles('vit'), label: 'vit' } });
    expect(reply.type).toBe('modelLoaded');
    const summary = (reply as WorkerEventOf<'modelLoaded'>).summary;
    expect(summary).toMatchObject({ label: 'vit', family: 'ViT', task: 'image-classification', numLayers: 2, hiddenSize: 32 });
    expect(summary.parameterCount).toBeGreaterThan(10_000);
    expect(summary.memoryBytes).toBe(summary.parameterCount * 4);
    expect(driver.of('backend')[0]).toMatchObject({ backend: 'cpu', fallbackReasons: ['WebGPU: not in this test'] });
  });

  it('loads class folders of images, with a stratified validation split and a preview', async () => {
    const reply = await driver.request({ type: 'loadDataset', source: { kind: 'files', files: imageFiles(5) }, validationFraction: 0.2 });
    const summary = (reply as WorkerEventOf<'datasetLoaded'>).summary;
    expect(summary).toMatchObject({ task: 'image-classification', examples: 10, trainCount: 8, validationCount: 2 });
    expect(summary.labelCounts).toEqual([{ label: 'blue', count: 5 }, { label: 'red', count: 5 }]);
    expect(summary.preview.kind).toBe('image');
  });

  it('counts trainable parameters exactly before anything is created: WeGeFT below LoRA', async () => {
    const count = async (method: 'wegeft' | 'lora') =>
      (await driver.request({ type: 'countTrainable', settings: toRunSettings({ ...formForMethod(method), rank: 2 }).method })) as WorkerEventOf<'trainableCount'>;
    const [wegeft, lora] = [await count('wegeft'), await count('lora')];
    expect(wegeft.problems).toEqual([]);
    expect(wegeft.count!).toBeLessThan(lora.count!);
    expect(wegeft.percent!).toBeCloseTo((100 * wegeft.count!) / (driver.of('modelLoaded')[0].summary.parameterCount), 10);
    const bad = (await driver.request({ type: 'countTrainable', settings: { method: 'lora', rank: 0 } })) as WorkerEventOf<'trainableCount'>;
    expect(bad.count).toBeNull();
    expect(bad.problems.join(' ')).toMatch(/rank/i);
  });

  it('trains two runs interleaved to the end, with metrics for every step and a final evaluation', async () => {
    const before = tf.memory().numTensors;
    await driver.send({ type: 'addRun', run: run('a', 'wegeft', 6) });
    await driver.send({ type: 'addRun', run: run('b', 'lora', 6) });
    const done = Promise.all([driver.waitFor(finished('a')), driver.waitFor(finished('b'))]);
    await driver.send({ type: 'startRun', runId: 'a' });
    await driver.send({ type: 'startRun', runId: 'b' });
    const [a, b] = (await done) as WorkerEventOf<'runFinished'>[];
    expect(a.finalEval).toMatchObject({ kind: 'classifier' });
    expect(b.trainableParameters).toBeGreaterThan(a.trainableParameters);
    const points = driver.of('runMetrics').flatMap((e) => e.points);
    for (const id of ['a', 'b']) {
      const steps = points.filter((p) => p.runId === id);
      // Every step once, then the last step again with the final evaluation (the page replaces it).
      expect(steps.map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6, 6]);
      expect(steps.every((p) => p.loss !== null && Number.isFinite(p.loss) && p.examplesPerSecond > 0)).toBe(true);
      expect(steps[6].validation).toEqual(id === 'a' ? a.finalEval : b.finalEval);
      // Training wall time only grows, step after step.
      const times = steps.slice(0, 6).map((p) => p.timeMs);
      expect(times.every((t, i) => i === 0 || t > times[i - 1])).toBe(true);
    }
    // Interleaved: the two runs' steps alternate rather than one finishing first.
    const order = points.map((p) => p.runId);
    expect(order.indexOf('b')).toBeLessThan(order.lastIndexOf('a'));
    const progress = driver.of('runProgress').filter((p) => p.runId === 'a').pop()!;
    expect(progress).toMatchObject({ step: 6, totalSteps: 6, etaMs: 0 });
    // The trained adapters are kept (for Try it and export); the trainers are freed.
    expect(tf.memory().numTensors).toBeGreaterThan(before);
  });

  it('classifies an image with the base model and each trained run', async () => {
    const rgba = new Uint8ClampedArray(16 * 16 * 4).fill(200);
    const reply = (await driver.request({ type: 'classify', image: { width: 16, height: 16, rgba }, runIds: ['a', 'b'], k: 2 })) as WorkerEventOf<'classification'>;
    expect(reply.outputs.map((o) => o.runId)).toEqual([null, 'a', 'b']);
    expect(reply.outputs.every((o) => o.error === null && o.top.length === 2)).toBe(true);
    // The runs have a new two-class head named by the dataset's labels.
    expect(reply.outputs[1].top.map((t) => t.label).sort()).toEqual(['blue', 'red']);
  });

  it("scores a labelled folder: each run's accuracy is its top-1 classifications counted, the base model's classes do not match, other labels are left out", async () => {
    const green: DroppedFile[] = imageFiles(2).slice(0, 2).map((f, i) => ({ path: `colours/green/${i}.png`, file: f.file }));
    const files = [...imageFiles(4), ...green];
    const before = tf.memory().numTensors;
    const reply = (await driver.request({ type: 'scoreFolder', files, runIds: ['a', 'b', 'nowhere'] })) as WorkerEventOf<'folderScores'>;
    expect(tf.memory().numTensors).toBe(before);
    const { result } = reply;
    expect(result).toMatchObject({ name: 'colours', images: 10, scored: 10, labels: ['blue', 'green', 'red'] });
    expect(result.outputs.map((o) => o.runId)).toEqual([null, 'a', 'b', 'nowhere']);
    // The fixture's own head has other class names: nothing of the folder is its classes.
    expect(result.outputs[0].error).toMatch(/none of the folder's labels \(blue, green, red\) is one of the \d+ classes/);
    expect(result.outputs[3].error).toMatch(/has no trained adapter/);
    // The same images one by one through 'classify' (classifyTopK, another code path than the batched scoring).
    const { decode } = await import('fast-png');
    for (const [i, id] of ['a', 'b'].entries()) {
      const output = result.outputs[i + 1];
      expect(output).toMatchObject({ total: 8, excluded: 2, error: null });
      let correct = 0;
      for (const f of files.filter((f) => !f.path.includes('green'))) {
        const png = decode(new Uint8Array(await f.file.arrayBuffer()));
        const image = { width: png.width, height: png.height, rgba: new Uint8ClampedArray(png.data) };
        const one = (await driver.request({ type: 'classify', image, runIds: [id], k: 1 })) as WorkerEventOf<'classification'>;
        if (one.outputs[1].top[0].label === f.path.split('/')[1]) correct++;
      }
      expect(output.correct).toBe(correct);
      expect(output.accuracy).toBeCloseTo(correct / 8, 12);
    }
    const stages = driver.of('folderProgress').filter((p) => p.requestId === reply.requestId);
    expect(stages.at(-1)).toMatchObject({ stage: 'scoring', done: 3, total: 3 });
  });

  it('a folder of text instead of images is refused, naming it', async () => {
    const reply = await driver.request({ type: 'scoreFolder', files: [textFile('notes.txt', 5)], runIds: ['a'] });
    expect(reply).toMatchObject({ type: 'error', command: 'scoreFolder', message: expect.stringMatching(/notes\.txt.*not labelled images/) });
  });

  it('exports an adapter zip that loads back onto the model', async () => {
    const reply = (await driver.request({ type: 'exportAdapter', runId: 'a' })) as WorkerEventOf<'exportReady'>;
    expect(reply.fileName).toBe('wegeft-a-adapter.zip');
    const files = unzipSync(reply.bytes);
    // A classifier's export carries its label mapping (config.json) and the loading code (README.md).
    expect(Object.keys(files).sort()).toEqual(['README.md', 'adapter_config.json', 'adapter_model.safetensors', 'config.json']);
    const config = JSON.parse(new TextDecoder().decode(files['adapter_config.json']));
    expect(config).toMatchObject({ peft_type: 'WEGEFT', base_model_name_or_path: 'vit' });
    expect(JSON.parse(new TextDecoder().decode(files['config.json'])).id2label).toEqual({ 0: 'blue', 1: 'red' });
  });

  it("exports WeGeFT in its authors' format on request", async () => {
    const reply = (await driver.request({ type: 'exportAdapter', runId: 'a', format: 'authors' })) as WorkerEventOf<'exportReady'>;
    expect(reply.fileName).toBe('wegeft-a-wegeft-authors-adapter.zip');
    const config = JSON.parse(new TextDecoder().decode(unzipSync(reply.bytes)['adapter_config.json']));
    expect(config).toMatchObject({ peft_type: 'WeGeFT', transform_dim: 'input', base_model_name_or_path: 'vit' });
  });

  it('exports the merged model as a checkpoint zip', async () => {
    const reply = (await driver.request({ type: 'exportMerged', runId: 'b' })) as WorkerEventOf<'exportReady'>;
    expect(Object.keys(unzipSync(reply.bytes)).sort()).toEqual(['config.json', 'model.safetensors']);
  });

  it('hands over finished adapters’ files, and takes them back into another engine (as after a reload)', async () => {
    const saved = driver.of('adapterSaved').find((e) => e.runId === 'a')!;
    expect(saved.files.config.peft_type).toBe('WEGEFT');
    const reloaded = new RuntimeDriver();
    await reloaded.request({ type: 'loadModel', source: { kind: 'files', files: fixtureFiles('vit'), label: 'vit' } });
    await reloaded.send({ type: 'addRun', run: run('a', 'wegeft', 6) });
    await reloaded.send({ type: 'restoreAdapter', runId: 'a', files: saved.files });
    const rgba = new Uint8ClampedArray(16 * 16 * 4).fill(90);
    const image = { width: 16, height: 16, rgba };
    const before = (await driver.request({ type: 'classify', image, runIds: ['a'], k: 2 })) as WorkerEventOf<'classification'>;
    const after = (await reloaded.request({ type: 'classify', image, runIds: ['a'], k: 2 })) as WorkerEventOf<'classification'>;
    expect(after.outputs[1]).toEqual(before.outputs[1]);
  });

  it('pauses, resumes and stops a run between steps', async () => {
    await driver.send({ type: 'addRun', run: run('c', 'head', 400) });
    const firstPoints = driver.waitFor((e) => e.type === 'runProgress' && e.runId === 'c');
    await driver.send({ type: 'startRun', runId: 'c' });
    await firstPoints;
    await driver.send({ type: 'pauseRun', runId: 'c' });
    expect(driver.of('runStatus').filter((s) => s.runId === 'c').pop()?.status).toBe('paused');
    const stepAtPause = driver.of('runProgress').filter((p) => p.runId === 'c').pop()!.step;
    await new Promise((r) => setTimeout(r, 100));
    expect(driver.of('runProgress').filter((p) => p.runId === 'c').pop()!.step).toBe(stepAtPause);
    const moreSteps = driver.waitFor((e) => e.type === 'runProgress' && e.runId === 'c' && e.step > stepAtPause);
    await driver.send({ type: 'startRun', runId: 'c' });
    await moreSteps;
    await driver.send({ type: 'stopRun', runId: 'c' });
    await driver.runtime.scheduler.idle();
    expect(driver.of('runStatus').filter((s) => s.runId === 'c').pop()?.status).toBe('stopped');
    expect(driver.of('runFinished').some((e) => e.runId === 'c')).toBe(false);
  });

  it('a run whose loss becomes NaN stops with a message saying so; the other runs and the model are unharmed', async () => {
    const spec = run('nan', 'full', 20);
    spec.settings.training.learningRate = 1e30;
    await driver.send({ type: 'addRun', run: spec });
    const failed = driver.waitFor((e) => e.type === 'runFailed' && e.runId === 'nan');
    await driver.send({ type: 'startRun', runId: 'nan' });
    const failure = (await failed) as WorkerEventOf<'runFailed'>;
    expect(failure.kind).toBe('non-finite-loss');
    expect(failure.message).toMatch(/the loss became (NaN|Infinity|-Infinity) at step \d+/);
    const rgba = new Uint8ClampedArray(16 * 16 * 4).fill(10);
    const reply = (await driver.request({ type: 'classify', image: { width: 16, height: 16, rgba }, runIds: ['a'], k: 1 })) as WorkerEventOf<'classification'>;
    expect(reply.outputs.every((o) => o.error === null && Number.isFinite(o.top[0].probability))).toBe(true);
    await driver.send({ type: 'removeRun', runId: 'nan' });
  });

  it('frees every tensor of removed runs', async () => {
    const withRuns = tf.memory().numTensors;
    for (const id of ['a', 'b', 'c']) await driver.send({ type: 'removeRun', runId: id });
    expect(tf.memory().numTensors).toBeLessThan(withRuns);
    const reply = await driver.request({ type: 'exportAdapter', runId: 'a' });
    expect(reply).toMatchObject({ type: 'error', command: 'exportAdapter' });
  });

  it('a broken image gets an error naming the file, and the loaded dataset stays', async () => {
    const files = [...imageFiles(2), { path: 'colours/red/broken.png', file: new File([new Uint8Array([1, 2, 3])], 'broken.png') }];
    const reply = await driver.request({ type: 'loadDataset', source: { kind: 'files', files }, validationFraction: 0.2 });
    expect(reply).toMatchObject({ type: 'error', command: 'loadDataset' });
    expect((reply as WorkerEventOf<'error'>).message).toContain('broken.png');
    const count = (await driver.request({ type: 'countTrainable', settings: { method: 'head' } })) as WorkerEventOf<'trainableCount'>;
    expect(count.problems).toEqual([]);
  });

  it('text data for an image model is refused, naming the file', async () => {
    const reply = await driver.request({ type: 'loadDataset', source: { kind: 'files', files: [textFile('notes.txt', 3)] }, validationFraction: 0.1 });
    expect((reply as WorkerEventOf<'error'>).message).toMatch(/notes\.txt.*classifies images/);
  });
});

describe('the worker runtime, on a language model', () => {
  const driver = new RuntimeDriver();

  it('trains on a text file, then generates with the base model and the run side by side', async () => {
    await driver.request({ type: 'loadModel', source: { kind: 'files', files: fixtureFiles('gpt2', { 'tokenizer.json': charTokenizerJson() }) } });
    const data = (await driver.request({ type: 'loadDataset', source: { kind: 'files', files: [textFile('story.txt', 40)] }, validationFraction: 0.1 })) as WorkerEventOf<'datasetLoaded'>;
    expect(data.summary).toMatchObject({ task: 'causal-lm', examples: 1, files: ['story.txt'] });
    // A character-level tokenizer without a newline token: one token per character but the 39 line breaks.
    expect(data.summary.tokens).toBe(data.summary.characters! - 39);
    await driver.send({ type: 'addRun', run: run('t', 'lora', 4, { evalEvery: 2 }) });
    const done = driver.waitFor(finished('t'));
    await driver.send({ type: 'startRun', runId: 't' });
    const result = (await done) as WorkerEventOf<'runFinished'>;
    expect(result.finalEval).toMatchObject({ kind: 'lm' });
    const points = driver.of('runMetrics').flatMap((e) => e.points);
    expect(points.filter((p) => p.validation !== null).map((p) => p.step)).toEqual([2, 4]);
    expect(points.every((p) => p.tokensPerSecond !== null && p.tokensPerSecond > 0)).toBe(true);
    const reply = (await driver.request({
      type: 'generate',
      prompt: 'the cat',
      runIds: ['t'],
      settings: { maxNewTokens: 5, temperature: 0, topK: 0, seed: 0 },
    })) as WorkerEventOf<'generation'>;
    expect(reply.outputs.map((o) => [o.runId, o.error])).toEqual([
      [null, null],
      ['t', null],
    ]);
    expect(reply.outputs[0].text.length).toBeGreaterThan(0);
    // Each candidate's text streamed token by token before the answer, ending with the answer's text.
    const streamed = driver.of('generationText').filter((e) => e.requestId === reply.requestId);
    for (const output of reply.outputs) {
      const own = streamed.filter((e) => (e.runId ?? null) === output.runId);
      expect(own.map((e) => e.tokens)).toEqual([1, 2, 3, 4, 5]);
      expect(own.at(-1)!.text).toBe(output.text);
    }
  });

  it('Stop ends a generation between two tokens: the one under way keeps its text, the rest are left out', async () => {
    const maxNewTokens = 256; // far more than it gets to make before the Stop lands
    const first = driver.waitFor((e) => e.type === 'generationText');
    const answer = driver.request({ type: 'generate', prompt: 'the cat', runIds: ['t'], settings: { maxNewTokens, temperature: 0, topK: 0, seed: 0 } });
    await first;
    // Sent as a separate task, as a message from the page would come: generation must let it in.
    setTimeout(() => void driver.send({ type: 'stopGeneration' }), 0);
    const reply = (await answer) as WorkerEventOf<'generation'>;
    const [base, run] = reply.outputs;
    expect(base).toMatchObject({ runId: null, error: null, stopped: true });
    const streamed = driver.of('generationText').filter((e) => e.requestId === reply.requestId);
    expect(streamed.length).toBeGreaterThan(0);
    expect(streamed.length).toBeLessThan(maxNewTokens);
    expect(streamed.at(-1)!.text).toBe(base.text);
    expect(run).toEqual({ runId: 't', text: '', error: null, stopped: true });
    // Nothing in flight any more: a Stop now changes nothing, and the next generation runs to its end.
    await driver.send({ type: 'stopGeneration' });
    const next = (await driver.request({ type: 'generate', prompt: 'the', runIds: [], settings: { maxNewTokens: 3, temperature: 0, topK: 0, seed: 0 } })) as WorkerEventOf<'generation'>;
    expect(next.outputs[0].stopped).toBeUndefined();
  });

  it('a dropped text file named *.val.* is held out as the validation data', async () => {
    const files = [textFile('story.txt', 40), textFile('story.val.txt', 10)];
    const data = (await driver.request({ type: 'loadDataset', source: { kind: 'files', files }, validationFraction: 0.1 })) as WorkerEventOf<'datasetLoaded'>;
    expect(data.summary).toMatchObject({ examples: 2, trainCount: 1, validationCount: 1, files: ['story.txt', 'story.val.txt'] });
  });

  it('a run that cannot start says why (a sequence longer than the context)', async () => {
    await driver.send({ type: 'addRun', run: run('long', 'lora', 2, { seqLength: 100_000 }) });
    const failed = driver.waitFor((e) => e.type === 'runFailed' && e.runId === 'long');
    await driver.send({ type: 'startRun', runId: 'long' });
    expect(((await failed) as WorkerEventOf<'runFailed'>).message).toMatch(/longer than the model's context/);
  });

  it('an adapter exported from the playground loads back onto the same model', async () => {
    const reply = (await driver.request({ type: 'exportAdapter', runId: 't' })) as WorkerEventOf<'exportReady'>;
    const files = unzipSync(reply.bytes);
    expect(JSON.parse(new TextDecoder().decode(files['adapter_config.json'])).peft_type).toBe('LORA');
    const model = await loadModel(new DirectorySource(fixtureDir('gpt2')));
    const adapter = loadAdapter(model, { config: JSON.parse(new TextDecoder().decode(files['adapter_config.json'])), weights: files['adapter_model.safetensors'] });
    const inputIds = tf.tensor2d([[1, 2, 3]], [1, 3], 'int32');
    const logits = model.withPatch(adapter.patch(), () => model.forward({ inputIds }));
    expect(logits.shape).toEqual([1, 3, 96]);
    tf.dispose([inputIds, logits]);
    adapter.dispose();
    model.dispose();
  });
});

describe('the worker runtime, one run at a time', () => {
  const driver = new RuntimeDriver();

  it('in sequential mode a second run waits (queued) until the first finishes', async () => {
    await driver.request({ type: 'loadModel', source: { kind: 'files', files: fixtureFiles('vit') } });
    const data = (await driver.request({ type: 'loadDataset', source: { kind: 'files', files: imageFiles(4) }, validationFraction: 0.5, evaluationLimit: 3 })) as WorkerEventOf<'datasetLoaded'>;
    expect(data.summary.warnings).toContain('Evaluation uses a fixed, stratified 3 of the 4 held-out examples, to keep it quick.');
    await driver.send({ type: 'setScheduleMode', mode: 'sequential' });
    await driver.send({ type: 'addRun', run: run('first', 'head', 3) });
    await driver.send({ type: 'addRun', run: run('second', 'head', 3) });
    const done = driver.waitFor(finished('second'));
    await driver.send({ type: 'startRun', runId: 'first' });
    await driver.send({ type: 'startRun', runId: 'second' });
    expect(driver.of('runStatus').filter((s) => s.runId === 'second').pop()?.status).toBe('queued');
    await done;
    const order = driver.of('runMetrics').flatMap((e) => e.points.map((p) => p.runId));
    expect(order.lastIndexOf('first')).toBeLessThan(order.indexOf('second'));
    const secondStatuses = driver.of('runStatus').filter((s) => s.runId === 'second').map((s) => s.status);
    expect(secondStatuses.slice(0, 2)).toEqual(['queued', 'running']);
    expect(new Set(secondStatuses.slice(2))).toEqual(new Set(['running']));
  });
});

describe('the worker runtime, switching backend', () => {
  const driver = new RuntimeDriver();

  it('reloads the model on the new backend, keeps trained adapters, and a start sent meanwhile waits for it', async () => {
    await driver.request({ type: 'loadModel', source: { kind: 'files', files: fixtureFiles('vit') } });
    await driver.request({ type: 'loadDataset', source: { kind: 'files', files: imageFiles(4) }, validationFraction: 0.25 });
    await driver.send({ type: 'addRun', run: run('x', 'lora', 2) });
    const xDone = driver.waitFor(finished('x'));
    await driver.send({ type: 'startRun', runId: 'x' });
    await xDone;
    const image = { width: 16, height: 16, rgba: new Uint8ClampedArray(16 * 16 * 4).fill(120) };
    const before = (await driver.request({ type: 'classify', image, runIds: ['x'], k: 3 })) as WorkerEventOf<'classification'>;

    await driver.send({ type: 'addRun', run: run('y', 'head', 2) });
    const yDone = driver.waitFor(finished('y'));
    const switched = driver.request({ type: 'setBackend', preference: 'cpu' });
    void driver.send({ type: 'startRun', runId: 'y' });
    const reply = await switched;
    expect(reply.type).toBe('modelLoaded');
    await yDone;
    expect(driver.of('runFailed')).toEqual([]);
    const after = (await driver.request({ type: 'classify', image, runIds: ['x'], k: 3 })) as WorkerEventOf<'classification'>;
    expect(after.outputs[1].top.map((t) => t.label)).toEqual(before.outputs[1].top.map((t) => t.label));
    after.outputs[1].top.forEach((t, i) => expect(t.probability).toBeCloseTo(before.outputs[1].top[i].probability, 5));
  });
});
