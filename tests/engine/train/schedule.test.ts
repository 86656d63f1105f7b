/**
 * Learning-rate schedules give transformers' multipliers. Expected values are
 * worked out by hand from optimization.py's lambdas at chosen steps.
 */
import { describe, expect, it } from 'vitest';
import {
  learningRateAt,
  lrMultiplier,
  validateSchedule,
  warmupStepsForRatio,
  type Schedule,
} from '../../../src/engine/train/schedule';

const at = (schedule: Schedule, steps: number[]) => steps.map((s) => lrMultiplier(schedule, s));

describe('constant schedule (get_constant_schedule[_with_warmup])', () => {
  it('is 1 at every step without warm-up', () => {
    expect(at({ name: 'constant', warmupSteps: 0, totalSteps: 5 }, [0, 1, 4, 9])).toEqual([1, 1, 1, 1]);
  });

  it('rises linearly from 0 over the warm-up, then stays at 1', () => {
    expect(at({ name: 'constant', warmupSteps: 4, totalSteps: 10 }, [0, 1, 2, 3, 4, 9])).toEqual([0, 0.25, 0.5, 0.75, 1, 1]);
  });
});

describe('linear schedule (get_linear_schedule_with_warmup)', () => {
  const schedule: Schedule = { name: 'linear', warmupSteps: 2, totalSteps: 10 };

  it('warms up, then decays linearly to 0 at the last step', () => {
    // warm-up: step/2; decay: (10 - step) / 8
    expect(at(schedule, [0, 1, 2, 3, 5, 9, 10])).toEqual([0, 0.5, 1, 0.875, 0.625, 0.125, 0]);
  });

  it('never goes below 0 past the end', () => {
    expect(lrMultiplier(schedule, 12)).toBe(0);
  });

  it('decays from step 0 without warm-up', () => {
    expect(at({ name: 'linear', warmupSteps: 0, totalSteps: 4 }, [0, 1, 2, 3])).toEqual([1, 0.75, 0.5, 0.25]);
  });
});

describe('cosine schedule (get_cosine_schedule_with_warmup, num_cycles 0.5)', () => {
  const schedule: Schedule = { name: 'cosine', warmupSteps: 2, totalSteps: 10 };

  it('warms up, then follows half a cosine from 1 to 0', () => {
    const values = at(schedule, [1, 2, 4, 6, 8, 10]);
    // progress = (step - 2) / 8; multiplier = 0.5 (1 + cos(pi progress))
    const expected = [0.5, 1, 0.5 * (1 + Math.SQRT1_2), 0.5, 0.5 * (1 - Math.SQRT1_2), 0];
    values.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 12));
  });

  it('with a full cycle comes back up to 1 at the end', () => {
    const full: Schedule = { ...schedule, numCycles: 1 };
    expect(lrMultiplier(full, 6)).toBeCloseTo(0, 12);
    expect(lrMultiplier(full, 10)).toBeCloseTo(1, 12);
  });
});

describe('learning rate, warm-up ratio, validation', () => {
  it('scales the peak learning rate', () => {
    expect(learningRateAt({ name: 'linear', warmupSteps: 0, totalSteps: 4 }, 0.01, 2)).toBeCloseTo(0.005, 15);
  });

  it('rounds a warm-up ratio up, as TrainingArguments.get_warmup_steps does', () => {
    expect(warmupStepsForRatio(0.1, 95)).toBe(10);
    expect(warmupStepsForRatio(0.1, 100)).toBe(10);
    expect(warmupStepsForRatio(0, 100)).toBe(0);
    expect(() => warmupStepsForRatio(1.5, 10)).toThrow(/ratio/);
  });

  it('reports bad names and step counts in words', () => {
    expect(validateSchedule({ name: 'linear', warmupSteps: 0, totalSteps: 3 })).toEqual([]);
    const problems = validateSchedule({ name: 'step' as never, warmupSteps: -1, totalSteps: 0 });
    expect(problems.join('\n')).toMatch(/constant, linear, cosine/);
    expect(problems.join('\n')).toMatch(/number of steps/);
    expect(problems.join('\n')).toMatch(/warm-up/);
  });
});
