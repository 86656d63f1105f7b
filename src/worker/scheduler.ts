/**
 * Trains the started runs on the one backend, a step at a time: round-robin
 * (interleaved) or one run after another (sequential). Between two steps it
 * yields to the message loop, so pause, stop and other commands take effect
 * at once. Only the loop frees a trainer, never in the middle of its step.
 */
import type { EmitEvent } from './emitter';
import { NonFiniteLossError } from '../engine/errors';
import { classifyFailure } from './failures';
import { MetricBatcher } from './metric-batcher';
import type { BackendName, MetricPoint, RunCheckpoint, RunSpec, RunStatus, ScheduleMode } from './protocol';
import type { ModelAssets, RunDataCache } from './run-data';
import { RunSession, type StartingAdapter } from './run-session';
import type { Adapter } from '../engine/adapters/types';

/** What training needs from the runtime, at the moment a run starts. */
export interface TrainingContext {
  assets: ModelAssets | null;
  data: RunDataCache | null;
  backend: BackendName | null;
  /** Why the backend's device cannot train any more (it was lost), or null. */
  fault?: string | null;
  /** The memory planner's total budget, bytes, instead of the backend's (src/engine/train/memory-check.ts). */
  memoryBudgetBytes?: number;
}

const yieldToMessages = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Checkpoints are made after this much wall clock of a run's training (and on pause). */
export const CHECKPOINT_INTERVAL_MS = 10_000;

/** How long a WebGPU failure waits for the device's own word that it was lost, ms. */
const DEVICE_LOSS_GRACE_MS = 300;

/** The device (or the worker's memory) failed under every run at once: a lost GPU device, device out-of-memory. */
export class DeviceFaultError extends Error {
  override readonly name = 'DeviceFaultError';
}

export class RunScheduler {
  private readonly sessions = new Map<string, RunSession>();
  /** Runs training or waiting their turn, in the order they were started. */
  private active: RunSession[] = [];
  private mode: ScheduleMode = 'interleaved';
  private cursor = 0;
  private stepping: RunSession | null = null;
  /** Runs to free once their current step ends (stopped or removed during it). */
  private toEnd = new Map<RunSession, 'end' | 'release'>();
  /** Runs to checkpoint once their current step ends (paused during it). */
  private toCheckpoint = new Set<RunSession>();
  private loop: Promise<void> | null = null;
  private readonly batcher: MetricBatcher;
  /** Rejects the step in flight when the device fails: a lost device may never answer a read-back. */
  private interrupt: (() => void) | null = null;

  constructor(
    private readonly emit: EmitEvent,
    private readonly context: () => TrainingContext,
    metricIntervalMs = 200,
    private readonly checkpointIntervalMs = CHECKPOINT_INTERVAL_MS,
  ) {
    this.batcher = new MetricBatcher(emit, metricIntervalMs);
  }

  session(id: string): RunSession | undefined {
    return this.sessions.get(id);
  }

  allSessions(): RunSession[] {
    return [...this.sessions.values()];
  }

  /** Adds a run, or updates the settings of one not training (they apply at its next start). */
  upsert(spec: RunSpec): void {
    const existing = this.sessions.get(spec.id);
    if (existing) existing.spec = spec;
    else this.sessions.set(spec.id, new RunSession(spec));
  }

  setMode(mode: ScheduleMode): void {
    this.mode = mode;
    this.updateWaitingStatuses();
  }

  /** Adds a finished run that has its adapter already (an imported one). */
  addFinished(spec: RunSpec, adapter: Adapter): void {
    if (this.sessions.has(spec.id)) throw new Error(`a run "${spec.id}" exists already`);
    const session = new RunSession(spec);
    session.adapter = adapter;
    session.status = 'finished';
    this.sessions.set(spec.id, session);
  }

  /** Fails a run that cannot start (what it starts from is missing), saying why. */
  refuseStart(id: string, error: Error): void {
    this.fail(this.require(id), error);
  }

  /**
   * Starts a run, continues a paused one, or (with `resume`) continues one
   * from its checkpoint; `starting`: the adapter files it starts from (Train further).
   */
  start(id: string, resume?: RunCheckpoint, starting?: StartingAdapter): void {
    const session = this.require(id);
    if (session.status === 'running' || session.status === 'queued') return;
    if (resume || session.status !== 'paused' || !session.trainer) {
      const { assets, data, fault, memoryBudgetBytes } = this.context();
      if (fault) return this.fail(session, new DeviceFaultError(fault));
      if (!assets) return this.fail(session, new Error('load a model before starting a run'));
      if (!data) return this.fail(session, new Error('load a dataset before starting a run'));
      try {
        session.begin(assets, data, resume, starting, memoryBudgetBytes);
      } catch (error) {
        return this.fail(session, error);
      }
      this.postWarnings(session);
    }
    this.active.push(session);
    // Running, or queued behind another run in sequential mode.
    session.status = 'idle';
    this.updateWaitingStatuses();
    this.loop ??= this.run().finally(() => (this.loop = null));
  }

