/** WeGeFT's declaration: names, PEFT type, options, defaults per task, source (no tfjs: the page imports it). */
import { defineMethod, type MethodConfig } from '../common/method-spec';
import { alphaOption, rankOption, targetsOption } from '../common/options';
import { memoryCoefficients } from './memory';

export const wegeftMethod = defineMethod({
  name: 'wegeft',
  label: 'WeGeFT',
  description:
    'Generates each weight update from the pretrained weight itself (ΔW = (α/r)·W·φᵀ·ψ), with one small pair of ' +
    'matrices per module type shared across layers, so its size does not grow with depth.',
  peftTypes: ['WEGEFT', 'WeGeFT'], // ours (the fixtures'), and the authors' fork of PEFT (wegeft/authors-format.ts)
  options: {
    rank: rankOption('Rank of φ and ψ (r × d_in each).'),
    alpha: alphaOption(),
    targets: targetsOption(),
    perLayer: {
      kind: 'boolean',
      label: 'One pair per layer',
      help: 'WeGeFT shares one (φ, ψ) pair per module type across layers (as in the paper); tick to give every layer its own.',
      flag: 'per-layer',
      urlKey: 'pl',
      short: 'per-layer',
    },
  },
  // The paper: r 64, α 128 on LLMs, r 16 (scale 1) on ViT-B. The bundled models are 128 wide: r 16 for both,
  // α 2r and 1r as the paper scales them, and the learning rates the demos measured (docs/pretraining.md).
  defaults: {
    'causal-lm': { learningRate: 1e-2, options: { rank: 16, alpha: 32, perLayer: false } },
    'image-classification': { learningRate: 5e-3, options: { rank: 16, alpha: 16, perLayer: false } },
  },
  role: 'studied',
  benchByDefault: true,
  exportAs: { kind: 'own-adapter', authorsFormat: true }, // PEFT has no WEGEFT; the authors' fork (peft_type "WeGeFT") does
  updateDirections: 's·W·φᵀ (the paper\'s clusters)',
  trains: 'φ, ψ (r × d_in) per module type, shared by all layers',
  memory: memoryCoefficients,
  source: 'Savadikar, Song, Wu, ICML 2025 (arXiv 2312.00700); the authors\' code savadikarc/gift; not in PEFT (peft_type WEGEFT in PEFT\'s layout)',
});

/** wegeft settings resolved for a model (every option present, targets filled in): what its code reads. */
export type WegeftConfig = MethodConfig<typeof wegeftMethod>;
