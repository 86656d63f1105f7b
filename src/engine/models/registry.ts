/** The model families, keyed by config.json `model_type`. */
import { InputFileError, quoted } from '../errors';
import { gpt2 } from './gpt2';
import { gptNeo } from './gpt_neo';
import { llama } from './llama';
import type { AnyModelConfig, ModelFamily } from './types';
import { vit } from './vit';

const FAMILIES: ReadonlyMap<string, ModelFamily> = new Map<string, ModelFamily>(
  ([gpt2, gptNeo, llama, vit] as unknown as ModelFamily[]).map((family) => [family.modelType, family]),
);

export function supportedModelTypes(): string[] {
  return [...FAMILIES.keys()];
}

/** The family a config.json names; an InputFileError naming `file` when it names none we support. */
export function familyFor(rawConfig: unknown, file: string): ModelFamily<AnyModelConfig> {
  if (typeof rawConfig !== 'object' || rawConfig === null || Array.isArray(rawConfig)) {
    throw new InputFileError(file, 'must be a JSON object');
  }
  const modelType = (rawConfig as Record<string, unknown>).model_type;
  if (modelType === undefined || modelType === null) {
    throw new InputFileError(file, `has no "model_type" (supported: ${supportedModelTypes().join(', ')})`);
  }
  const family = typeof modelType === 'string' ? FAMILIES.get(modelType) : undefined;
  if (!family) {
    throw new InputFileError(
      file,
      `unsupported model_type ${quoted(modelType)} (supported: ${supportedModelTypes().join(', ')})`,
    );
  }
  return family;
}
