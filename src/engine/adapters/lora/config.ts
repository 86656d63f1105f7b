/**
 * LoRA settings and adapter_config.json exactly as PEFT writes them, so that
 * `PeftModel.from_pretrained(base, folder)` loads what this app saves:
 * `lora_A` (r, d_in), `lora_B` (d_out, r) per target module, scaling
 * lora_alpha / r, `fan_in_fan_out: true` for GPT-2's Conv1D layers.
 */
import { InputFileError } from '../../errors';
import type { Model } from '../../models/model';
import { autoMapping } from '../handoff/base-model';
import { positiveIntegerField, positiveNumberField } from '../common/files';
import { classifierHead, headParameterCount } from '../common/head';
import { LOW_RANK_PRODUCT_LIMIT, lowRankDefaults, validateLowRank, type LowRankOptions } from '../common/low-rank';
import { resolveTargets, targetsFromConfig, targetsToPeft } from '../common/targets';
import type { AdapterSettings } from '../types';
import type { LoraConfig } from './method';

export const PEFT_TYPE = 'LORA';
/** The PEFT release whose adapter_config.json layout we write (the fixtures'). */
const PEFT_VERSION = '0.21.0';

/** The family's targets, the declared rank capped at min(d_in, d_out): LoRA and the methods built on its B·A alike. */
export function loraDefaults(model: Model, declared: AdapterSettings, given: Partial<AdapterSettings>): AdapterSettings {
  return lowRankDefaults(model, declared, given, LOW_RANK_PRODUCT_LIMIT);
}

export function validateLora(model: Model, settings: LowRankConfig): string[] {
  return validateLowRank(model, settings, LOW_RANK_PRODUCT_LIMIT);
}

/** Sum over target modules of r·(d_in + d_out), plus a classifier head. */
export function countLora(model: Model, settings: LowRankConfig): number {
  const adapters = resolveTargets(model, settings.targets).reduce((sum, m) => sum + settings.rank * (m.dIn + m.dOut), 0);
  return adapters + headParameterCount(classifierHead(model, settings.labels));
}

/** What a LoRA-shaped adapter_config.json records (LoRA's and its variants' configs have these). */
export type LowRankConfig = LowRankOptions & { alpha: number; labels?: string[] };

/** PEFT 0.21's LoraConfig fields with the values a plain LoRA has. */
export function loraConfigJson(model: Model, settings: LowRankConfig): Record<string, unknown> {
  const head = classifierHead(model, settings.labels);
  const conv1d = resolveTargets(model, settings.targets).some((m) => m.layout === 'conv1d');
  return {
    alora_invocation_tokens: null, alpha_pattern: {}, arrow_config: null, auto_mapping: autoMapping(model),
    base_model_name_or_path: typeof model.config.raw._name_or_path === 'string' ? model.config.raw._name_or_path : null,
    bias: 'none', corda_config: null, ensure_weight_tying: false, eva_config: null, exclude_modules: null,
    fan_in_fan_out: conv1d, inference_mode: true, init_lora_weights: true, kasa_config: null,
    layer_replication: null, layers_pattern: null, layers_to_transform: null, loftq_config: {},
    lora_alpha: settings.alpha, lora_bias: false, lora_dropout: 0.0, lora_ga_config: null,
    megatron_config: null, megatron_core: 'megatron.core',
    modules_to_save: head ? head.modules : null,
    monteclora_config: null, peft_type: PEFT_TYPE, peft_version: PEFT_VERSION, qalora_group_size: 16,
    r: settings.rank, rank_pattern: {}, revision: null,
    target_modules: targetsToPeft(settings.targets),
    target_parameters: null, task_type: null, trainable_token_indices: null, use_bdlora: null,
    use_dora: false, use_qalora: false, use_rslora: false, velora_config: null,
  };
}

/**
 * LoRA variants whose math differs from plain LoRA, by config field: loading
 * one as plain LoRA would silently compute something else, so it is refused.
 * (Dropout and fan_in_fan_out need no check: dropout is off at inference,
 * and the tensors' layout does not depend on fan_in_fan_out.)
 */
const UNSUPPORTED: [field: string, isUsed: (value: unknown) => boolean, what: string][] = [
  ['use_dora', (v) => v === true, 'weight-decomposed LoRA (use_dora)'],
  ['use_rslora', (v) => v === true, 'rank-stabilised LoRA (use_rslora)'],
  ['use_qalora', (v) => v === true, 'QA-LoRA'],
  ['lora_bias', (v) => v === true, 'LoRA bias terms (lora_bias)'],
  ['bias', (v) => v !== undefined && v !== null && v !== 'none', 'trained biases ("bias" other than "none")'],
  ['rank_pattern', (v) => isNonEmpty(v), 'per-module ranks (rank_pattern)'],
  ['alpha_pattern', (v) => isNonEmpty(v), 'per-module alphas (alpha_pattern)'],
  ['layers_to_transform', (v) => isNonEmpty(v), 'layers_to_transform'],
  ['exclude_modules', (v) => isNonEmpty(v), 'exclude_modules'],
  ['layer_replication', (v) => isNonEmpty(v), 'layer_replication'],
  ['target_parameters', (v) => isNonEmpty(v), 'target_parameters'],
  ['trainable_token_indices', (v) => isNonEmpty(v), 'trainable_token_indices'],
];

function isNonEmpty(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value) || typeof value === 'string') return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/** Settings recorded in a PEFT LoRA adapter_config.json; `configFile` names it in errors. */
export function loraSettingsFromConfig(config: Record<string, unknown>, configFile: string): LoraConfig {
  for (const [field, isUsed, what] of UNSUPPORTED) {
    if (isUsed(config[field])) throw new InputFileError(configFile, `uses ${what}, which this app does not support`);
  }
  const targets = targetsFromConfig(config, configFile);
  return {
    method: 'lora',
    rank: positiveIntegerField(config, 'r', configFile),
    alpha: positiveNumberField(config, 'lora_alpha', configFile),
    targets,
  };
}