  /** Pauses a run and checkpoints it (after its current step, when it is in one). */
  pause(id: string): void {
    const session = this.require(id);
    if (!this.deactivate(session)) return;
    this.batcher.flush();
    this.setStatus(session, 'paused', null);
    // A step in flight still counts on the wall clock: the clock stops when it ends.
    if (this.stepping === session) this.toCheckpoint.add(session);
    else {
      session.suspend();
      this.track(this.checkpoint(session));
    }
  }

  /** Checkpoints being made outside the loop: idle() waits for them (the trainer must outlive them). */
  private readonly checkpointing = new Set<Promise<void>>();

  private track(work: Promise<void>): void {
    this.checkpointing.add(work);
    void work.finally(() => this.checkpointing.delete(work));
  }

  /**
   * The device failed (lost, or out of memory): every run that was training
   * or paused fails with `error`, at once, even in the middle of a step that
   * will never end. Their metrics and last checkpoints are on the page.
   */
  deviceFault(error: DeviceFaultError): void {
    this.interrupt?.();
    for (const session of this.sessions.values()) {
      if (session.trainer && session.status !== 'failed') this.fail(session, error);
    }
  }

  stop(id: string): void {
    const session = this.require(id);
    const wasActive = this.deactivate(session);
    if (!wasActive && session.status !== 'paused') return;
    this.batcher.flush();
    this.endLater(session, 'end');
    this.setStatus(session, 'stopped', null);
  }

  remove(id: string): void {
    const session = this.sessions.get(id);
    if (!session) return;
    this.deactivate(session);
    this.sessions.delete(id);
    this.endLater(session, 'release');
  }

  /** Stops every run and frees every adapter (before the model changes). */
  async releaseAll(): Promise<void> {
    for (const session of [...this.active]) this.pause(session.id);
    await this.idle();
    for (const session of this.sessions.values()) {
      session.release();
      if (session.status === 'paused') this.setStatus(session, 'stopped', 'The model or backend changed: start the run again.');
    }
  }

  /** Resolves when no run is training. */
  async idle(): Promise<void> {
    while (this.loop || this.checkpointing.size > 0) {
      if (this.loop) await this.loop;
      await Promise.all([...this.checkpointing]);
    }
  }

  private async run(): Promise<void> {
    while (this.active.length > 0) {
      const session = this.pick();
      this.stepping = session;
      const interrupted = new Promise<'interrupted'>((resolve) => (this.interrupt = () => resolve('interrupted')));
      try {
        if ((await Promise.race([this.stepOnce(session), interrupted])) === 'interrupted') {
          // The step in flight may never end: the runs are failed already, the loop stops waiting for it.
          this.toCheckpoint.clear();
          break;
        }
      } finally {
        this.interrupt = null;
        this.stepping = null;
        this.applyDeferredEnds();
      }
      for (const paused of this.toCheckpoint) {
        paused.suspend();
        await this.checkpoint(paused);
      }
      this.toCheckpoint.clear();
      await yieldToMessages();
    }
    this.batcher.flush();
  }

  /** Makes a checkpoint of a run that is between steps, and posts it. */
  private async checkpoint(session: RunSession): Promise<void> {
    if (!session.trainer || session.status === 'failed') return;
    try {
      const { checkpoint, points } = await session.checkpoint(this.context().backend);
      this.batcher.add(points, null);
      this.batcher.flush();
      this.emit({ type: 'runCheckpoint', checkpoint }, checkpointBuffers(checkpoint));
    } catch (error) {
      // A checkpoint that cannot be read is a failure of the run (its device is gone, or a NaN was read).
      this.fail(session, error);
    }
  }

  private postWarnings(session: RunSession): void {
    for (const { step, message } of session.warnings.splice(0)) this.emit({ type: 'runWarning', runId: session.id, step, message });
  }

  private pick(): RunSession {
    if (this.mode === 'sequential') return this.active[0];
    this.cursor = (this.cursor + 1) % this.active.length;
    return this.active[this.cursor];
  }

  private async stepOnce(session: RunSession): Promise<void> {
    const trainer = session.trainer!;
    try {
      // Every step waits for the device, so the step count shows steps as the device ends them (not
      // five at once at each loss read-back) and a run's own compute excludes other runs' queued work.
      const points = await session.step(true);
      if (session.status === 'failed') return;
      const base = session.takeBaseEvaluation();
      if (base) this.emit({ type: 'runBaseEval', runId: session.id, evaluation: base });
      const progress = {
        type: 'runProgress' as const,
        runId: session.id,
        step: trainer.stepsCompleted,
        totalSteps: trainer.totalSteps,
        epoch: trainer.epoch,
        elapsedMs: session.elapsedMs,
        etaMs: session.etaMs,
        computeMs: session.computeMs,
      };
      this.batcher.add(points, progress);
      this.postWarnings(session);
      if (trainer.done) await this.finish(session, points);
      else if (session.checkpointDue(this.checkpointIntervalMs) && this.active.includes(session)) await this.checkpoint(session);
    } catch (error) {
      if (session.status !== 'failed') this.fail(session, error);
    }
  }

