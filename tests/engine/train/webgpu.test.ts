/**
 * The Trainer on WebGPU (Dawn + SwiftShader here): the same run gives the
 * same losses as on the CPU backend, its memory stays flat, and the loss
 * windows (bool masks, where, broadcast) work on the GPU path.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { getAdapterMethod } from '../../../src/engine/adapters/registry';
import { DirectorySource } from '../../../src/engine/io/node-source';
import { loadModel } from '../../../src/engine/models/load';
import type { TrainingData } from '../../../src/engine/train/batches';
import { trainSettingsWithDefaults } from '../../../src/engine/train/settings';
import { Trainer, type StepMetrics } from '../../../src/engine/train/trainer';
import { useBackend } from '../../helpers/backend';
import { fixtureDir } from '../../helpers/fixtures';

function textData(): TrainingData {
  const sequences = Array.from({ length: 4 }, (_, i) => ({
    ids: Int32Array.from({ length: 8 - i }, (_, t) => (i * 11 + t * 5) % 96),
    lossMask: null,
  }));
  return { kind: 'tokens', sequences };
}

async function loraRun(): Promise<{ metrics: StepMetrics[]; finalLoss: number }> {
  const model = await loadModel(new DirectorySource(fixtureDir('gpt2')));
  const method = getAdapterMethod('lora');
  const adapter = method.create(model, method.withDefaults(model, { method: 'lora', rank: 4 }), 3);
  const data = textData();
  const trainer = new Trainer({
    model,
    adapter,
    train: data,
    validation: data,
    settings: trainSettingsWithDefaults({ steps: 4, batchSize: 2, learningRate: 0.01, lossReadbackEvery: 2, schedule: 'cosine', warmupSteps: 1 }),
  });
  const metrics: StepMetrics[] = [];
  while (!trainer.done) metrics.push(await trainer.step());
  const finalLoss = (await trainer.evaluate()).loss;
  trainer.dispose();
  adapter.dispose();
  model.dispose();
  return { metrics, finalLoss };
}

describe('Trainer on WebGPU', () => {
  it('matches the CPU run step for step, with flat memory', async () => {
    await useBackend('cpu');
    const cpu = await loraRun();
    await useBackend('webgpu');
    expect(tf.getBackend()).toBe('webgpu');
    const gpu = await loraRun();
    const losses = (run: typeof cpu) => run.metrics.flatMap((m) => m.lossesRead.map((p) => p.loss));
    expect(losses(gpu)).toHaveLength(4);
    losses(gpu).forEach((loss, i) => expect(loss).toBeCloseTo(losses(cpu)[i], 3));
    expect(gpu.finalLoss).toBeCloseTo(cpu.finalLoss, 3);
    const counts = gpu.metrics.map((m) => m.memory.numTensors);
    expect(counts.slice(1)).toEqual([counts[1], counts[1], counts[1]]);
    // The WebGPU backend reports its buffer pool.
    expect(gpu.metrics[3].memory.gpuBytesAllocated).toBeGreaterThan(0);
  });
});
