/**
 * What an export needs from the base checkpoint besides the loaded model:
 * config.json exactly as written (so values keep their spelling), each
 * weight's stored dtype (so a float16 base is exported as float16), and the
 * tokenizer or preprocessor files a full checkpoint carries.
 */
import { CONFIG_FILE, readWeightHeaders, readWeights } from '../../io/checkpoint';
import type { SafetensorsDtype } from '../../io/safetensors';
import { decodeUtf8Text, MAX_JSON_BYTES, type FileSource } from '../../io/source';
import type { Model } from '../../models/model';
import type { BaseModelRef } from './base-model';

/** Files a checkpoint carries beside its weights, copied into a full export so it loads as it is. */
export const COMPANION_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'preprocessor_config.json', 'generation_config.json'];

export interface BaseCheckpoint {
  ref: BaseModelRef;
  /** config.json's text as written; null when not known (then it is written from the parsed config). */
  configText: string | null;
  /** The stored dtype of each checkpoint tensor, by its key in the checkpoint. */
  dtypes: ReadonlyMap<string, SafetensorsDtype>;
  /** COMPANION_FILES the checkpoint has, by name. */
  companions: ReadonlyMap<string, Uint8Array>;
}

/** A base known only by the model in memory (tests, tools without the source): float32, config re-serialised. */
export function modelOnlyCheckpoint(ref: BaseModelRef): BaseCheckpoint {
  return { ref, configText: null, dtypes: new Map(), companions: new Map() };
}

/** Reads config.json's text, the weights' headers (their data only where the source cannot read a prefix) and the companions. */
export async function readBaseCheckpoint(source: FileSource, ref: BaseModelRef): Promise<BaseCheckpoint> {
  const configText = decodeUtf8Text(await source.read(CONFIG_FILE, undefined, { maxBytes: MAX_JSON_BYTES }), source.describe(CONFIG_FILE), MAX_JSON_BYTES);
  const headers = (await readWeightHeaders(source)) ?? (await readWeights(source));
  const dtypes = new Map<string, SafetensorsDtype>();
  for (const [key, header] of headers) dtypes.set(key, header.entries.get(key)!.dtype);
  const companions = new Map<string, Uint8Array>();
  for (const name of COMPANION_FILES) if (await source.has(name)) companions.set(name, await source.read(name));
  return { ref, configText, dtypes, companions };
}

/** The stored dtype of a canonical parameter (found with or without the family's base-model prefix). */
export function storedDtype(model: Model, base: BaseCheckpoint, name: string): SafetensorsDtype | undefined {
  const prefix = model.family.basePrefix;
  return base.dtypes.get(name) ?? (name.startsWith(prefix) ? base.dtypes.get(name.slice(prefix.length)) : undefined);
}
