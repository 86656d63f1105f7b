/**
 * Activation checkpointing of one transformer block: the forward pass keeps
 * only the block's input, and the backward pass runs the block's forward
 * again (with the tape on) to get its gradients.
 *
 * Without it, tfjs keeps every tensor a block's backward pass reads, and
 * every gradient it computes, until the whole backward pass ends: tens of
 * (tokens × width) tensors per block. With it, each block keeps its input,
 * and one block's saved tensors and gradients exist at a time, freed as soon
 * as that block's backward pass ends.
 *
 * tf.customGrad returns gradients for its explicit inputs only, so the
 * tensors the block reads that gradients must reach (trainable variables of
 * an adapter's hooks or parameter overrides, tensors made from them before
 * the block, the block's input) are found by running the block once with the
 * tape paused and watching the inputs of its kernels; those become the op's
 * inputs. Frozen base weights are not among them: no gradient is computed
 * for them, as on the plain path.
 *
 * This reaches into tfjs-core 4.x's engine state (kernel depth, the active
 * tape), as the trainer's disposeAbandonedTape does: a nested gradient
 * computation during a backward pass would otherwise replace the outer
 * pass's tape, whose saved tensors that pass still has to free.
 */
import * as tf from '@tensorflow/tfjs';

interface TapeNode {
  outputs: tf.Tensor[];
}

interface KernelParams {
  inputs?: Record<string, tf.Tensor | undefined>;
}

/** The parts of tfjs's engine this relies on (tfjs-core 4.x). */
interface EngineInternals {
  state: {
    kernelDepth: number;
    gradientDepth: number;
    activeTape: TapeNode[] | null;
    scopeStack: ({ track: tf.Tensor[] } | null)[];
    activeScope: { track: tf.Tensor[] } | null;
  };
  runKernelFunc(params: KernelParams): tf.Tensor | tf.Tensor[];
  /** Hands out the next tensor id (ids only grow). */
  nextTensorId(): number;
  gradients(f: () => tf.Tensor, xs: tf.Tensor[], dy?: tf.Tensor, allowNoGradients?: boolean): { value: tf.Tensor; grads: (tf.Tensor | undefined)[] };
}

function engineInternals(): EngineInternals {
  const engine = tf.engine() as unknown as Partial<EngineInternals>;
  if (typeof engine.runKernelFunc !== 'function' || typeof engine.gradients !== 'function' || typeof engine.nextTensorId !== 'function' || !engine.state || !('kernelDepth' in engine.state)) {
    throw new Error('activation checkpointing: this tfjs version lacks the engine internals it relies on');
  }
  return engine as EngineInternals;
}

/**
 * Tensors gradients can flow into: trainable variables, and every tensor an
 * op recorded on the tape so far produced (the block's input; anything a
 * patch computed from variables before the block).
 */
function gradientCandidates(engine: EngineInternals): Set<number> {
  const ids = new Set<number>();
  for (const v of Object.values(tf.engine().registeredVariables)) if (v.trainable) ids.add(v.id);
  for (const node of engine.state.activeTape ?? []) for (const out of node.outputs) if (out) ids.add(out.id);
  return ids;
}

/**
 * Runs `fn` with the tape paused, returning its value and the tensors made
 * before it that its kernels read, in first-read order.
 */
function runWatchingInputs(engine: EngineInternals, fn: () => tf.Tensor2D): { value: tf.Tensor2D; read: tf.Tensor[] } {
  // Tensor ids only grow: a smaller one was made before the block.
  const firstNewId = engine.nextTensorId();
  const read = new Map<number, tf.Tensor>();
  const run = engine.runKernelFunc;
  engine.runKernelFunc = function (this: EngineInternals, params: KernelParams) {
    for (const t of Object.values(params.inputs ?? {})) if (t && t.id < firstNewId && !read.has(t.id)) read.set(t.id, t);
    return run.call(this, params);
  };
  // isTapeOn() is gradientDepth > 0 && kernelDepth === 0: inside a kernel nothing is recorded.
  engine.state.kernelDepth++;
  try {
    return { value: tf.tidy(fn), read: [...read.values()] };
  } finally {
    engine.state.kernelDepth--;
    delete (engine as Partial<EngineInternals>).runKernelFunc; // back to the prototype's
  }
}

/** Ids of the tensors the open tidy scopes will free when they end. */
function scopeTrackedIds(engine: EngineInternals): Set<number> {
  const ids = new Set<number>();
  const scopes = [...engine.state.scopeStack, engine.state.activeScope];
  for (const scope of scopes) for (const t of scope?.track ?? []) ids.add(t.id);
  return ids;
}

/**
 * What the recomputed blocks of one gradient computation read from outside
 * themselves (an attention mask, RoPE tables, tensors a patch made): the
 * forward pass's tidy would free them before the backward pass, so they are
 * kept until `end()`, which the caller runs after the gradients are done.
 */
export class CheckpointScope {
  private readonly kept = new Map<number, tf.Tensor>();

  keepUntilEnd(t: tf.Tensor): void {
    // Variables are never freed by tidy; a tensor someone else keeps is theirs to free.
    if (t instanceof tf.Variable || this.kept.has(t.id) || (t as unknown as { kept?: boolean }).kept) return;
    this.kept.set(t.id, tf.keep(t));
  }

  end(): void {
    for (const t of this.kept.values()) t.dispose();
    this.kept.clear();
  }
}

/**
 * `block(x)` for x = `input`, checkpointed when gradients are being
 * recorded; plainly otherwise (inference, evaluation). The gradients equal
 * the plain path's: the same ops run on the same values, once more.
 */
export function checkpointedBlock(input: tf.Tensor2D, block: (x: tf.Tensor2D) => tf.Tensor2D, scope: CheckpointScope): tf.Tensor2D {
  if (!tf.engine().isTapeOn()) return block(input);
  const engine = engineInternals();
  const { value, read } = runWatchingInputs(engine, () => block(input));
  // Gradients go to the input (first, so the op has it even when the block ignores it) and to what can carry them.
  const candidates = gradientCandidates(engine);
  const others = read.filter((t) => t.id !== input.id && candidates.has(t.id));
  // The recompute reads the rest through the block's closure too (an attention mask, RoPE tables):
  // what the forward pass's tidy would free must outlive it.
  const tracked = scopeTrackedIds(engine);
  for (const t of read) if (tracked.has(t.id)) scope.keepUntilEnd(t);
  const op = tf.customGrad((...args: unknown[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const xs = args.slice(0, -1) as tf.Tensor[];
    save([xs[0]]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const x = saved[0] as tf.Tensor2D;
      const outerTape = engine.state.activeTape;
      try {
        // Gradients of the block's output against dy, for its input (the saved copy) and what it read.
        const { value: recomputed, grads } = engine.gradients(() => block(x), [x, ...others], dy, true);
        recomputed.dispose();
        return grads.map((g, i) => g ?? tf.zerosLike(i === 0 ? x : others[i - 1]));
      } finally {
        engine.state.activeTape = outerTape;
      }
    };
    return { value: tf.clone(value), gradFunc };
  });
  try {
    return op(input, ...others) as tf.Tensor2D;
  } finally {
    value.dispose();
  }
}
