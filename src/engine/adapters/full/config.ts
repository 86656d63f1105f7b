/**
 * Full fine-tuning: every parameter of the model is trained (tied embeddings
 * stay tied: one parameter, trained once). A classifier whose label count
 * changes gets a new head.
 */
import type { Model } from '../../models/model';
import { classifierHead } from '../common/head';
import { ownParameters, type SubsetPlan } from '../common/parameter-subset';
export function planFull(model: Model, labels: string[] | undefined): SubsetPlan {
  const head = classifierHead(model, labels);
  const headNames = new Set(head?.params.map((p) => p.name));
  return { params: ownParameters(model, model.parameterNames().filter((n) => !headNames.has(n))), head };
}
