/**
 * Fixes for the tfjs wasm backend (4.22) that make training on it possible
 * and fast. Call `registerWasmTrainingKernels()` after `tf.setBackend('wasm')`.
 *
 * 1. UnsortedSegmentSum is missing: it is the gradient of `gather`, i.e. of
 *    an embedding lookup, so training GPT-2's `wte`/`wpe` fails with
 *    "Kernel 'UnsortedSegmentSum' not registered for backend 'wasm'". It is
 *    registered here as one pass in JavaScript (segment-sum.ts).
 *
 * 2. BatchMatMul and _FusedMatMul are slow with transposed operands: on this
 *    machine a (2048×128)ᵀ… product ran at 0.09 GFLOP/s with transposeA and
 *    0.8 with transposeB, against 3–5 GFLOP/s untransposed. Backward passes
 *    are full of transposed products, and so is every `linear`-layout layer.
 *    The wrappers transpose explicitly (a memory-bound copy) and call the
 *    original kernel untransposed: same results, 5–50× faster products.
 *
 * 2b. BatchMatMul with a batch (attention's per-head products: batch × heads
 *    matrices at once, forward and backward) is not handed to XNNPACK at
 *    all: tfjs-wasm 4.22 uses XNNPACK only for a single untransposed pair
 *    and runs every batched product through a scalar loop. Batched products
 *    are split here into one XNNPACK product per matrix (a copy of each
 *    slice, then one concat): DeiT-tiny's 12 × 197 × 64 · 64 × 197 went from
 *    55 ms to 16 ms, the same numbers to float rounding. A batched `a`
 *    against one shared `b` becomes one tall product instead.
 *
 * 3. Identity copies its input on wasm, and autodiff clones (Identity) every
 *    tensor it saves for the backward pass: each saved activation existed
 *    twice. Shared instead, by reference count, as on the cpu and WebGPU
 *    backends (kernels never write into their inputs): a training step's
 *    peak memory falls by about a quarter (GPT-2 tiny, npm run bench).
 */
import * as tf from '@tensorflow/tfjs';
import { segmentSumKernel } from './segment-sum';

interface WasmBackendLike {
  incRef(dataId: object): void;
  readSync(dataId: object): ArrayLike<number>;
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: Float32Array): tf.TensorInfo;
  disposeData(dataId: object): boolean;
}

const BACKEND = 'wasm';
const wrapped = new Set<string>();

/** Registers the missing and faster kernels on the wasm backend; safe to call more than once. */
export function registerWasmTrainingKernels(): void {
  if (tf.getBackend() !== BACKEND) return;
  registerUnsortedSegmentSum();
  shareIdentity();
  untransposeOperands('BatchMatMul');
  untransposeOperands('_FusedMatMul');
}

function registerUnsortedSegmentSum(): void {
  if (tf.getKernel('UnsortedSegmentSum', BACKEND)) return;
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName: BACKEND,
    kernelFunc: segmentSumKernel((wasm: WasmBackendLike, shape, dtype, values) => wasm.makeOutput(shape, dtype, undefined, values)),
  });
}

function shareIdentity(): void {
  if (wrapped.has('Identity')) return;
  const original = tf.getKernel('Identity', BACKEND);
  if (!original) return;
  tf.unregisterKernel('Identity', BACKEND);
  tf.registerKernel({
    kernelName: 'Identity',
    backendName: BACKEND,
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      if (x.dtype === 'string') return original.kernelFunc(args);
      (args.backend as unknown as WasmBackendLike).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  });
  wrapped.add('Identity');
}

