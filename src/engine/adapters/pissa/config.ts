/**
 * PiSSA settings and adapter_config.json as PEFT writes them: a LoRA config
 * whose `init_lora_weights` is "pissa" (exact SVD) or "pissa_niter_N" (the
 * randomized SVD with N subspace iterations). The trained tensors are
 * LoRA's lora_A and lora_B; what differs is their start and the frozen
 * residual weight that replaces W.
 */
import { InputFileError, quoted } from '../../errors';
import type { Model } from '../../models/model';
import { countLora, loraConfigJson, loraSettingsFromConfig } from '../lora/config';
import { isPissaConfig, type PissaConfig } from './method';

const PISSA_INIT = /^pissa(?:_niter_(\d+))?$/;

/** As LoRA: r·(d_in + d_out) per target module (the residual weight is frozen), plus a classifier head. */
export const countPissa = countLora;

/** PEFT's init_lora_weights for these settings. */
export function pissaInitName(settings: PissaConfig): string {
  return settings.pissaNiter === null ? 'pissa' : `pissa_niter_${settings.pissaNiter}`;
}

export function pissaConfigJson(model: Model, settings: PissaConfig): Record<string, unknown> {
  return { ...loraConfigJson(model, settings), init_lora_weights: pissaInitName(settings) };
}

export function pissaSettingsFromConfig(config: Record<string, unknown>, configFile: string): PissaConfig {
  const match = typeof config.init_lora_weights === 'string' ? PISSA_INIT.exec(config.init_lora_weights) : null;
  if (!match) {
    throw new InputFileError(configFile, `"init_lora_weights" must be "pissa" or "pissa_niter_N", got ${quoted(config.init_lora_weights)}`);
  }
  const lora = loraSettingsFromConfig({ ...config, init_lora_weights: true }, configFile);
  return { ...lora, method: 'pissa', pissaNiter: match[1] === undefined ? null : Number(match[1]) };
}
