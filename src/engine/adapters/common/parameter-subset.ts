/**
 * The baselines that train a subset of the model's own parameters: full
 * fine-tuning every parameter, the biases, or the task head.
 * Each trainable parameter is a variable that replaces the frozen one through
 * the patch; the base model is never changed.
 *
 * PEFT has no adapter type for these, so this app defines one in the same
 * two files:
 *
 *   adapter_config.json:
 *     { "peft_type": <the method's own, from its declaration>,
 *       "format": "wegeft-playground-parameters", "format_version": 1,
 *       "model_type": "gpt2", "base_model_name_or_path": ... | null,
 *       "parameters": [canonical names, in checkpoint order],
 *       "modules_to_save": ["classifier"] | null }
 *   adapter_model.safetensors: each listed parameter under its canonical
 *     name (`transformer.h.0.attn.c_attn.bias`, `classifier.weight`), F32;
 *     a classifier's label names in the header metadata (`labels`).
 *
 * Head-only on a language model trains `lm_head.weight`: a model with tied
 * embeddings gets its own head, initialised from the input embedding, so
 * the input embedding stays frozen ("untied"); an exported model then has
 * `tie_word_embeddings: false`.
 */
import * as tf from '@tensorflow/tfjs';
import { InputFileError } from '../../errors';
import type { SafetensorsFile } from '../../io/safetensors';
import type { Model } from '../../models/model';
import { deriveSeed } from '../../random';
import { methodSpec } from '../methods';
import type { AdapterMethod, AdapterMethodName, AdapterSettings } from '../types';
import { BaseAdapter } from './base-adapter';
import { configFileFor, readAdapterTensor, rejectUnexpectedTensors } from './files';
import { validatedMethod, type MethodBasics } from './settings';
import { createHeadVariables, headParameterCount, loadHeadVariables, trainableVariable, type ClassifierHead } from './head';

/** A method that trains a subset of the model's parameters (its declaration names its peft_type). */
type SubsetMethodName = AdapterMethodName;
const FORMAT = 'wegeft-playground-parameters';
const FORMAT_VERSION = 1;

export interface PlannedParameter {
  /** Canonical name of the parameter the variable replaces (or adds: an untied lm_head). */
  name: string;
  shape: number[];
  /** The base parameter whose value it starts from (itself, or the embedding for an untied head). */
  initialFrom: string;
}

/** What a subset method trains on a model, before anything is allocated. */
export interface SubsetPlan {
  /** Trained parameters other than a classifier head, in checkpoint order. */
  params: PlannedParameter[];
  /** The classifier head, trained under every method; null for language models. */
  head: ClassifierHead | null;
}

export function planParameterCount(plan: SubsetPlan): number {
  return plan.params.reduce((sum, p) => sum + p.shape.reduce((a, b) => a * b, 1), 0) + headParameterCount(plan.head);
}

/** Frozen base parameters as planned entries of their own shape. */
export function ownParameters(model: Model, names: string[]): PlannedParameter[] {
  return names.map((name) => ({ name, shape: model.baseParam(name).shape.slice(), initialFrom: name }));
}

export class ParameterSubsetAdapter extends BaseAdapter {
  private constructor(
    model: Model,
    method: SubsetMethodName,
    settings: AdapterSettings,
    variables: Map<string, tf.Variable>,
    head: ClassifierHead | null,
    headNames: string[],
  ) {
    super({
      model, method, settings, trainable: variables, headKeys: headNames, paramOverrides: new Map(variables),
      hooks: new Map(), labels: head ? head.labels : null,
    });
  }

  static create(model: Model, method: SubsetMethodName, settings: AdapterSettings, plan: SubsetPlan, seed: number) {
    const variables = new Map<string, tf.Variable>();
    for (const p of plan.params) variables.set(p.name, trainableVariable(() => model.baseParam(p.initialFrom)));
    const headVariables = plan.head ? createHeadVariables(model, plan.head, deriveSeed(seed, 'head')) : new Map();
    for (const [name, v] of headVariables) variables.set(name, v);
    return new ParameterSubsetAdapter(model, method, settings, variables, plan.head, headNames(plan));
  }

