/**
 * The adapters on WASM, whose matMul kernels the engine replaces
 * (src/engine/kernels/wasm-training.ts: explicit transposes, batched
 * products split into one XNNPACK product per matrix): every family's
 * fixture gives PyTorch's logits, loss and gradients through them, the
 * attention's batched products included.
 */
import { describeAdapterParity } from './backend-parity';

describeAdapterParity('wasm', [
  ['gpt2', ['wegeft', 'lora']],
  ['vit', ['wegeft', 'lora']],
  ['llama', ['wegeft', 'lora']],
]);
