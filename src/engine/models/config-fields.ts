/**
 * Typed reads of config.json fields. Families differ in what they call the
 * same thing (`n_embd` vs `hidden_size`): each read takes the candidate
 * names in order, and a bad or missing value is an InputFileError naming
 * config.json and the field.
 */
import { InputFileError, quoted } from '../errors';

type Raw = Record<string, unknown>;

/**
 * Upper bounds on what a config may ask for. Lists the engine builds from
 * config.json alone (parameter specs, one per layer; label names) are built
 * before any weight is compared, so a config asking for 10^7 layers or 10^8
 * labels must fail here rather than exhaust memory. Each bound is far above
 * any released model (the largest have ~130 layers, widths of ~50k, vocabularies
 * of ~260k, ImageNet-22k's 21,843 labels).
 */
export const CONFIG_LIMITS = {
  layers: 1024,
  /** Hidden, intermediate and head sizes. */
  width: 1 << 18,
  heads: 4096,
  vocab: 1 << 22,
  positions: 1 << 24,
  labels: 100_000,
  imageSize: 16_384,
  channels: 64,
} as const;

/** Field names that count a model's layers, for messages about a layer count. */
export const LAYER_COUNT_FIELDS = ['n_layer', 'num_layers', 'num_hidden_layers'] as const;

/** A config value quoted in a message: its JSON, cut at 80 characters (never throwing). */
const shown = (value: unknown): string => quoted(value);

/** The first of `names` the config gives (own properties only: a field is never inherited). */
function first(raw: Raw, names: readonly string[]): [string, unknown] | undefined {
  for (const name of names) {
    if (Object.hasOwn(raw, name) && raw[name] !== undefined && raw[name] !== null) return [name, raw[name]];
  }
  return undefined;
}

/**
 * A positive integer field of at most `max`; `fallback` when absent
 * (undefined fallback = required).
 */
export function intField(raw: Raw, names: readonly string[], file: string, fallback?: number, max?: number): number {
  const found = first(raw, names);
  if (!found) {
    if (fallback !== undefined) return fallback;
    throw new InputFileError(file, `missing "${names[0]}" (a positive integer)`);
  }
  const [name, value] = found;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new InputFileError(file, `"${name}" must be a positive integer, got ${shown(value)}`);
  }
  if (max !== undefined && value > max) {
    throw new InputFileError(file, `"${name}" is ${value}, more than the ${max} this app supports: is the config corrupt?`);
  }
  return value;
}

/** A finite number field. */
export function numberField(raw: Raw, names: readonly string[], file: string, fallback?: number): number {
  const found = first(raw, names);
  if (!found) {
    if (fallback !== undefined) return fallback;
    throw new InputFileError(file, `missing "${names[0]}" (a number)`);
  }
  const [name, value] = found;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InputFileError(file, `"${name}" must be a number, got ${shown(value)}`);
  }
  return value;
}

/**
 * A number that must be above zero, and stay above zero in float32 (the
 * dtype the model computes in): a LayerNorm or RMSNorm epsilon of 0 or
 * less divides by zero on constant rows and gives NaN logits.
 */
export function positiveNumberField(raw: Raw, names: readonly string[], file: string, fallback?: number): number {
  const value = numberField(raw, names, file, fallback);
  if (!(Math.fround(value) > 0)) {
    const name = first(raw, names)?.[0] ?? names[0];
    throw new InputFileError(file, `"${name}" must be a positive number, got ${value}`);
  }
  return value;
}

export function boolField(raw: Raw, names: readonly string[], file: string, fallback: boolean): boolean {
  const found = first(raw, names);
  if (!found) return fallback;
  const [name, value] = found;
  if (typeof value !== 'boolean') {
    throw new InputFileError(file, `"${name}" must be true or false, got ${shown(value)}`);
  }
  return value;
}

export function stringField(raw: Raw, names: readonly string[], file: string, fallback?: string): string {
  const found = first(raw, names);
  if (!found) {
    if (fallback !== undefined) return fallback;
    throw new InputFileError(file, `missing "${names[0]}"`);
  }
  const [name, value] = found;
  if (typeof value !== 'string') {
    throw new InputFileError(file, `"${name}" must be a string, got ${shown(value)}`);
  }
  return value;
}

/**
 * A token id: an integer, the first of a list (Llama 3 lists several EOS
 * ids), or null when absent. Anything but integers is refused. An id
 * outside [0, vocabSize) is null: tiny test checkpoints keep GPT-2's 50256
 * with a vocabulary of a hundred tokens, and such an id, used as EOS, would
 * index a row the embedding does not have (read as zeros on some backends,
 * silently).
 */
export function tokenIdField(raw: Raw, name: string, file: string, vocabSize: number): number | null {
  const value = Object.hasOwn(raw, name) ? raw[name] : undefined;
  if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) return null;
  const ids: unknown[] = Array.isArray(value) ? value : [value];
  if (!ids.every((id) => typeof id === 'number' && Number.isSafeInteger(id))) {
    throw new InputFileError(file, `"${name}" must be a token id (an integer) or a list of them, got ${shown(value)}`);
  }
  const id = ids[0] as number;
  return id >= 0 && id < vocabSize ? id : null;
}

export function requireDivisible(file: string, what: string, value: number, by: string, divisor: number): void {
  if (value % divisor !== 0) {
    throw new InputFileError(file, `${what} (${value}) must be divisible by ${by} (${divisor})`);
  }
}
