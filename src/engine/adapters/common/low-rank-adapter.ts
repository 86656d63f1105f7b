/**
 * What LoRA and WeGeFT share around their own tensors: the classifier head
 * trained beside them and saved under modules_to_save keys, the
 * all-or-nothing load of both from a file. Each method keeps its own
 * tensors, hooks and merge in its folder.
 */
import type * as tf from '@tensorflow/tfjs';
import { InputFileError } from '../../errors';
import type { SafetensorsFile } from '../../io/safetensors';
import type { LinearHook, Model } from '../../models/model';
import { deriveSeed } from '../../random';
import type { AdapterMethodName, AdapterSettings } from '../types';
import type { AdapterParts } from './base-adapter';
import { rejectUnexpectedTensors } from './files';
import { classifierHead, createHeadVariables, loadHeadVariables, type ClassifierHead } from './head';
import { savedModuleKey } from './keys';

/** A low-rank adapter's trainable tensors: the method's own, and the task head's. */
export interface LowRankTensors {
  /** The method's tensors (lora_A and lora_B, wegeft_phi and wegeft_psi) by saved key. */
  own: Map<string, tf.Variable>;
  /** The classifier head trained with them; null for language models. */
  head: ClassifierHead | null;
  /** The head's variables by canonical parameter name (`classifier.weight`), replacing the model's. */
  headVariables: Map<string, tf.Variable>;
}

/** Fresh tensors: `own` as the method made them, and a head for the settings' labels. */
export function withFreshHead(model: Model, config: { labels?: string[] }, seed: number, own: Map<string, tf.Variable>): LowRankTensors {
  const head = classifierHead(model, config.labels);
  const headVariables = head ? createHeadVariables(model, head, deriveSeed(seed, 'head')) : new Map();
  return { own, head, headVariables };
}

/**
 * A saved adapter's tensors: `readOwn` reads the method's own into the map
 * it is given, then the head's are read and the file must hold nothing
 * else. On any error every variable read so far is freed.
 */
export function loadLowRankTensors(
  model: Model,
  weights: SafetensorsFile,
  readOwn: (own: Map<string, tf.Variable>) => void,
  /** Keys the method reads itself, outside `own` (frozen tensors saved with the adapter, e.g. shared projections). */
  alsoExpected: readonly string[] = [],
): LowRankTensors {
  const own = new Map<string, tf.Variable>();
  let headVariables = new Map<string, tf.Variable>();
  try {
    readOwn(own);
    const loaded = loadHeadVariables(model, weights, savedModuleKey);
    headVariables = loaded.variables;
    rejectUnexpectedTensors(weights, new Set([...own.keys(), ...alsoExpected, ...[...headVariables.keys()].map(savedModuleKey)]));
    return { own, head: loaded.head, headVariables };
  } catch (error) {
    for (const v of [...own.values(), ...headVariables.values()]) v.dispose();
    throw error;
  }
}

/** A saved config whose targets match no module of this model was made for another base model. */
export function requireMatchedTargets(matched: number, model: Model, configFile: string): void {
  if (matched > 0) return;
  throw new InputFileError(
    configFile,
    `its target_modules match no linear layer of this ${model.family.displayName} model: ` +
      'the adapter was made for a different base model',
  );
}

/**
 * The BaseAdapter parts of a low-rank adapter: trainable = its own tensors,
 * then the head's under their modules_to_save keys (the head keys); the
 * head's variables replace the model's head parameters in the forward pass.
 */
export function lowRankAdapterParts<C extends AdapterSettings>(
  model: Model,
  method: AdapterMethodName,
  settings: C,
  tensors: LowRankTensors,
  hooks: Map<string, LinearHook>,
): AdapterParts<C> {
  const trainable = new Map(tensors.own);
  const headKeys: string[] = [];
  for (const [name, variable] of tensors.headVariables) {
    trainable.set(savedModuleKey(name), variable);
    headKeys.push(savedModuleKey(name));
  }
  return {
    model, method, settings, trainable, headKeys, paramOverrides: tensors.headVariables, hooks,
    labels: tensors.head ? tensors.head.labels : null,
  };
}
