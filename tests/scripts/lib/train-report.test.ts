/** The --json results, computed from hand-made step metrics. */
import { describe, expect, it } from 'vitest';
import { buildReport, median } from '../../../scripts/lib/train-report';
import type { StepMetrics } from '../../../src/engine/train/trainer';

function step(n: number, numTensors: number, read: { losses: number[]; ms: number } | null): StepMetrics {
  const first = n - (read?.losses.length ?? 0) + 1;
  return {
    step: n,
    totalSteps: 4,
    epoch: n / 2,
    learningRate: 1e-3,
    loss: read ? read.losses[read.losses.length - 1] : null,
    lossesRead: read ? read.losses.map((loss, i) => ({ step: first + i, loss, gradNorm: 1 })) : [],
    stepMs: 1,
    syncedStepMs: read?.ms ?? null,
    examples: 4,
    tokens: 100,
    memory: { numTensors, numBytes: 0 },
    peakBytes: 0,
  };
}

describe('buildReport', () => {
  const metrics = [step(1, 50, null), step(2, 60, { losses: [3, 2.5], ms: 10 }), step(3, 60, null), step(4, 61, { losses: [2, 1], ms: 30 })];
  const evaluation = { task: 'causal-lm' as const, loss: 1.5, perplexity: Math.exp(1.5), targets: 40 };

  it('has exactly the fields the issue lists, computed from the steps', () => {
    const report = buildReport({ method: 'lora', trainableParameters: 123, baseEval: null, finalEval: evaluation, metrics, peakBytes: 999, unit: 'tokens' });
    expect(report).toEqual({
      method: 'lora',
      trainable_parameters: 123,
      base_eval: null,
      final_eval: { loss: 1.5, perplexity: Math.exp(1.5) },
      initial_train_loss: 3,
      final_train_loss: 1.5,
      steps: 4,
      step_ms_median: 20,
      // 400 tokens over 2 × 10 + 2 × 30 = 80 ms.
      throughput: 5000,
      peak_bytes: 999,
      num_tensors_growth: 1,
    });
  });

  it('counts images for classifiers and reports accuracy', () => {
    const classifierEval = { task: 'image-classification' as const, loss: 0.5, accuracy: 0.75, examples: 8 };
    const report = buildReport({ method: 'head', trainableParameters: 1, baseEval: classifierEval, finalEval: classifierEval, metrics, peakBytes: 0, unit: 'images' });
    expect(report.base_eval).toEqual({ loss: 0.5, accuracy: 0.75 });
    expect(report.throughput).toBe(200);
  });
});

describe('median', () => {
  it('is the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBe(0);
  });
});
