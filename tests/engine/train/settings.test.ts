/** Run settings: defaults (transformers' where they apply), per-method learning rates, validation, run length. */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TRAIN_SETTINGS,
  scheduleFor,
  totalStepsFor,
  trainSettingsWithDefaults,
  validateTrainSettings,
} from '../../../src/engine/train/settings';

describe('trainSettingsWithDefaults', () => {
  it('fills what is not given, with the method’s learning rate', () => {
    expect(trainSettingsWithDefaults({})).toEqual({ ...DEFAULT_TRAIN_SETTINGS, learningRate: 1e-3 });
    expect(trainSettingsWithDefaults({}, 5e-4).learningRate).toBe(5e-4);
    expect(trainSettingsWithDefaults({ learningRate: 5e-3 }, 5e-4).learningRate).toBe(5e-3);
  });

  it('lets steps replace the default epoch count, and a warm-up ratio the default warm-up steps', () => {
    const settings = trainSettingsWithDefaults({ steps: 50, warmupRatio: 0.1 });
    expect(settings.steps).toBe(50);
    expect(settings.epochs).toBeUndefined();
    expect(settings.warmupSteps).toBeUndefined();
    expect(scheduleFor(settings, 50)).toEqual({ name: 'linear', warmupSteps: 5, totalSteps: 50 });
  });

  it('ignores keys given as undefined', () => {
    expect(trainSettingsWithDefaults({ batchSize: undefined }).batchSize).toBe(8);
  });
});

describe('totalStepsFor', () => {
  it('is the given steps, or enough steps to cover the epochs', () => {
    const base = trainSettingsWithDefaults({});
    expect(totalStepsFor({ ...base, steps: 7 }, 1000)).toBe(7);
    // 100 samples, batch 8 × accumulation 2 = 16 per step: 2 epochs → ceil(200 / 16) = 13.
    expect(totalStepsFor({ ...base, epochs: 2, batchSize: 8, gradientAccumulation: 2 }, 100)).toBe(13);
    expect(totalStepsFor({ ...base, epochs: 0.01 }, 10)).toBe(1);
  });
});

describe('validateTrainSettings', () => {
  it('accepts the defaults', () => {
    expect(validateTrainSettings(trainSettingsWithDefaults({}))).toEqual([]);
  });

  it('names every problem', () => {
    const problems = validateTrainSettings({
      ...trainSettingsWithDefaults({}),
      steps: 1.5,
      batchSize: 0,
      gradientAccumulation: 0,
      learningRate: Number.NaN,
      beta1: 1,
      beta2: -0.1,
      epsilon: 0,
      maxGradNorm: -1,
      weightDecay: -1,
      warmupRatio: 2,
      lossReadbackEvery: 0,
      seed: 0.5,
    });
    expect(problems).toHaveLength(12);
    expect(problems.join('\n')).toMatch(/steps must be a whole number ≥ 1, got 1.5/);
    expect(problems.join('\n')).toMatch(/beta1 must be in \[0, 1\), got 1/);
  });

  it('wants a run length', () => {
    const { epochs: _epochs, ...rest } = trainSettingsWithDefaults({});
    expect(validateTrainSettings(rest)).toEqual(['give either steps or epochs']);
  });
});
