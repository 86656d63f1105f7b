/**
 * BitFit (Ben Zaken et al., 2022): only the bias terms are trained, those of
 * the linear layers and of the norms, plus a classifier's head. A model
 * without biases (Llama) leaves BitFit nothing to train.
 */
import type { Model } from '../../models/model';
import { classifierHead } from '../common/head';
import { ownParameters, type SubsetPlan } from '../common/parameter-subset';

function biasNames(model: Model): string[] {
  return model.parameterNames().filter((n) => n.endsWith('.bias'));
}

/** A model without biases leaves BitFit nothing to train (a classifier still trains its head). */
export function validateBitfit(model: Model): string[] {
  const problems: string[] = [];
  if (biasNames(model).length === 0 && !classifierHead(model)) {
    problems.push(
      `this ${model.family.displayName} model has no bias terms, so BitFit would train nothing: ` +
        'choose WeGeFT, LoRA, full fine-tuning or head-only instead',
    );
  }
  return problems;
}

export function planBitfit(model: Model, labels: string[] | undefined): SubsetPlan {
  const head = classifierHead(model, labels);
  const headNames = new Set(head?.params.map((p) => p.name));
  return { params: ownParameters(model, biasNames(model).filter((n) => !headNames.has(n))), head };
}
