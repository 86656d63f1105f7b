/**
 * The adapters on WebGPU (Dawn on SwiftShader here, a real GPU elsewhere):
 * the gpt2 (Conv1D, fused c_attn) and vit (classifier head) fixtures'
 * adapters give PyTorch's logits, loss and gradients. The AdamW steps are
 * left to the CPU parity tests: a software GPU makes them slow.
 */
import { describeAdapterParity } from './backend-parity';

describeAdapterParity('webgpu', [
  ['gpt2', ['wegeft', 'lora']],
  ['vit', ['wegeft']],
]);
