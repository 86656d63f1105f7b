/**
 * A classifier run ends with its per-class report on the held-out images:
 * the confusion matrix agrees with the run's own final accuracy, and the
 * misclassified images come back as small thumbnails with their classes.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { formForMethod, toRunSettings } from '../../src/ui/schemas/run-form';
import type { WorkerEventOf } from '../../src/worker/protocol';
import { useBackend } from '../helpers/backend';
import { RuntimeDriver, fixtureFiles, imageFiles } from './runtime-helpers';

beforeAll(async () => {
  await useBackend('cpu');
});

describe('the worker: a classifier run\'s class report', () => {
  const driver = new RuntimeDriver();

  it('counts every held-out image once, agrees with the final accuracy, and shows the misclassified ones', async () => {
    await driver.request({ type: 'loadModel', source: { kind: 'files', files: fixtureFiles('vit'), label: 'vit' } });
    await driver.request({ type: 'loadDataset', source: { kind: 'files', files: imageFiles(10) }, validationFraction: 0.4 });
    // Two steps of head-only training: some held-out images still wrong.
    const form = { ...formForMethod('head', undefined, 'image-classification'), steps: 2, batchSize: 4, learningRate: 1e-3 };
    const train = async (id: string) => {
      await driver.send({ type: 'addRun', run: { id, name: id, settings: toRunSettings(form) } });
      const done = driver.waitFor((e) => e.type === 'runFinished' && e.runId === id);
      await driver.send({ type: 'startRun', runId: id });
      return (await done) as WorkerEventOf<'runFinished'>;
    };
    // A first run makes what the engine keeps between runs (the data's tensors): counted from after it.
    await train('warm-up');
    await driver.send({ type: 'removeRun', runId: 'warm-up' });
    const before = tf.memory().numTensors;
    const finished = await train('h');
    const { report } = driver.of('runClassReport').find((e) => e.runId === 'h')!;
    expect(report.labels).toEqual(['blue', 'red']);
    expect(report.examples).toBe(8);
    const cells = report.confusion.flat();
    expect(cells.reduce((a, b) => a + b, 0)).toBe(8);
    const diagonal = report.confusion[0][0] + report.confusion[1][1];
    expect(report.accuracy).toBe(diagonal / 8);
    expect(finished.finalEval).toMatchObject({ kind: 'classifier', accuracy: report.accuracy });
    expect(report.perClass.map((c) => c.total)).toEqual([4, 4]);
    expect(report.misclassifiedCount).toBe(8 - diagonal);
    expect(report.misclassified.length).toBe(8 - diagonal);
    for (const m of report.misclassified) {
      expect(m.label).not.toBe(m.predicted);
      expect(m.image.rgba.length).toBe(m.image.width * m.image.height * 4);
      expect(Math.max(m.image.width, m.image.height)).toBeLessThanOrEqual(56);
    }
    // The run keeps its adapter (Try it, export); the report's predictions left nothing behind.
    await driver.send({ type: 'removeRun', runId: 'h' });
    expect(tf.memory().numTensors).toBe(before);
  });
});
