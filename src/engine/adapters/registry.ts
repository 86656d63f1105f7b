/**
 * Every fine-tuning method's implementation, one line per method (their
 * declarations are listed in methods.ts, which the page's main thread reads
 * without loading tfjs; the type below makes a missing line a compile
 * error); the one function that turns user input into a method's checked
 * settings; and loading an adapter from its files by the `peft_type` its
 * adapter_config.json records.
 */
import { InputFileError } from '../errors';
import type { FileSource } from '../io/source';
import { parseSafetensors } from '../io/safetensors';
import type { Model } from '../models/model';
import { bitfit } from './bitfit';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, readAdapterFiles } from './common/files';
import { dora } from './dora';
import { full } from './full';
import { head } from './head';
import { ia3 } from './ia3';
import { lora } from './lora';
import { isMethodName, METHOD_NAMES, METHOD_SPECS } from './methods';
import { pissa } from './pissa';
import type { Adapter, AdapterFiles, AdapterMethod, AdapterMethodName, AdapterSettings } from './types';
import { vera } from './vera';
import { wegeft } from './wegeft';

const IMPLEMENTATIONS: { readonly [N in AdapterMethodName]: AdapterMethod } = { wegeft, lora, dora, pissa, vera, ia3, full, bitfit, head };

/** In the order of methods.ts (the UI's): the method under study, its rival, then the others. */
export const adapterMethods: readonly AdapterMethod[] = METHOD_SPECS.map((spec) => {
  const method = IMPLEMENTATIONS[spec.name];
  if (method.spec !== spec) throw new Error(`registry: the implementation registered as "${spec.name}" declares "${method.spec.name}"`);
  return method;
});

export function getAdapterMethod(name: AdapterMethodName | string): AdapterMethod {
  if (!isMethodName(name)) throw new Error(`unknown fine-tuning method "${name}" (known: ${METHOD_NAMES.join(', ')})`);
  return IMPLEMENTATIONS[name];
}

/** A method's settings resolved for a model: its defaults filled in, and every problem in words (empty when valid). */
export interface ResolvedSettings {
  method: AdapterMethod;
  settings: AdapterSettings;
  problems: string[];
}

/**
 * The one path from user input (the app's form, a command line, the
 * benchmark's protocol) to a method's settings: the method's defaults for
 * the model's task, then its model-dependent defaults, then every check.
 * Fields left undefined take the defaults; a classifier's labels, when
 * given, replace the checkpoint's.
 */
export function resolveAdapterSettings(model: Model, input: Partial<AdapterSettings> & { method: string }): ResolvedSettings {
  const method = getAdapterMethod(input.method);
  const given = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as Partial<AdapterSettings>;
  const settings = method.withDefaults(model, given);
  return { method, settings, problems: method.validate(model, settings) };
}

/** The method whose files these are: by peft_type, a field telling apart methods that share one (DoRA and PiSSA write LORA). */
function methodForConfig(peftType: string, config: Record<string, unknown>): AdapterMethod | undefined {
  const candidates = adapterMethods.filter((m) => m.spec.peftTypes.includes(peftType));
  return candidates.find((m) => m.spec.claimsConfig?.(config)) ?? candidates.find((m) => !m.spec.claimsConfig);
}

const KNOWN_PEFT_TYPES = [...new Set(METHOD_SPECS.flatMap((m) => m.peftTypes))];

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
      `"peft_type" ${JSON.stringify(peftType)} is not one this app can load (known: ${KNOWN_PEFT_TYPES.join(', ')})`,
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
