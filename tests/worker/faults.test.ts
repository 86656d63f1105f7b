/**
 * Faults during a run, in the engine: checkpoints at a cadence and on pause;
 * a new engine (as after a reload or a crashed worker) resumes a run from its
 * checkpoint at the step it reached and continues the same curve; a lost
 * device or device out-of-memory fails every training run at once (even in
 * the middle of a step that never ends), and the run resumes on another
 * backend; warnings for a warm-up longer than the run.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../helpers/backend';
import type { RunCheckpoint, RunSpec, WorkerEventOf } from '../../src/worker/protocol';
import { toRunSettings, formForMethod } from '../../src/ui/schemas/run-form';
import { RuntimeDriver, fixtureFiles, imageFiles } from './runtime-helpers';

beforeAll(async () => {
  await useBackend('cpu');
});

function run(id: string, steps: number, extra: Record<string, unknown> = {}): RunSpec {
  const form = { ...formForMethod('wegeft'), rank: 2, alpha: 4, steps, batchSize: 4, learningRate: 1e-2, evalEvery: 0, ...extra };
  return { id, name: `wegeft ${id}`, settings: toRunSettings(form) };
}

async function ready(driver: RuntimeDriver): Promise<void> {
  await driver.request({ type: 'loadModel', source: { kind: 'files', files: fixtureFiles('vit') } });
  await driver.request({ type: 'loadDataset', source: { kind: 'files', files: imageFiles(6) }, validationFraction: 0.25 });
}

const progressOf = (driver: RuntimeDriver, id: string) => driver.of('runProgress').filter((p) => p.runId === id);
/** Each step's loss, once (the final evaluation repeats the last step's point with its validation). */
const lossesOf = (driver: RuntimeDriver, id: string) => {
  const points = driver.of('runMetrics').flatMap((m) => m.points).filter((p) => p.runId === id && p.loss !== null && !p.validation);
  return points.map((p) => [p.step, p.loss!] as const);
};

