/**
 * The task head of an image classifier, trained under every method and
 * saved with the adapter (PEFT's `modules_to_save`).
 *
 * When the dataset's labels are the checkpoint's (same names, same order, or
 * no labels given), the existing classifier is trained from its pretrained
 * values (as the ViT fixtures do). When they differ — another count, or the
 * same count of other classes (digits for a clothing model) — a new head for
 * the dataset's labels replaces it, initialised as transformers initialises
 * one: weight ~ N(0, initializer_range²), bias 0. Re-using a head trained to
 * answer "Trouser" for a dataset whose class 1 is the digit 1 would start
 * training from confidently wrong answers.
 * Language models have no such head (their lm_head is only trained by the
 * head-only and full methods).
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '../../random';
import type { Model } from '../../models/model';
import type { ImageClassifierConfig } from '../../models/types';
import type { SafetensorsFile } from '../../io/safetensors';
import { labelsFromMetadata, readAdapterTensor } from './files';
import { normalSamples } from './init';

export interface HeadParameter {
  /** Canonical name, e.g. `classifier.weight`. */
  name: string;
  shape: number[];
}

export interface ClassifierHead {
  /** Head module paths (`classifier`), as modules_to_save lists them. */
  modules: string[];
  params: HeadParameter[];
  /** The label names the head predicts. */
  labels: string[];
  /** Whether it replaces the checkpoint's head (labels other than the checkpoint's). */
  replaced: boolean;
}

/** The classifier head for `labels` (the checkpoint's when absent); null for models without one. */
export function classifierHead(model: Model, labels?: readonly string[]): ClassifierHead | null {
  if (model.config.task !== 'image-classification') return null;
  const config = model.config as ImageClassifierConfig;
  const names = labels ? [...labels] : [...config.labels];
  const modules = model.family.headModules(config);
  const params: HeadParameter[] = [];
  for (const path of modules) {
    const module = model.linearModule(path);
    // Only the output side changes with the label count; conv1d stores (d_in, d_out).
    const weightShape = module.layout === 'linear' ? [names.length, module.dIn] : [module.dIn, names.length];
    params.push({ name: module.weight, shape: weightShape });
    if (module.bias) params.push({ name: module.bias, shape: [names.length] });
  }
  const sameLabels = names.length === config.labels.length && names.every((name, i) => name === config.labels[i]);
  return { modules, params, labels: names, replaced: !sameLabels };
}

export function headParameterCount(head: ClassifierHead | null): number {
  if (!head) return 0;
  return head.params.reduce((sum, p) => sum + p.shape.reduce((a, b) => a * b, 1), 0);
}

/** Trainable variables for the head: from the checkpoint's values, or fresh ones for a replaced head. */
export function createHeadVariables(model: Model, head: ClassifierHead, seed: number): Map<string, tf.Variable> {
  const variables = new Map<string, tf.Variable>();
  const std = typeof model.config.raw.initializer_range === 'number' ? model.config.raw.initializer_range : 0.02;
  for (const p of head.params) {
    const initial = (): tf.Tensor => {
      if (!head.replaced) return model.baseParam(p.name);
      if (p.name.endsWith('.bias')) return tf.zeros(p.shape);
      const count = p.shape.reduce((a, b) => a * b, 1);
      return tf.tensor(normalSamples(count, std, deriveSeed(seed, `head:${p.name}`)), p.shape);
    };
    variables.set(p.name, trainableVariable(initial));
  }
  return variables;
}

/**
 * A trainable variable holding `initial()`'s value. tidy frees whatever
 * `initial` allocates; variables are never tracked by tidy, and a base
 * parameter passed through is left alone (the variable gets its own copy on
 * its first assign, so the base model is never changed).
 */
export function trainableVariable(initial: () => tf.Tensor): tf.Variable {
  return tf.tidy(() => tf.variable(initial(), true));
}

/** Problems with the requested labels, in words. */
export function validateLabels(model: Model, labels: readonly string[] | undefined): string[] {
  if (labels === undefined) return [];
  if (model.config.task !== 'image-classification') {
    return ['labels apply to classifiers only; this model is a language model'];
  }
  if (labels.length < 2) return [`a classifier needs at least 2 labels, got ${labels.length}`];
  const seen = new Set<string>();
  const duplicates = labels.filter((l) => (seen.has(l) ? true : (seen.add(l), false)));
  if (duplicates.length > 0) return [`label names must be distinct; repeated: ${[...new Set(duplicates)].join(', ')}`];
  return [];
}

/**
 * The head of a loaded adapter: its tensors from the file when it holds
 * them (a replaced head's label count is read from their shape, its names
 * from the file's metadata), else the checkpoint's head, to be trained
 * from there. `keyOf` maps a canonical parameter name to its key in the file.
 */
export function loadHeadVariables(
  model: Model,
  weights: SafetensorsFile,
  keyOf: (parameterName: string) => string,
): { head: ClassifierHead | null; variables: Map<string, tf.Variable> } {
  const checkpointHead = classifierHead(model);
  if (!checkpointHead) return { head: null, variables: new Map() };
  const weightParam = checkpointHead.params[0];
  const entry = weights.entries.get(keyOf(weightParam.name));
  if (!entry) return { head: checkpointHead, variables: createHeadVariables(model, checkpointHead, 0) };

  const module = model.linearModule(checkpointHead.modules[0]);
  const labelCount = entry.shape.length === 2 ? entry.shape[module.layout === 'linear' ? 0 : 1] : 0;
  const stored = labelsFromMetadata(weights);
  const labels =
    stored?.length === labelCount
      ? stored
      : labelCount === checkpointHead.labels.length
        ? checkpointHead.labels
        : Array.from({ length: labelCount }, (_, i) => `LABEL_${i}`);
  const head = classifierHead(model, labels)!;
  const variables = new Map<string, tf.Variable>();
  try {
    for (const p of head.params) {
      variables.set(p.name, trainableVariable(() => readAdapterTensor(weights, keyOf(p.name), p.shape, `classifier head's ${p.name}`)));
    }
  } catch (error) {
    for (const v of variables.values()) v.dispose();
    throw error;
  }
  return { head, variables };
}
