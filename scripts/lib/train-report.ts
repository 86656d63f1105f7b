/**
 * The train CLI's results: the final `--json` line, with exactly the fields
 * the issue lists, computed from the Trainer's per-step metrics.
 */
import type { AdapterMethodName } from '../../src/engine/adapters/types';
import type { Evaluation } from '../../src/engine/train/evaluate';
import type { StepMetrics } from '../../src/engine/train/trainer';

export type EvalSummary = { loss: number; perplexity: number } | { loss: number; accuracy: number };

export interface TrainReport {
  method: AdapterMethodName;
  trainable_parameters: number;
  /** Validation metrics with the fresh adapter (the base model, but for a newly made head); null without validation data. */
  base_eval: EvalSummary | null;
  final_eval: EvalSummary | null;
  /** The loss of the first step, before any update. */
  initial_train_loss: number;
  /** The mean loss over the last read-back window (the last `--readback-every` steps at most). */
  final_train_loss: number;
  steps: number;
  /** Median wall time per step, device time included (each step counts its read-back window's mean). */
  step_ms_median: number;
  /** Real tokens (language models) or images per second of training, evaluation excluded. */
  throughput: number;
  /** The Trainer's memory high-water mark, bytes. */
  peak_bytes: number;
  /** tf.memory().numTensors after the last step minus after the second: 0 when nothing leaks. */
  num_tensors_growth: number;
  /** With --patience or --keep-best: the step early stopping ended the run at (null: it ran every step). */
  stopped_early_at?: number | null;
  /** With --patience or --keep-best: the step of the lowest validation loss (0: the base model); kept with --keep-best. */
  best_step?: number | null;
}

export function evalSummary(evaluation: Evaluation | null): EvalSummary | null {
  if (!evaluation) return null;
  if (evaluation.task === 'causal-lm') return { loss: evaluation.loss, perplexity: evaluation.perplexity };
  return { loss: evaluation.loss, accuracy: evaluation.accuracy };
}

export interface ReportInputs {
  method: AdapterMethodName;
  trainableParameters: number;
  baseEval: Evaluation | null;
  finalEval: Evaluation | null;
  metrics: StepMetrics[];
  peakBytes: number;
  /** 'tokens' for language models, 'images' for classifiers. */
  unit: 'tokens' | 'images';
  /** Early stopping's outcome, reported only when the run asked for it. */
  stopping?: { stopped_early_at?: number | null; best_step?: number | null };
}

export function buildReport(inputs: ReportInputs): TrainReport {
  const { metrics } = inputs;
  if (metrics.length === 0) throw new Error('no training step was run');
  const points = metrics.flatMap((m) => m.lossesRead);
  const lastWindow = [...metrics].reverse().find((m) => m.lossesRead.length > 0)!.lossesRead;
  const last = metrics[metrics.length - 1];
  const second = metrics[Math.min(1, metrics.length - 1)];
  return {
    method: inputs.method,
    trainable_parameters: inputs.trainableParameters,
    base_eval: evalSummary(inputs.baseEval),
    final_eval: evalSummary(inputs.finalEval),
    initial_train_loss: points[0].loss,
    final_train_loss: mean(lastWindow.map((p) => p.loss)),
    steps: last.step,
    step_ms_median: median(perStepTimes(metrics)),
    throughput: throughput(metrics, inputs.unit),
    peak_bytes: inputs.peakBytes,
    num_tensors_growth: last.memory.numTensors - second.memory.numTensors,
    ...inputs.stopping,
  };
}

/** Each step's time: its read-back window's mean, which includes the device's time. */
function perStepTimes(metrics: StepMetrics[]): number[] {
  return metrics.flatMap((m) => (m.syncedStepMs === null ? [] : m.lossesRead.map(() => m.syncedStepMs!)));
}

function throughput(metrics: StepMetrics[], unit: 'tokens' | 'images'): number {
  const items = metrics.reduce((n, m) => n + (unit === 'tokens' ? m.tokens : m.examples), 0);
  const ms = perStepTimes(metrics).reduce((a, b) => a + b, 0);
  return ms > 0 ? (items * 1000) / ms : 0;
}

export function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
