/** (IA)³'s declaration: names, PEFT type, options, defaults per task, source (no tfjs: the page imports it). */
import { defineMethod, type MethodConfig } from '../common/method-spec';
import { targetsOption } from '../common/options';
import { memoryCoefficients } from './memory';

export const ia3Method = defineMethod({
  name: 'ia3',
  label: '(IA)³',
  description:
    'Learns one rescaling vector per targeted layer: on the outputs of the attention keys and values, and on ' +
    'the input of the feed-forward output layer. The fewest parameters of the low-rank family.',
  peftTypes: ['IA3'],
  options: {
    targets: targetsOption('Which linear layers get a rescaling vector.', "PEFT's (IA)³ mapping for the family"),
    feedforward: {
      ...targetsOption(
        'Of the targets, those whose input (not output) is rescaled (PEFT\'s feedforward_modules).',
        "PEFT's mapping for the family (none when targets are given)",
      ),
      label: 'Feed-forward modules',
      flag: 'feedforward',
      urlKey: 'ff',
    },
  },
  // The (IA)³ paper (T-Few) trains its vectors at 3e-3 on a 3B model; the tiny bundled models take larger steps.
  defaults: {
    'causal-lm': { learningRate: 1e-2, options: {} },
    'image-classification': { learningRate: 1e-2, options: {} },
  },
  benchByDefault: false,
  exportAs: { kind: 'peft-adapter' }, // PEFT loads it (peft_type IA3)
  trains: 'one vector per targeted layer: d_out (keys, values) or d_in (feed-forward input)',
  memory: memoryCoefficients,
  source: 'Liu et al., NeurIPS 2022 (arXiv 2205.05638); PEFT tuners/ia3',
});

/** ia3 settings resolved for a model (every option present, targets filled in): what its code reads. */
export type Ia3Config = MethodConfig<typeof ia3Method>;
