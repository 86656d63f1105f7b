/**
 * The worker checks a run's estimated peak memory before it starts: a run
 * over the budget is refused with the numbers and what would fit (a smaller
 * batch with accumulation keeping the effective batch, or checkpointing),
 * before anything is allocated; the proposal, applied, starts and finishes.
 * The count request carries the same estimate for the Methods form.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { formForMethod, toRunSettings } from '../../src/ui/schemas/run-form';
import type { RunSpec, WorkerEventOf } from '../../src/worker/protocol';
import { useBackend } from '../helpers/backend';
import { RuntimeDriver, charTokenizerJson, fixtureFiles, textFile } from './runtime-helpers';

beforeAll(async () => {
  await useBackend('cpu');
});

function run(id: string, batchSize: number, extra: Partial<RunSpec['settings']['training']> = {}): RunSpec {
  const form = { ...formForMethod('lora'), rank: 4, alpha: 8, steps: 2, batchSize, seqLength: 32 };
  const settings = toRunSettings(form);
  return { id, name: id, settings: { ...settings, training: { ...settings.training, ...extra } } };
}

const ended = (id: string) => (e: { type: string; runId?: string }) => (e.type === 'runFailed' || e.type === 'runFinished') && e.runId === id;

describe('the memory planner in the worker', () => {
  it('estimates before a run, refuses one over the budget with numbers and a proposal, and runs the proposal', async () => {
    // First the estimates with no limit, to set a budget between the two batch sizes.
    const probe = new RuntimeDriver();
    await probe.request({ type: 'loadModel', source: { kind: 'files', files: fixtureFiles('gpt2', { 'tokenizer.json': charTokenizerJson() }) } });
    await probe.request({ type: 'loadDataset', source: { kind: 'files', files: [textFile('train.txt', 120)] }, validationFraction: 0.1 });
    const estimate = async (driver: RuntimeDriver, spec: RunSpec) =>
      ((await driver.request({ type: 'countTrainable', settings: spec.settings.method, training: spec.settings.training })) as WorkerEventOf<'trainableCount'>).memory!;
    const big = await estimate(probe, run('big', 32));
    const small = await estimate(probe, run('small', 8, { gradientAccumulation: 4 }));
    expect(big.fits).toBe(true);
    expect(small.peakBytes).toBeLessThan(big.peakBytes);
    expect(big.summary).toMatch(/^estimated peak ~[\d,]+ MB \(weights [\d,]+ MB, trainable \+ AdamW [\d,]+ MB, one step [\d,]+ MB\) of [\d,]+ MB on cpu$/);

    const budget = Math.round((big.peakBytes + small.peakBytes) / 2);
    const driver = new RuntimeDriver({ memoryBudgetBytes: budget });
    await driver.request({ type: 'loadModel', source: { kind: 'files', files: fixtureFiles('gpt2', { 'tokenizer.json': charTokenizerJson() }) } });
    await driver.request({ type: 'loadDataset', source: { kind: 'files', files: [textFile('train.txt', 120)] }, validationFraction: 0.1 });
    const refusedEstimate = await estimate(driver, run('big', 32));
    expect(refusedEstimate.fits).toBe(false);

    const tensorsBefore = tf.memory().numTensors;
    await driver.send({ type: 'addRun', run: run('big', 32) });
    const done = driver.waitFor(ended('big'));
    await driver.send({ type: 'startRun', runId: 'big' });
    const failed = (await done) as WorkerEventOf<'runFailed'>;
    expect(failed.type).toBe('runFailed');
    expect(failed.kind).toBe('out-of-memory');
    expect(failed.message).toBe(refusedEstimate.refusal);
    expect(failed.message).toMatch(/^This run does not fit: its estimated peak, ~[\d,]+ MB \(weights .*\), exceeds the [\d,]+ MB cpu offers \(the given budget\)\. Instead: batch (\d+) with (\d+) accumulation steps keeps the effective batch 32 and fits: ~[\d,]+ MB\.$/);
    // Nothing was allocated for the refused run.
    expect(tf.memory().numTensors).toBe(tensorsBefore);

    // The proposal, as given, starts and finishes.
    const [, batch, steps] = /batch (\d+) with (\d+) accumulation steps/.exec(failed.message)!;
    expect(Number(batch) * Number(steps)).toBe(32);
    await driver.send({ type: 'addRun', run: run('proposed', Number(batch), { gradientAccumulation: Number(steps) }) });
    const finished = driver.waitFor(ended('proposed'));
    await driver.send({ type: 'startRun', runId: 'proposed' });
    expect((await finished).type).toBe('runFinished');
  });
});
