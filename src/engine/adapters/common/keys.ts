/**
 * Tensor names in adapter files, as PEFT writes them (without the adapter
 * name): `base_model.model.<module path>.<tensor>.weight` for an adapter's
 * own tensors, `base_model.model.<parameter>` for a module saved whole
 * (modules_to_save, e.g. `base_model.model.classifier.weight`).
 */

export const PEFT_PREFIX = 'base_model.model.';

/** `base_model.model.<modulePath>.<tensor>.weight`, e.g. tensor `lora_A` or `wegeft_phi`. */
export function adapterTensorKey(modulePath: string, tensor: string): string {
  return `${PEFT_PREFIX}${modulePath}.${tensor}.weight`;
}

/** The key of a parameter saved whole (PEFT's modules_to_save), from its canonical name. */
export function savedModuleKey(parameterName: string): string {
  return `${PEFT_PREFIX}${parameterName}`;
}