describe('checkpoints and resume', () => {
  it('checkpoints on pause; a new engine resumes from that step and continues the same loss curve', async () => {
    const straight = new RuntimeDriver();
    await ready(straight);
    await straight.send({ type: 'addRun', run: run('s', 12) });
    await straight.send({ type: 'startRun', runId: 's' });
    await straight.waitFor((e) => e.type === 'runFinished');
    const expected = lossesOf(straight, 's');
    expect(expected.map((p) => p[0])).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);

    const first = new RuntimeDriver();
    await ready(first);
    await first.send({ type: 'addRun', run: run('r', 12) });
    const reached = first.waitFor((e) => e.type === 'runProgress' && e.step >= 3);
    await first.send({ type: 'startRun', runId: 'r' });
    await reached;
    await first.send({ type: 'pauseRun', runId: 'r' });
    const { checkpoint } = (await first.waitFor((e) => e.type === 'runCheckpoint', true)) as WorkerEventOf<'runCheckpoint'>;
    const pausedAt = progressOf(first, 'r').pop()!.step;
    expect(checkpoint.step).toBe(pausedAt);
    // Every step up to the checkpoint has its point, losses read back included.
    expect(lossesOf(first, 'r').map((p) => p[0])).toEqual(Array.from({ length: pausedAt }, (_, i) => i + 1));
    expect(checkpoint.computeMs).toBeGreaterThan(0);
    expect(checkpoint.wallMs).toBeGreaterThanOrEqual(checkpoint.computeMs);

    // As after a reload: a new engine, the checkpoint as structured clone gives it.
    const second = new RuntimeDriver();
    await ready(second);
    await second.send({ type: 'addRun', run: run('r', 12) });
    await second.send({ type: 'startRun', runId: 'r', resume: structuredClone(checkpoint) as RunCheckpoint });
    await second.waitFor((e) => e.type === 'runFinished');
    expect(second.of('runMetrics')[0].points[0].step).toBe(pausedAt + 1);
    const resumed = [...lossesOf(first, 'r'), ...lossesOf(second, 'r')];
    expect(resumed.map((p) => p[0])).toEqual(expected.map((p) => p[0]));
    resumed.forEach(([, loss], i) => expect(loss).toBeCloseTo(expected[i][1], 4));
    // The clocks continue from the checkpoint's.
    const firstPoint = second.of('runMetrics').flatMap((m) => m.points)[0];
    expect(firstPoint.timeMs).toBeGreaterThan(checkpoint.computeMs);
    expect(firstPoint.wallMs!).toBeGreaterThan(checkpoint.wallMs);
  }, 120_000);

  it('checkpoints at the cadence while training', async () => {
    const driver = new RuntimeDriver({ checkpointIntervalMs: 1 });
    await ready(driver);
    await driver.send({ type: 'addRun', run: run('c', 6) });
    await driver.send({ type: 'startRun', runId: 'c' });
    await driver.waitFor((e) => e.type === 'runFinished');
    const steps = driver.of('runCheckpoint').map((e) => e.checkpoint.step);
    // Every step but the last (a finished run keeps its adapter instead).
    expect(steps).toEqual([1, 2, 3, 4, 5]);
  }, 60_000);

  it('refuses a checkpoint of other settings with the reason, as a failed start', async () => {
    const driver = new RuntimeDriver();
    await ready(driver);
    await driver.send({ type: 'addRun', run: run('x', 8) });
    const reached = driver.waitFor((e) => e.type === 'runProgress' && e.step >= 2);
    await driver.send({ type: 'startRun', runId: 'x' });
    await reached;
    await driver.send({ type: 'pauseRun', runId: 'x' });
    const { checkpoint } = (await driver.waitFor((e) => e.type === 'runCheckpoint', true)) as WorkerEventOf<'runCheckpoint'>;
    await driver.runtime.scheduler.idle();
    await driver.send({ type: 'updateRun', run: run('x', 20) });
    await driver.send({ type: 'startRun', runId: 'x', resume: checkpoint });
    const failed = driver.of('runFailed').pop()!;
    expect(failed.message).toMatch(/run of 8 steps, these settings and data give 20/);
    expect(failed.suggestedBackend).toBeNull();
  }, 60_000);
});

