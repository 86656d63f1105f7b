/**
 * Settings checks shared by the methods, the error `create` throws when
 * settings are invalid (the UI calls `validate` first and shows the same
 * sentences next to the form), and the AdapterMethod wrapper that runs them.
 */
import type { SafetensorsFile } from '../../io/safetensors';
import type { Model } from '../../models/model';
import type { Adapter, AdapterMethod, AdapterMethodName, AdapterSettings } from '../types';
import { validateLabels } from './head';

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

/** What a method says about itself: its names, its defaults and its settings checks. */
export interface MethodBasics {
  name: AdapterMethodName;
  displayName: string;
  description: string;
  withDefaults: (model: Model, settings: Partial<AdapterSettings>) => AdapterSettings;
  validate: (model: Model, settings: AdapterSettings) => string[];
}

/**
 * A method's AdapterMethod whose countTrainable and create first check the
 * settings with `validate`, throwing AdapterSettingsError on any problem.
 */
export function validatedMethod(
  spec: MethodBasics & {
    count: (model: Model, settings: AdapterSettings) => number;
    create: (model: Model, settings: AdapterSettings, seed: number) => Adapter;
    load: (model: Model, config: Record<string, unknown>, weights: SafetensorsFile) => Adapter;
  },
): AdapterMethod {
  const { name, validate } = spec;
  return {
    name,
    displayName: spec.displayName,
    description: spec.description,
    withDefaults: spec.withDefaults,
    validate,
    countTrainable(model, settings) {
      requireValidSettings(validate(model, settings), name);
      return spec.count(model, settings);
    },
    create(model, settings, seed) {
      requireValidSettings(validate(model, settings), name);
      return spec.create(model, settings, seed);
    },
    load: (model, config, weights) => spec.load(model, config, weights),
  };
}

/** Checks shared by every method: the method name and the labels. */
export function validateCommon(model: Model, settings: AdapterSettings, method: AdapterMethodName): string[] {
  const problems: string[] = [];
  if (settings.method !== method) problems.push(`these settings are for "${settings.method}", not "${method}"`);
  problems.push(...validateLabels(model, settings.labels));
  return problems;
}

/** Rank and alpha of the low-rank methods (WeGeFT, LoRA). */
export function validateRankAndAlpha(settings: AdapterSettings): string[] {
  const problems: string[] = [];
  const { rank, alpha } = settings;
  if (rank === undefined || !Number.isInteger(rank) || rank < 1) {
    problems.push(`rank must be a positive whole number, got ${rank}`);
  }
  if (alpha === undefined || !Number.isFinite(alpha) || alpha <= 0) {
    problems.push(`alpha must be a positive number, got ${alpha}`);
  }
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
