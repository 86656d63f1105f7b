/**
 * The worker's runs start their validation curve at step 0 (the untrained
 * adapter, on the same held-out data), stop early after the patience the
 * form sets, and keep their best checkpoint: the finished run's adapter is
 * the best evaluation's, and says so.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { formForMethod, toRunSettings, validateRunForm } from '../../src/ui/schemas/run-form';
import type { DroppedFile, RunSpec, WorkerEventOf } from '../../src/worker/protocol';
import { useBackend } from '../helpers/backend';
import { RuntimeDriver, charTokenizerJson, fixtureFiles } from './runtime-helpers';

beforeAll(async () => {
  await useBackend('cpu');
});

const text = (name: string, line: string, lines: number): DroppedFile => ({ path: name, file: new File([Array(lines).fill(line).join('\n')], name) });

function run(id: string, extra: Record<string, unknown>): RunSpec {
  const form = { ...formForMethod('lora'), rank: 4, alpha: 8, steps: 30, batchSize: 4, seqLength: 24, learningRate: 1e-2, schedule: 'constant' as const, evalEvery: 1, ...extra };
  expect(validateRunForm(form)).toEqual({});
  return { id, name: id, settings: toRunSettings(form) };
}

const finished = (id: string) => (e: { type: string; runId?: string }) => e.type === 'runFinished' && e.runId === id;

describe('the worker: base evaluation, early stopping, best checkpoint', () => {
  const driver = new RuntimeDriver();

  it('a run with patience stops early and keeps its best weights; every run starts its curve at step 0', async () => {
    await driver.request({ type: 'loadModel', source: { kind: 'files', files: fixtureFiles('gpt2', { 'tokenizer.json': charTokenizerJson() }) } });
    // Training text teaches "b after a", the held-out text has "c after a": its loss falls, then rises.
    const files = [text('ab.txt', 'abababababababababab', 40), text('ab.val.txt', 'acacacacacacacacacac', 6)];
    await driver.request({ type: 'loadDataset', source: { kind: 'files', files }, validationFraction: 0.1 });
    await driver.send({ type: 'addRun', run: run('stop', { patience: 3, keepBest: true }) });
    await driver.send({ type: 'addRun', run: run('all', { steps: 8 }) });
    const done = Promise.all([driver.waitFor(finished('stop')), driver.waitFor(finished('all'))]);
    await driver.send({ type: 'startRun', runId: 'stop' });
    await driver.send({ type: 'startRun', runId: 'all' });
    const [stop, all] = (await done) as WorkerEventOf<'runFinished'>[];

    const bases = driver.of('runBaseEval');
    expect(bases.map((e) => e.runId).sort()).toEqual(['all', 'stop']);
    // The same untrained adapter and held-out data: the same value at step 0.
    expect(bases[0].evaluation).toEqual(bases[1].evaluation);
    const base = bases[0].evaluation;

    const points = driver.of('runMetrics').flatMap((e) => e.points).filter((p) => p.runId === 'stop');
    const evaluated = new Map(points.flatMap((p) => (p.validation ? [[p.step, p.validation.loss] as const] : [])));
    const lastStep = Math.max(...points.map((p) => p.step));
    expect(lastStep).toBeLessThan(30);
    // Every step has its loss, the ones after the last read-back included.
    expect(points.every((p) => p.loss !== null)).toBe(true);
    const losses = [[0, base.loss] as const, ...evaluated];
    const [bestStep, bestLoss] = losses.reduce((a, b) => (b[1] < a[1] ? b : a));
    expect(lastStep - bestStep).toBe(3);
    expect(stop.finalEval?.loss).toBe(bestLoss);
    expect(stop.message).toBe(`Stopped early at step ${lastStep} of 30: no lower validation loss in 3 evaluations. Kept the best checkpoint: step ${bestStep}.`);
    expect(all.message ?? null).toBeNull();
    expect(driver.of('runProgress').filter((p) => p.runId === 'all').pop()).toMatchObject({ step: 8 });
  });
});
