/**
 * Early stopping and the best checkpoint of a run, from its evaluations:
 * the lowest validation loss so far (the evaluation at step 0, before any
 * update, counts), how many evaluations in a row have not beaten it, and,
 * when the run keeps its best checkpoint, a copy of the trainable weights of
 * that evaluation, on the device (as many bytes as the trainable
 * parameters), put back at the end with `restore()`.
 *
 * Validation loss decides, for every task: it moves with every change of
 * the model, where accuracy moves in steps of one example.
 */
import * as tf from '@tensorflow/tfjs';
import { tensorDataOf, type TensorData } from './adamw';
import type { Evaluation } from './evaluate';

export interface BestEvaluation {
  /** Optimizer steps completed when it was measured (0: before any update). */
  step: number;
  evaluation: Evaluation;
}

/** The state a run's checkpoint carries, as plain data. */
export interface BestCheckpointState {
  best: BestEvaluation | null;
  /** Evaluations since the best one that did not beat it. */
  withoutImprovement: number;
  /** The step the run stopped early at, or null. */
  stoppedAt: number | null;
  /** The step evaluated last (a second evaluation at the same step is not counted again). */
  lastStep: number | null;
  /** The best evaluation's trainable weights, when the run keeps them. */
  weights: Record<string, TensorData> | null;
}

export class BestCheckpoint {
  private bestSoFar: BestEvaluation | null = null;
  private withoutImprovement = 0;
  private stopped: number | null = null;
  private lastStep: number | null = null;
  /** Copies of the trainable variables at the best evaluation (keepBest only). */
  private weights: Map<string, tf.Tensor> | null = null;

  constructor(
    private readonly trainable: ReadonlyMap<string, tf.Variable>,
    private readonly options: { patience: number; keepBest: boolean; totalSteps: number },
  ) {}

  get best(): BestEvaluation | null {
    return this.bestSoFar;
  }

  /** The step the run stopped early at (patience ran out), or null. */
  get stoppedAt(): number | null {
    return this.stopped;
  }

  /** Evaluations in a row that have not beaten the best. */
  get evaluationsWithoutImprovement(): number {
    return this.withoutImprovement;
  }

  /**
   * Takes an evaluation made after `step` steps, with the trainable weights
   * as they are now; returns whether it is the new best.
   */
  observe(step: number, evaluation: Evaluation): boolean {
    if (step === this.lastStep) return false;
    this.lastStep = step;
    if (this.bestSoFar === null || evaluation.loss < this.bestSoFar.evaluation.loss) {
      this.bestSoFar = { step, evaluation };
      this.withoutImprovement = 0;
      if (this.options.keepBest) this.copyWeights();
      return true;
    }
    this.withoutImprovement++;
    const { patience, totalSteps } = this.options;
    if (patience > 0 && this.withoutImprovement >= patience && step < totalSteps) this.stopped = step;
    return false;
  }

  private copyWeights(): void {
    const previous = this.weights;
    this.weights = new Map([...this.trainable].map(([key, variable]) => [key, tf.clone(variable)]));
    if (previous) for (const t of previous.values()) t.dispose();
  }

  /**
   * Puts the best evaluation's weights back into the trainable variables
   * (keepBest), and returns that evaluation; null when nothing was kept.
   */
  restore(): BestEvaluation | null {
    if (!this.options.keepBest || !this.weights || !this.bestSoFar) return null;
    for (const [key, variable] of this.trainable) {
      const saved = this.weights.get(key);
      if (saved) variable.assign(saved);
    }
    return this.bestSoFar;
  }

  async exportState(): Promise<BestCheckpointState> {
    let weights: Record<string, TensorData> | null = null;
    if (this.weights) {
      weights = {};
      for (const [key, t] of this.weights) weights[key] = await tensorDataOf(t);
    }
    return { best: this.bestSoFar, withoutImprovement: this.withoutImprovement, stoppedAt: this.stopped, lastStep: this.lastStep, weights };
  }

  importState(state: BestCheckpointState): void {
    this.bestSoFar = state.best;
    this.withoutImprovement = state.withoutImprovement;
    this.stopped = state.stoppedAt;
    this.lastStep = state.lastStep;
    this.disposeWeights();
    if (state.weights && this.options.keepBest) {
      const weights = state.weights;
      this.weights = new Map([...this.trainable].filter(([key]) => key in weights).map(([key, v]) => [key, tf.tensor(weights[key].values, v.shape, 'float32')]));
    }
  }

  private disposeWeights(): void {
    if (this.weights) for (const t of this.weights.values()) t.dispose();
    this.weights = null;
  }

  dispose(): void {
    this.disposeWeights();
  }
}
