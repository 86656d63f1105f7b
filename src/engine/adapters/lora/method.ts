/** LoRA's declaration: names, PEFT type, options, defaults per task, source (no tfjs: the page imports it). */
import { defineMethod, type MethodConfig } from '../common/method-spec';
import { alphaOption, rankOption, targetsOption } from '../common/options';
import { memoryCoefficients } from './memory';

export const loraMethod = defineMethod({
  name: 'lora',
  label: 'LoRA',
  description:
    'Learns a low-rank update ΔW = (α/r)·B·A for each targeted layer, independent of the pretrained weight; its ' +
    'size grows with the number of layers.',
  peftTypes: ['LORA'],
  options: { rank: rankOption('Rank of B (d_out × r) and A (r × d_in).'), alpha: alphaOption(), targets: targetsOption() },
  // The WeGeFT paper's LoRA baselines: r 16, α 32 on LLMs; r 8, α 8 on ViT. Learning rates: the demos' (not tuned per method).
  defaults: {
    'causal-lm': { learningRate: 1e-2, options: { rank: 16, alpha: 32 } },
    'image-classification': { learningRate: 5e-3, options: { rank: 8, alpha: 8 } },
  },
  role: 'rival',
  benchByDefault: true,
  exportAs: { kind: 'peft-adapter' }, // PEFT loads it (peft_type LORA)
  updateDirections: 's·B',
  trains: 'A (r × d_in) and B (d_out × r) per targeted layer',
  memory: memoryCoefficients,
  source: 'Hu et al., ICLR 2022 (arXiv 2106.09685); PEFT tuners/lora',
});

/** lora settings resolved for a model (every option present, targets filled in): what its code reads. */
export type LoraConfig = MethodConfig<typeof loraMethod>;