  private async finish(session: RunSession, lastPoints: MetricPoint[]): Promise<void> {
    this.deactivate(session);
    const evaluating = session.trainer?.hasValidation && !lastPoints[lastPoints.length - 1]?.validation;
    if (evaluating) {
      this.batcher.flush();
      this.emit({ type: 'runStatus', runId: session.id, status: 'running', message: 'Evaluating on the validation set…' });
    }
    const lastEval = await session.finalEvaluation(lastPoints);
    const last = lastPoints[lastPoints.length - 1];
    // The final evaluation belongs on the validation chart, at the last step.
    if (lastEval && last && !last.validation) this.batcher.add([{ ...last, validation: lastEval }], null);
    // With keepBest, the best evaluation's weights (the last one counted) are put back: its result is the run's.
    const { best, message } = session.concludeTraining();
    const finalEval = best ?? lastEval;
    const classes = await session.classReport();
    if (classes) this.emit({ type: 'runClassReport', runId: session.id, report: classes }, classes.misclassified.map((m) => m.image.rgba.buffer as ArrayBuffer));
    const trainableParameters = session.adapter?.trainableParameterCount() ?? 0;
    session.endTraining();
    this.batcher.flush();
    session.status = 'finished';
    this.emit({ type: 'runFinished', runId: session.id, finalEval, trainableParameters, message });
    if (session.adapter) {
      const files = await session.adapter.save();
      this.emit({ type: 'adapterSaved', runId: session.id, files }, [files.weights.buffer as ArrayBuffer]);
    }
  }

  private fail(session: RunSession, error: unknown): void {
    this.deactivate(session);
    session.suspend();
    this.batcher.flush();
    // A failed run's adapter may hold NaNs or a lost device's buffers: free it all.
    this.endLater(session, 'release');
    session.status = 'failed';
    const report = () => {
      // A step can fail (a read-back aborted) a moment before the device says it was lost: name the real cause.
      const fault = this.context().fault;
      const cause = fault && !(error instanceof NonFiniteLossError) ? new DeviceFaultError(fault) : error;
      this.emit({ type: 'runFailed', runId: session.id, ...classifyFailure(cause, this.context().backend) });
    };
    if (this.context().backend === 'webgpu' && !(error instanceof DeviceFaultError) && !(error instanceof NonFiniteLossError)) {
      setTimeout(report, DEVICE_LOSS_GRACE_MS);
    } else report();
  }

  /** Takes a run out of the active list; false when it was not in it. */
  private deactivate(session: RunSession): boolean {
    const index = this.active.indexOf(session);
    if (index < 0) return false;
    this.active.splice(index, 1);
    if (index <= this.cursor) this.cursor = Math.max(-1, this.cursor - 1);
    this.updateWaitingStatuses();
    return true;
  }

  private endLater(session: RunSession, how: 'end' | 'release'): void {
    if (this.stepping === session) this.toEnd.set(session, how === 'release' || this.toEnd.get(session) === 'release' ? 'release' : 'end');
    else if (how === 'release') session.release();
    else session.endTraining();
  }

  private applyDeferredEnds(): void {
    for (const [session, how] of this.toEnd) {
      if (how === 'release') session.release();
      else session.endTraining();
    }
    this.toEnd.clear();
  }

  /** In sequential mode, runs behind the first wait: their status says so. */
  private updateWaitingStatuses(): void {
    this.active.forEach((session, i) => {
      const status: RunStatus = this.mode === 'sequential' && i > 0 ? 'queued' : 'running';
      if (session.status !== status) this.setStatus(session, status, status === 'queued' ? 'Waiting for the run before it to finish.' : null);
    });
  }

  private setStatus(session: RunSession, status: RunStatus, message: string | null): void {
    session.status = status;
    this.emit({ type: 'runStatus', runId: session.id, status, message });
  }

  private require(id: string): RunSession {
    const session = this.sessions.get(id);
    if (!session) throw new Error(`no run "${id}" in the engine`);
    return session;
  }
}

/** The buffers of a checkpoint's arrays, to transfer rather than copy. */
function checkpointBuffers(checkpoint: RunCheckpoint): ArrayBuffer[] {
  const buffers: ArrayBuffer[] = [];
  for (const t of Object.values(checkpoint.trainer.trainable)) buffers.push(t.values.buffer as ArrayBuffer);
  for (const { m, v } of Object.values(checkpoint.trainer.optimizer.moments)) buffers.push(m.values.buffer as ArrayBuffer, v.values.buffer as ArrayBuffer);
  return buffers;
}
