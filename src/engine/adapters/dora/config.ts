/**
 * DoRA settings and adapter_config.json as PEFT writes them: a LoRA config
 * with `use_dora: true`. DoRA adds one magnitude vector per target module
 * (`lora_magnitude_vector`, d_out elements) to LoRA's A and B.
 */
import { InputFileError } from '../../errors';
import type { Model } from '../../models/model';
import { classifierHead, headParameterCount } from '../common/head';
import { resolveTargets } from '../common/targets';
import { loraConfigJson, loraSettingsFromConfig } from '../lora/config';
import { isDoraConfig, type DoraConfig } from './method';

/** Sum over target modules of r·(d_in + d_out) + d_out (the magnitude), plus a classifier head. */
export function countDora(model: Model, settings: DoraConfig): number {
  const adapters = resolveTargets(model, settings.targets).reduce((sum, m) => sum + settings.rank * (m.dIn + m.dOut) + m.dOut, 0);
  return adapters + headParameterCount(classifierHead(model, settings.labels));
}

export function doraConfigJson(model: Model, settings: DoraConfig): Record<string, unknown> {
  return { ...loraConfigJson(model, settings), use_dora: true };
}

/** Settings recorded in a PEFT DoRA adapter_config.json; every other LoRA variant is refused as LoRA refuses it. */
export function doraSettingsFromConfig(config: Record<string, unknown>, configFile: string): DoraConfig {
  if (!isDoraConfig(config)) throw new InputFileError(configFile, '"use_dora" must be true for a DoRA adapter');
  return { ...loraSettingsFromConfig({ ...config, use_dora: false }, configFile), method: 'dora' };
}
