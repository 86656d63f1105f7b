/**
 * Learning-rate schedules, exactly as transformers' optimization.py defines
 * them (get_constant_schedule_with_warmup, get_linear_schedule_with_warmup,
 * get_cosine_schedule_with_warmup): a multiplier of the peak learning rate as
 * a function of the optimizer step.
 *
 * Step numbering follows PyTorch's LambdaLR as the HF Trainer drives it: the
 * first optimizer step uses the multiplier at step 0, the second at step 1,
 * and so on. With a warm-up, the first step therefore has learning rate 0,
 * just as it does there.
 */

export const SCHEDULE_NAMES = ['constant', 'linear', 'cosine'] as const;
export type ScheduleName = (typeof SCHEDULE_NAMES)[number];

export interface Schedule {
  name: ScheduleName;
  /** Optimizer steps of linear warm-up from 0 to the peak. */
  warmupSteps: number;
  /** Optimizer steps in the whole run (the linear and cosine decays end here). */
  totalSteps: number;
  /** Cosine only: waves over the decay; transformers' default 0.5 goes from peak to 0 once. */
  numCycles?: number;
}

export function isScheduleName(value: string): value is ScheduleName {
  return (SCHEDULE_NAMES as readonly string[]).includes(value);
}

/** The learning-rate multiplier in [0, 1] for optimizer step `step` (0-based). */
export function lrMultiplier(schedule: Schedule, step: number): number {
  const { warmupSteps, totalSteps } = schedule;
  if (step < warmupSteps) return step / Math.max(1, warmupSteps);
  if (schedule.name === 'constant') return 1;
  const decaySteps = Math.max(1, totalSteps - warmupSteps);
  if (schedule.name === 'linear') return Math.max(0, (totalSteps - step) / decaySteps);
  const progress = (step - warmupSteps) / decaySteps;
  const numCycles = schedule.numCycles ?? 0.5;
  return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * numCycles * 2 * progress)));
}

/** The learning rate for optimizer step `step` (0-based) with peak `peakLearningRate`. */
export function learningRateAt(schedule: Schedule, peakLearningRate: number, step: number): number {
  return peakLearningRate * lrMultiplier(schedule, step);
}

/** Warm-up steps for a ratio of the run, rounded up as transformers' TrainingArguments.get_warmup_steps does. */
export function warmupStepsForRatio(ratio: number, totalSteps: number): number {
  if (!(ratio >= 0 && ratio <= 1)) throw new Error(`the warm-up ratio must be in [0, 1], got ${ratio}`);
  return Math.ceil(totalSteps * ratio);
}

/** Problems with a schedule, in words; empty when valid. */
export function validateSchedule(schedule: Schedule): string[] {
  const problems: string[] = [];
  if (!isScheduleName(schedule.name)) {
    problems.push(`the schedule must be one of ${SCHEDULE_NAMES.join(', ')}, got "${schedule.name}"`);
  }
  if (!Number.isInteger(schedule.totalSteps) || schedule.totalSteps < 1) {
    problems.push(`the number of steps must be a whole number ≥ 1, got ${schedule.totalSteps}`);
  }
  if (!Number.isInteger(schedule.warmupSteps) || schedule.warmupSteps < 0) {
    problems.push(`the warm-up steps must be a whole number ≥ 0, got ${schedule.warmupSteps}`);
  }
  return problems;
}
