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
      if (!attrs.transposeA && !attrs.transposeB) return original.kernelFunc(args);
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
        return original.kernelFunc({
          ...args,
          inputs: { ...args.inputs, a: aT, b: bT },
          attrs: { ...args.attrs, transposeA: false, transposeB: false },
        });
      } finally {
        if (aT !== a) wasm.disposeData(aT.dataId);
        if (bT !== b) wasm.disposeData(bT.dataId);
      }
    },
  });
  wrapped.add(kernelName);
}
