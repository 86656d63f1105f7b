/**
 * PiSSA settings and adapter_config.json as PEFT writes them: a LoRA config
 * whose `init_lora_weights` is "pissa" (exact SVD) or "pissa_niter_N" (the
 * randomized SVD with N subspace iterations). The trained tensors are
 * LoRA's lora_A and lora_B; what differs is their start and the frozen
 * residual weight that replaces W.
 */
import { InputFileError, quoted } from '../../errors';
import type { Model } from '../../models/model';
import { lowRankDefaults, validateLowRank } from '../common/low-rank';
import { countLora, loraConfigJson, loraSettingsFromConfig } from '../lora/config';
import type { AdapterSettings } from '../types';

const PISSA_INIT = /^pissa(?:_niter_(\d+))?$/;

export function pissaDefaults(model: Model, settings: Partial<AdapterSettings>): AdapterSettings {
  return { ...lowRankDefaults('pissa', model, settings), pissaNiter: settings.pissaNiter ?? null };
}

export function validatePissa(model: Model, settings: AdapterSettings): string[] {
  const problems = validateLowRank('pissa', model, settings);
  const niter = settings.pissaNiter;
  if (niter !== undefined && niter !== null && !(Number.isInteger(niter) && niter >= 0 && niter <= 100)) {
    problems.push(`the randomized SVD's subspace iterations must be a whole number in [0, 100], got ${niter}`);
  }
  return problems;
}

/** As LoRA: r·(d_in + d_out) per target module (the residual weight is frozen), plus a classifier head. */
export const countPissa = countLora;

/** PEFT's init_lora_weights for these settings. */
export function pissaInitName(settings: AdapterSettings): string {
  return settings.pissaNiter === undefined || settings.pissaNiter === null ? 'pissa' : `pissa_niter_${settings.pissaNiter}`;
}

export function pissaConfigJson(model: Model, settings: AdapterSettings): Record<string, unknown> {
  return { ...loraConfigJson(model, settings), init_lora_weights: pissaInitName(settings) };
}

/** Whether a LORA adapter_config.json is PiSSA's. */
export function isPissaConfig(config: Record<string, unknown>): boolean {
  return typeof config.init_lora_weights === 'string' && config.init_lora_weights.startsWith('pissa');
}

export function pissaSettingsFromConfig(config: Record<string, unknown>, configFile: string): AdapterSettings {
  const match = typeof config.init_lora_weights === 'string' ? PISSA_INIT.exec(config.init_lora_weights) : null;
  if (!match) {
    throw new InputFileError(configFile, `"init_lora_weights" must be "pissa" or "pissa_niter_N", got ${quoted(config.init_lora_weights)}`);
  }
  const lora = loraSettingsFromConfig({ ...config, init_lora_weights: true }, configFile);
  return { ...lora, method: 'pissa', pissaNiter: match[1] === undefined ? null : Number(match[1]) };
}
