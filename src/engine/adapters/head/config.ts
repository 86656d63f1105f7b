/**
 * Head-only: a linear probe. An image classifier trains its classifier
 * (a new one when the label count changes); a language model trains
 * `lm_head.weight`, untied from the input embedding when the checkpoint ties
 * them (see common/parameter-subset.ts).
 */
import type { Model } from '../../models/model';
import { classifierHead } from '../common/head';
import type { PlannedParameter, SubsetPlan } from '../common/parameter-subset';

export const LM_HEAD = 'lm_head.weight';

export function planHead(model: Model, labels: string[] | undefined): SubsetPlan {
  const head = classifierHead(model, labels);
  if (head) return { params: [], head };
  return { params: [languageModelHead(model)], head: null };
}

/**
 * lm_head.weight (vocab, D): the checkpoint's own when untied, else a copy
 * of the input embedding, the first (vocab, D) parameter in checkpoint order
 * (every supported family lists its token embedding first).
 */
function languageModelHead(model: Model): PlannedParameter {
  if (model.config.task !== 'causal-lm') throw new Error('languageModelHead: not a language model');
  const shape = [model.config.vocabSize, model.config.hiddenSize];
  if (model.parameterNames().includes(LM_HEAD)) return { name: LM_HEAD, shape, initialFrom: LM_HEAD };
  const embedding = model.parameterNames().find((n) => model.baseParam(n).shape.join(',') === shape.join(','));
  if (!embedding) throw new Error(`no (${shape}) token embedding to initialise lm_head from`);
  return { name: LM_HEAD, shape, initialFrom: embedding };
}
