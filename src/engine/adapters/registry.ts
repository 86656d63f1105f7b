/**
 * Every fine-tuning method, and loading an adapter from its files by the
 * `peft_type` its adapter_config.json records.
 */
import { InputFileError } from '../errors';
import type { FileSource } from '../io/source';
import { parseSafetensors } from '../io/safetensors';
import type { Model } from '../models/model';
import { bitfit } from './bitfit';
import { dora } from './dora';
import { isDoraConfig } from './dora/config';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, readAdapterFiles } from './common/files';
import { full } from './full';
import { head } from './head';
import { ia3 } from './ia3';
import { lora } from './lora';
import { pissa } from './pissa';
import { vera } from './vera';
import { isPissaConfig } from './pissa/config';
import type { Adapter, AdapterFiles, AdapterMethod, AdapterMethodName } from './types';
import { wegeft } from './wegeft';

/** In the order the UI offers them: the method under study, its rival, then the baselines. */
export const adapterMethods: readonly AdapterMethod[] = [wegeft, lora, dora, pissa, vera, ia3, full, bitfit, head];

const BY_PEFT_TYPE: ReadonlyMap<string, AdapterMethod> = new Map([
  ['WEGEFT', wegeft],
  ['LORA', lora], // or one of LoRA's variants: see methodForConfig
  ['VERA', vera],
  ['IA3', ia3],
  ['FULL', full],
  ['BITFIT', bitfit],
  ['HEAD', head],
]);

/** PEFT writes DoRA and PiSSA as LORA configs; a field tells them apart. */
function methodForConfig(peftType: string, config: Record<string, unknown>): AdapterMethod | undefined {
  if (peftType === 'LORA' && isDoraConfig(config)) return dora;
  if (peftType === 'LORA' && isPissaConfig(config)) return pissa;
  return BY_PEFT_TYPE.get(peftType);
}

export function getAdapterMethod(name: AdapterMethodName | string): AdapterMethod {
  const method = adapterMethods.find((m) => m.name === name);
  if (!method) {
    throw new Error(`unknown fine-tuning method "${name}" (known: ${adapterMethods.map((m) => m.name).join(', ')})`);
  }
  return method;
}

/**
 * An adapter from its files, onto `model`. `label` names the folder in
 * errors (`my-run/adapter_config.json`). Loading onto a different base
 * model, a truncated file, or an adapter type this app does not know is an
 * InputFileError saying so.
 */
export function loadAdapter(model: Model, files: AdapterFiles, label = 'adapter'): Adapter {
  const configFile = `${label}/${ADAPTER_CONFIG_FILE}`;
  const peftType = files.config.peft_type;
  const method = typeof peftType === 'string' ? methodForConfig(peftType, files.config) : undefined;
  if (!method) {
    throw new InputFileError(
      configFile,
      `"peft_type" ${JSON.stringify(peftType)} is not one this app can load (known: ${[...BY_PEFT_TYPE.keys()].join(', ')})`,
    );
  }
  const weightsFile = `${label}/${ADAPTER_WEIGHTS_FILE}`;
  return method.load(model, files.config, parseSafetensors(files.weights, weightsFile), weightsFile);
}

/** Reads adapter_config.json and adapter_model.safetensors from a source, then loads them. */
export async function loadAdapterFrom(model: Model, source: FileSource): Promise<Adapter> {
  const { files } = await readAdapterFiles(source);
  return loadAdapter(model, files, source.label);
}