describe('device faults', () => {
  it('a lost device fails every training run at once, even mid-step, says so, and the run resumes on another backend', async () => {
    const driver = new RuntimeDriver({ checkpointIntervalMs: 1 });
    await ready(driver);
    await driver.send({ type: 'addRun', run: run('a', 400) });
    await driver.send({ type: 'addRun', run: run('b', 400) });
    const checkpointed = driver.waitFor((e) => e.type === 'runCheckpoint' && e.checkpoint.runId === 'a' && e.checkpoint.step >= 2);
    await driver.send({ type: 'startRun', runId: 'a' });
    await driver.send({ type: 'startRun', runId: 'b' });
    await checkpointed;
    driver.runtime.deviceFault('device-lost', 'destroyed');
    await driver.runtime.scheduler.idle();
    const failures = driver.of('runFailed');
    expect(failures.map((f) => f.runId).sort()).toEqual(['a', 'b']);
    for (const f of failures) {
      expect(f.kind).toBe('device-lost');
      expect(f.message).toMatch(/GPU device was lost .*destroyed/);
      expect(f.suggestedBackend).not.toBeNull();
    }
    const tensors = tf.memory().numTensors;
    // The lost device takes no more runs: a start fails at once, saying why.
    await driver.send({ type: 'startRun', runId: 'b' });
    expect(driver.of('runFailed').pop()!.kind).toBe('device-lost');
    expect(tf.memory().numTensors).toBe(tensors);

    // Resume on another backend: the model is loaded again there, and the run continues from its last checkpoint.
    const last = driver.of('runCheckpoint').filter((e) => e.checkpoint.runId === 'a').pop()!.checkpoint;
    await driver.request({ type: 'setBackend', preference: 'cpu' });
    const progressed = driver.waitFor((e) => e.type === 'runProgress' && e.runId === 'a' && e.step > last.step);
    const count = driver.of('runMetrics').length;
    await driver.send({ type: 'startRun', runId: 'a', resume: last });
    await progressed;
    await driver.waitFor((e) => e.type === 'runMetrics' && e.points.some((p) => p.runId === 'a' && p.step > last.step), true);
    const next = driver.of('runMetrics').slice(count).flatMap((m) => m.points).find((p) => p.runId === 'a')!;
    expect(next.step).toBe(last.step + 1);
    await driver.send({ type: 'stopRun', runId: 'a' });
    await driver.runtime.scheduler.idle();
  }, 120_000);

  it('out of memory on the device fails the runs with a message suggesting a smaller batch or another backend', async () => {
    const driver = new RuntimeDriver();
    await ready(driver);
    await driver.send({ type: 'addRun', run: run('m', 400) });
    const stepped = driver.waitFor((e) => e.type === 'runProgress');
    await driver.send({ type: 'startRun', runId: 'm' });
    await stepped;
    driver.runtime.deviceFault('out-of-memory', 'GPUOutOfMemoryError: not enough memory left');
    await driver.runtime.scheduler.idle();
    const failure = driver.of('runFailed').pop()!;
    expect(failure.kind).toBe('out-of-memory');
    expect(failure.message).toMatch(/^Out of memory .*smaller batch/);
    expect(failure.suggestedBackend).not.toBeNull();
    // Out of memory does not retire the device: the run can start again on it.
    await driver.send({ type: 'startRun', runId: 'm' });
    expect(driver.of('runStatus').filter((e) => e.runId === 'm').pop()!.status).toBe('running');
    await driver.send({ type: 'stopRun', runId: 'm' });
    await driver.runtime.scheduler.idle();
  }, 60_000);

  it('warns when the warm-up is as long as the run, at the start, as a run warning', async () => {
    const driver = new RuntimeDriver();
    await ready(driver);
    await driver.send({ type: 'addRun', run: run('w', 3, { warmupSteps: 10 }) });
    await driver.send({ type: 'startRun', runId: 'w' });
    await driver.waitFor((e) => e.type === 'runFinished');
    const warnings = driver.of('runWarning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ runId: 'w', step: 0 });
    expect(warnings[0].message).toMatch(/warm-up \(10 steps\)/);
  }, 60_000);
});

describe('progress and clocks', () => {
  it('interleaved: elapsed is the wall clock (the other run’s turns included), compute the run’s own; no ETA from the first step alone', async () => {
    const driver = new RuntimeDriver();
    await ready(driver);
    await driver.send({ type: 'addRun', run: run('a', 10) });
    await driver.send({ type: 'addRun', run: run('b', 10) });
    await driver.send({ type: 'startRun', runId: 'a' });
    await driver.send({ type: 'startRun', runId: 'b' });
    await driver.waitFor((e) => e.type === 'runFinished' && e.runId === 'a');
    await driver.runtime.scheduler.idle();
    const progress = progressOf(driver, 'a');
    // The first step compiles kernels and fills caches: an ETA from it alone would mislead.
    for (const p of progress.filter((p) => p.step === 1)) expect(p.etaMs).toBeNull();
    const mid = progress.find((p) => p.step >= 3 && p.step < 10)!;
    expect(mid.etaMs).toBeGreaterThan(0);
    const last = progress.pop()!;
    expect(last.step).toBe(10);
    expect(last.etaMs).toBe(0);
    // Two alike runs take turns: a's wall clock holds b's steps as well as its own.
    expect(last.elapsedMs).toBeGreaterThan(1.3 * last.computeMs!);
    const points = driver.of('runMetrics').flatMap((m) => m.points).filter((p) => p.runId === 'a' && !p.validation);
    // (Compute time is spread evenly over the steps between read-backs; at the last step both clocks are exact.)
    const end = points[points.length - 1];
    expect(end.wallMs!).toBeGreaterThan(1.3 * end.timeMs);
  }, 60_000);
});
