/**
 * What an exported file says about its base model, so Python finds it:
 * `base_model_name_or_path` (+ `revision`) and PEFT's `auto_mapping`, the
 * transformers class `AutoPeftModel*.from_pretrained(folder)` instantiates.
 *
 * PEFT's save_pretrained records `base_model.model.name_or_path` (the Hub id
 * or folder the model was loaded from) and, when task_type is unset,
 * `{"base_model_class": cls.__name__, "parent_library": cls.__module__}`;
 * the fixtures' PEFT-written lora/ folders show both.
 */
import type { Model } from '../../models/model';

/** Where the base model came from, as Python would name it. */
export interface BaseModelRef {
  /** A Hub repo id, or the bundled model's or dropped folder's name; null when unknown. */
  nameOrPath: string | null;
  /** The Hub revision the files were read at (null: the default branch, or not from the Hub). */
  revision: string | null;
  /** Whether `nameOrPath` is a Hub repo id (else a name the user must point at a folder). */
  fromHub: boolean;
}

export const UNKNOWN_BASE: BaseModelRef = { nameOrPath: null, revision: null, fromHub: false };

/** The transformers class the engine's model of each model_type computes (every supported family's head model). */
const TRANSFORMERS_CLASSES: Record<string, { causalLm?: string; classifier?: string }> = {
  gpt2: { causalLm: 'GPT2LMHeadModel' },
  gpt_neo: { causalLm: 'GPTNeoForCausalLM' },
  llama: { causalLm: 'LlamaForCausalLM' },
  vit: { classifier: 'ViTForImageClassification' },
};

/** PEFT's auto_mapping for this model: the class transformers builds it as, and the module defining it. */
export function autoMapping(model: Model): { base_model_class: string; parent_library: string } | null {
  const modelType = model.config.modelType;
  const classes = TRANSFORMERS_CLASSES[modelType];
  const name = model.config.task === 'causal-lm' ? classes?.causalLm : classes?.classifier;
  if (!name) return null;
  return { base_model_class: name, parent_library: `transformers.models.${modelType}.modeling_${modelType}` };
}

/** The transformers Auto class that loads this model's checkpoint with its head. */
export function autoModelClass(model: Model): 'AutoModelForCausalLM' | 'AutoModelForImageClassification' {
  return model.config.task === 'causal-lm' ? 'AutoModelForCausalLM' : 'AutoModelForImageClassification';
}

/** The AutoPeftModel class for this model's task (peft.auto). */
export function autoPeftModelClass(model: Model): 'AutoPeftModelForCausalLM' | 'AutoPeftModel' {
  return model.config.task === 'causal-lm' ? 'AutoPeftModelForCausalLM' : 'AutoPeftModel';
}

/**
 * An adapter_config.json with the base model recorded: its name (kept when
 * the config already has one and the source is unknown), revision and,
 * for the peft types PEFT knows, auto_mapping.
 */
export function withBaseModel(config: Record<string, unknown>, model: Model, base: BaseModelRef): Record<string, unknown> {
  const out = { ...config };
  if (base.nameOrPath !== null || !('base_model_name_or_path' in out)) out.base_model_name_or_path = base.nameOrPath;
  if ('revision' in out || base.revision !== null) out.revision = base.revision;
  if ('auto_mapping' in out && out.task_type === null) out.auto_mapping = autoMapping(model);
  return out;
}