  /** Loads the format above; `planFor` gives what the method trains for the file's labels. */
  static load(
    model: Model,
    method: SubsetMethodName,
    config: Record<string, unknown>,
    weights: SafetensorsFile,
    planFor: (labels: string[] | undefined) => SubsetPlan,
  ): ParameterSubsetAdapter {
    const configFile = configFileFor(weights.file);
    checkSavedModelType(model, config, configFile);
    const loadedHead = loadHeadVariables(model, weights, (name) => name);
    const variables = new Map<string, tf.Variable>();
    try {
      const plan = planFor(loadedHead.head?.labels);
      checkListedParameters(model, method, config, plan, configFile);
      for (const p of plan.params) {
        variables.set(p.name, trainableVariable(() => readAdapterTensor(weights, p.name, p.shape, `parameter ${p.name}`)));
      }
      for (const [name, v] of loadedHead.variables) variables.set(name, v);
      rejectUnexpectedTensors(weights, new Set(variables.keys()));
      const settings: AdapterSettings = { method, labels: loadedHead.head?.labels };
      return new ParameterSubsetAdapter(model, method, settings, variables, plan.head, headNames(plan));
    } catch (error) {
      for (const v of new Set([...variables.values(), ...loadedHead.variables.values()])) v.dispose();
      throw error;
    }
  }

  /** Nothing to merge: the trained values already are the weights. */
  protected mergedLinearWeights(): Map<string, tf.Tensor> {
    return new Map();
  }

  protected adapterConfig(): Record<string, unknown> {
    const raw = this.model.config.raw;
    return {
      peft_type: methodSpec(this.method).peftTypes[0],
      format: FORMAT,
      format_version: FORMAT_VERSION,
      model_type: this.model.config.modelType,
      base_model_name_or_path: typeof raw._name_or_path === 'string' ? raw._name_or_path : null,
      parameters: [...this.trainable.keys()],
      modules_to_save: this.model.config.task === 'image-classification' ? this.model.family.headModules(this.model.config) : null,
    };
  }
}

/** The head's parameter names: a classifier's, or an untied lm_head. */
function headNames(plan: SubsetPlan): string[] {
  const names = plan.head ? plan.head.params.map((p) => p.name) : [];
  return [...names, ...plan.params.filter((p) => p.name === 'lm_head.weight').map((p) => p.name)];
}

function checkSavedModelType(model: Model, config: Record<string, unknown>, configFile: string): void {
  if (config.format !== FORMAT) {
    throw new InputFileError(configFile, `"format" must be "${FORMAT}", got ${JSON.stringify(config.format)}`);
  }
  if (config.format_version !== FORMAT_VERSION) {
    throw new InputFileError(configFile, `"format_version" ${JSON.stringify(config.format_version)} is not supported (expected ${FORMAT_VERSION})`);
  }
  if (config.model_type !== model.config.modelType) {
    throw new InputFileError(
      configFile,
      `was saved from a ${JSON.stringify(config.model_type)} model, but this is a ${JSON.stringify(model.config.modelType)} model: ` +
        'load it onto the base model it was trained from',
    );
  }
}

/** The file's `parameters` must be exactly what the method trains on this model. */
function checkListedParameters(
  model: Model,
  method: SubsetMethodName,
  config: Record<string, unknown>,
  plan: SubsetPlan,
  configFile: string,
): void {
  const listed = config.parameters;
  if (!Array.isArray(listed) || !listed.every((n) => typeof n === 'string')) {
    throw new InputFileError(configFile, '"parameters" must be the list of saved parameter names');
  }
  const planned = new Set([...plan.params.map((p) => p.name), ...(plan.head?.params.map((p) => p.name) ?? [])]);
  const extra = (listed as string[]).find((n) => !planned.has(n));
  const missing = [...planned].find((n) => !(listed as string[]).includes(n));
  if (extra !== undefined || missing !== undefined) {
    const detail = extra !== undefined ? `lists "${extra}", which` : `does not list "${missing}", which`;
    const verb = extra !== undefined ? 'is not trained' : 'is trained';
    throw new InputFileError(
      configFile,
      `${detail} ${verb} by ${method} on this ${model.family.displayName} model: ` +
        'the adapter was made for a different base model',
    );
  }
}

/** The AdapterMethod of a subset baseline, from its folder's config functions. */
export function subsetMethod(
  spec: MethodBasics & {
    plan: (model: Model, labels: string[] | undefined) => SubsetPlan;
  },
): AdapterMethod {
  const { plan, ...basics } = spec;
  const name = basics.spec.name as AdapterMethodName;
  return validatedMethod({
    ...basics,
    count: (model, config) => planParameterCount(plan(model, config.labels)),
    // A subset baseline has no options: its settings are its name and labels.
    create: (model, config, seed) =>
      ParameterSubsetAdapter.create(model, name, { method: name, labels: config.labels }, plan(model, config.labels), seed),
    load: (model, config, weights) => ParameterSubsetAdapter.load(model, name, config, weights, (labels) => plan(model, labels)),
  });
}