/** Replaces a matMul kernel by one that transposes its operands itself first. */
function untransposeOperands(kernelName: 'BatchMatMul' | '_FusedMatMul'): void {
  if (wrapped.has(kernelName)) return;
  const original = tf.getKernel(kernelName, BACKEND);
  const transpose = tf.getKernel('Transpose', BACKEND);
  if (!original || !transpose) return;
  tf.unregisterKernel(kernelName, BACKEND);
  tf.registerKernel({
    kernelName,
    backendName: BACKEND,
    // The original's setup wires up its wasm function; it runs again if the backend is re-initialised.
    setupFunc: original.setupFunc,
    disposeFunc: original.disposeFunc,
    kernelFunc: (args) => {
      const attrs = args.attrs as { transposeA: boolean; transposeB: boolean };
      if (!attrs.transposeA && !attrs.transposeB) {
        return kernelName === 'BatchMatMul' ? perMatrix(args, original.kernelFunc) : original.kernelFunc(args);
      }
      const wasm = args.backend as unknown as WasmBackendLike;
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const swapLastTwo = (t: tf.TensorInfo) => {
        const perm = t.shape.map((_, i) => i);
        [perm[perm.length - 2], perm[perm.length - 1]] = [perm[perm.length - 1], perm[perm.length - 2]];
        return transpose.kernelFunc({ inputs: { x: t }, backend: args.backend, attrs: { perm } }) as tf.TensorInfo;
      };
      const aT = attrs.transposeA ? swapLastTwo(a) : a;
      const bT = attrs.transposeB ? swapLastTwo(b) : b;
      try {
        const untransposed = { ...args, inputs: { ...args.inputs, a: aT, b: bT }, attrs: { ...args.attrs, transposeA: false, transposeB: false } };
        return kernelName === 'BatchMatMul' ? perMatrix(untransposed, original.kernelFunc) : original.kernelFunc(untransposed);
      } finally {
        if (aT !== a) wasm.disposeData(aT.dataId);
        if (bT !== b) wasm.disposeData(bT.dataId);
      }
    },
  });
  wrapped.add(kernelName);
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

const size = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);

/**
 * An untransposed BatchMatMul as XNNPACK products (2b above): a single pair
 * as it is; a batch against one shared b as one (batch·m, k) · (k, n)
 * product; equal batches one matrix at a time. Other broadcasts (batch
 * shapes that differ other than by being 1) keep the original kernel.
 */
function perMatrix(args: KernelArgs, kernel: tf.KernelFunc): tf.TensorInfo {
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const [m, k] = a.shape.slice(-2);
  const n = b.shape[b.shape.length - 1];
  const batchA = size(a.shape.slice(0, -2));
  const batchB = size(b.shape.slice(0, -2));
  const outer = a.shape.length >= b.shape.length ? a.shape.slice(0, -2) : b.shape.slice(0, -2);
  const sameOuter = a.shape.length === b.shape.length && a.shape.slice(0, -2).every((d, i) => d === b.shape[i]);
  if (Math.max(batchA, batchB) === 1 || !(sameOuter || batchB === 1)) return kernel(args) as tf.TensorInfo;
  const op = (name: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap) =>
    tf.getKernel(name, BACKEND)!.kernelFunc({ inputs, backend: args.backend, attrs }) as tf.TensorInfo;
  const wasm = args.backend as unknown as WasmBackendLike;
  const temporaries: tf.TensorInfo[] = [];
  const keep = (t: tf.TensorInfo) => (temporaries.push(t), t);
  try {
    if (batchB === 1) {
      // (…, m, k) · (k, n) = ((… · m), k) · (k, n), reshaped back.
      const tall = keep(op('Reshape', { x: a }, { shape: [1, batchA * m, k] }));
      const flatB = keep(op('Reshape', { x: b }, { shape: [1, k, n] }));
      const product = keep(kernel({ ...args, inputs: { ...args.inputs, a: tall, b: flatB } }) as tf.TensorInfo);
      return op('Reshape', { x: product }, { shape: [...outer, m, n] });
    }
    const a3 = keep(op('Reshape', { x: a }, { shape: [batchA, m, k] }));
    const b3 = keep(op('Reshape', { x: b }, { shape: [batchB, k, n] }));
    const products: tf.TensorInfo[] = [];
    for (let i = 0; i < batchA; i++) {
      // Slices are copies: freed as soon as their product exists, so at most one pair is alive.
      const ai = op('Slice', { x: a3 }, { begin: [i, 0, 0], size: [1, m, k] });
      const bi = op('Slice', { x: b3 }, { begin: [i, 0, 0], size: [1, k, n] });
      try {
        products.push(keep(kernel({ ...args, inputs: { ...args.inputs, a: ai, b: bi } }) as tf.TensorInfo));
      } finally {
        wasm.disposeData(ai.dataId);
        wasm.disposeData(bi.dataId);
      }
    }
    const joined = keep(op('Concat', products as unknown as tf.NamedTensorInfoMap, { axis: 0 }));
    return op('Reshape', { x: joined }, { shape: [...outer, m, n] });
  } finally {
    for (const t of temporaries) wasm.disposeData(t.dataId);
  }
}
