/**
 * Typed reads of config.json fields. Families differ in what they call the
 * same thing (`n_embd` vs `hidden_size`): each read takes the candidate
 * names in order, and a bad or missing value is an InputFileError naming
 * config.json and the field.
 */
import { InputFileError } from '../errors';

type Raw = Record<string, unknown>;

function first(raw: Raw, names: string[]): [string, unknown] | undefined {
  for (const name of names) {
    if (raw[name] !== undefined && raw[name] !== null) return [name, raw[name]];
  }
  return undefined;
}

/** A positive integer field; `fallback` when absent (undefined fallback = required). */
export function intField(raw: Raw, names: string[], file: string, fallback?: number): number {
  const found = first(raw, names);
  if (!found) {
    if (fallback !== undefined) return fallback;
    throw new InputFileError(file, `missing "${names[0]}" (a positive integer)`);
  }
  const [name, value] = found;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new InputFileError(file, `"${name}" must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** A finite number field. */
export function numberField(raw: Raw, names: string[], file: string, fallback?: number): number {
  const found = first(raw, names);
  if (!found) {
    if (fallback !== undefined) return fallback;
    throw new InputFileError(file, `missing "${names[0]}" (a number)`);
  }
  const [name, value] = found;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InputFileError(file, `"${name}" must be a number, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function boolField(raw: Raw, names: string[], file: string, fallback: boolean): boolean {
  const found = first(raw, names);
  if (!found) return fallback;
  const [name, value] = found;
  if (typeof value !== 'boolean') {
    throw new InputFileError(file, `"${name}" must be true or false, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function stringField(raw: Raw, names: string[], file: string, fallback?: string): string {
  const found = first(raw, names);
  if (!found) {
    if (fallback !== undefined) return fallback;
    throw new InputFileError(file, `missing "${names[0]}"`);
  }
  const [name, value] = found;
  if (typeof value !== 'string') {
    throw new InputFileError(file, `"${name}" must be a string, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** A token id: an integer, the first of a list, or null. */
export function tokenIdField(raw: Raw, name: string): number | null {
  const value = raw[name];
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (Array.isArray(value) && typeof value[0] === 'number') return value[0];
  return null;
}

export function requireDivisible(file: string, what: string, value: number, by: string, divisor: number): void {
  if (value % divisor !== 0) {
    throw new InputFileError(file, `${what} (${value}) must be divisible by ${by} (${divisor})`);
  }
}
