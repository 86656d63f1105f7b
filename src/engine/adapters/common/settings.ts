/**
 * Settings checks shared by the methods, the error `create` throws when
 * settings are invalid (the UI calls `validate` first and shows the same
 * sentences next to the form), and the AdapterMethod wrapper that runs them.
 */
import type { SafetensorsFile } from '../../io/safetensors';
import type { Model } from '../../models/model';
import type { Adapter, AdapterMethod, AdapterMethodName, AdapterSettings } from '../types';
import { validateLabels } from './head';
import { declaredOptionProblems, undeclaredOptions, type MethodConfig, type MethodSpec } from './method-spec';

export class AdapterSettingsError extends Error {
  override readonly name = 'AdapterSettingsError';
  constructor(
    readonly method: AdapterMethodName,
    readonly problems: string[],
  ) {
    super(`invalid ${method} settings: ${problems.join('; ')}`);
  }
}

/** Throws AdapterSettingsError listing every problem, if there are any. */
export function requireValidSettings(problems: string[], method: AdapterMethodName): void {
  if (problems.length > 0) throw new AdapterSettingsError(method, problems);
}

/**
 * A method's engine side of its declaration: the declaration itself, the
 * defaults that depend on the model (targets, a rank capped to the layers'
 * width), and the checks that need the model (beyond the declared bounds,
 * which every method gets from its declaration).
 */
export interface MethodBasics<S extends MethodSpec = MethodSpec> {
  spec: S;
  /**
   * Model-dependent defaults, given the settings with the declared defaults
   * for the model's task already filled in, and what the caller gave.
   */
  withDefaults?: (model: Model, declared: AdapterSettings, given: Partial<AdapterSettings>) => AdapterSettings;
  /** Checks that need the model; run only once the declared options are valid (so the config is typed). */
  validate?: (model: Model, config: MethodConfig<S>) => string[];
}

/** The settings with every option the caller left out taken from the method's defaults for the model's task. */
export function declaredDefaults(spec: MethodSpec, model: Model, given: Partial<AdapterSettings>): AdapterSettings {
  const defaults = spec.defaults[model.task].options;
  const out: Record<string, unknown> = { method: spec.name };
  for (const key of Object.keys(spec.options)) {
    const value = (given as Record<string, unknown>)[key];
    if (value !== undefined) out[key] = value;
    else if (key in defaults) out[key] = defaults[key];
  }
  for (const [key, value] of Object.entries(given)) if (value !== undefined && !(key in out) && key !== 'labels') out[key] = value;
  out.labels = defaultLabels(model, given.labels);
  return out as unknown as AdapterSettings;
}

/**
 * Problems with settings for this model, in words: the method name, the
 * labels, options the method does not have, every declared option against
 * its declaration, then (when those pass) the method's own checks.
 */
export function validateDeclared<S extends MethodSpec>(
  spec: S,
  model: Model,
  settings: AdapterSettings,
  extra?: MethodBasics<S>['validate'],
): string[] {
  const problems = validateCommon(model, settings, spec.name as AdapterMethodName);
  for (const key of undeclaredOptions(spec, settings)) {
    problems.push(`"${key}" is not an option of ${spec.label}`);
  }
  problems.push(...declaredOptionProblems(spec, settings));
  // Targets may be absent from input (the family's default); once defaults are filled in they must be there.
  for (const [key, option] of Object.entries(spec.options)) {
    if (option.kind === 'targets' && (settings as Record<string, unknown>)[key] === undefined) {
      problems.push(`no ${option.label.toLowerCase()} given`);
    }
  }
  if (problems.length > 0 || !extra) return problems;
  return extra(model, asConfig(spec, settings));
}

/**
 * Settings as a method's typed config, once validateDeclared found no
 * problem: every declared option is present with its kind's value (the
 * one place that turns the flat record into a method's own type).
 */
function asConfig<S extends MethodSpec>(_spec: S, settings: AdapterSettings): MethodConfig<S> {
  return settings as unknown as MethodConfig<S>;
}

/**
 * A method's AdapterMethod: withDefaults fills the declared defaults then
 * the model-dependent ones; validate checks the declaration then the
 * method's own rules; countTrainable and create first validate, throwing
 * AdapterSettingsError on any problem.
 */
export function validatedMethod<S extends MethodSpec>(
  basics: MethodBasics<S> & {
    count: (model: Model, config: MethodConfig<S>) => number;
    create: (model: Model, config: MethodConfig<S>, seed: number) => Adapter;
    load: (model: Model, config: Record<string, unknown>, weights: SafetensorsFile) => Adapter;
  },
): AdapterMethod {
  const { spec } = basics;
  const name = spec.name as AdapterMethodName;
  const validate = (model: Model, settings: AdapterSettings) => validateDeclared(spec, model, settings, basics.validate);
  return {
    name,
    displayName: spec.label,
    description: spec.description,
    spec,
    withDefaults(model, given) {
      const declared = declaredDefaults(spec, model, given);
      return basics.withDefaults ? basics.withDefaults(model, declared, given) : declared;
    },
    validate,
    countTrainable(model, settings) {
      requireValidSettings(validate(model, settings), name);
      return basics.count(model, asConfig(spec, settings));
    },
    create(model, settings, seed) {
      requireValidSettings(validate(model, settings), name);
      return basics.create(model, asConfig(spec, settings), seed);
    },
    load: (model, config, weights) => basics.load(model, config, weights),
  };
}

/** Checks shared by every method: the method name and the labels. */
export function validateCommon(model: Model, settings: AdapterSettings, method: AdapterMethodName): string[] {
  const problems: string[] = [];
  if (settings.method !== method) problems.push(`these settings are for "${settings.method}", not "${method}"`);
  problems.push(...validateLabels(model, settings.labels));
  return problems;
}

/**
 * The label names a classifier run trains for: the settings', else the
 * checkpoint's; undefined for language models.
 */
export function defaultLabels(model: Model, labels: string[] | undefined): string[] | undefined {
  if (model.config.task !== 'image-classification') return labels;
  return labels ?? [...model.config.labels];
}
