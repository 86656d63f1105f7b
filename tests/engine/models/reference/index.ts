/**
 * The naive reference models, by config.json `model_type`. See common.ts for
 * why they exist and how they are validated.
 */
import type { SafetensorsFile } from '../../../../src/engine/io/safetensors';
import type { PixelBatch, RefLogits, RefWeights, TokenBatch } from './common';
import { gpt2Logits } from './gpt2';
import { gptNeoLogits } from './gpt_neo';
import { llamaLogits } from './llama';
import { vitLogits } from './vit';

export type { PixelBatch, RefLogits, RefTensor, RefWeights, TokenBatch } from './common';
export { causalLmLoss, classificationLoss } from './common';

export type ReferenceInputs = TokenBatch | PixelBatch;

/** Logits of the naive reference for the architecture config.json names. */
export function referenceLogits(config: Record<string, unknown>, weights: RefWeights, inputs: ReferenceInputs): RefLogits {
  const tokens = (): TokenBatch => {
    if (!('ids' in inputs)) throw new Error('reference: a language model needs token ids');
    return inputs;
  };
  switch (config.model_type) {
    case 'gpt2':
      return gpt2Logits(config, weights, tokens());
    case 'gpt_neo':
      return gptNeoLogits(config, weights, tokens());
    case 'llama':
      return llamaLogits(config, weights, tokens());
    case 'vit':
      if (!('pixels' in inputs)) throw new Error('reference: a ViT needs pixels');
      return vitLogits(config, weights, inputs);
    default:
      throw new Error(`reference: no model_type ${JSON.stringify(config.model_type)}`);
  }
}

/** Every float tensor of a parsed safetensors file, as reference weights. */
export function weightsFromSafetensors(file: SafetensorsFile): Map<string, { shape: number[]; values: Float32Array }> {
  const weights = new Map<string, { shape: number[]; values: Float32Array }>();
  for (const name of file.entries.keys()) {
    const tensor = file.read(name);
    if (tensor.dtype === 'float32') weights.set(name, { shape: tensor.shape, values: tensor.values });
  }
  return weights;
}
