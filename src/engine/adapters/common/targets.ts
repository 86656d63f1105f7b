/**
 * Which linear modules an adapter wraps, with PEFT's semantics:
 *
 * - a list of names: a module matches when its path equals an entry or ends
 *   with "." + entry (`c_proj` matches `transformer.h.0.attn.c_proj` and
 *   `transformer.h.0.mlp.c_proj`; `attn.c_proj` only the first);
 * - a regular expression: it must match the whole path (Python's fullmatch),
 *   matched by RE2 in linear time (target-pattern.ts);
 * - `all-linear`: every linear layer of the transformer blocks.
 *
 * Head modules (a classifier, lm_head) are never targets, whatever the spec
 * says: the head is trained whole (PEFT's modules_to_save) or not at all.
 */
import { InputFileError, quoted } from '../../errors';
import type { Model } from '../../models/model';
import type { LinearModule } from '../../models/types';
import type { TargetSpec } from '../types';
import { compileTargetPattern } from './target-pattern';

/** PEFT's spelling of "every linear layer but the output head". */
export const ALL_LINEAR = 'all-linear';

export function matchesTarget(path: string, spec: TargetSpec): boolean {
  switch (spec.kind) {
    case 'all-linear':
      return true;
    case 'suffixes':
      return spec.suffixes.some((suffix) => path === suffix || path.endsWith(`.${suffix}`));
    case 'regex': {
      const re = compileTargetPattern(spec.pattern);
      return typeof re !== 'string' && re.matches(path);
    }
  }
}

/** The block linear modules `spec` selects, in forward order. */
export function resolveTargets(model: Model, spec: TargetSpec): LinearModule[] {
  return model.linearModules().filter((m) => m.layer !== null && matchesTarget(m.path, spec));
}

/** Problems with a target spec on this model, in words; empty when it selects at least one module. */
export function validateTargets(model: Model, spec: TargetSpec): string[] {
  if (spec.kind === 'regex') {
    const re = compileTargetPattern(spec.pattern);
    if (typeof re === 'string') return [re];
  }
  if (spec.kind === 'suffixes') {
    if (spec.suffixes.length === 0) return ['the list of target modules is empty'];
    const blank = spec.suffixes.filter((s) => s.trim() === '' || s.startsWith('.') || s.endsWith('.'));
    if (blank.length > 0) return [`target module names must be non-empty dotted names, got ${quoted(blank)}`];
  }
  if (resolveTargets(model, spec).length > 0) return [];
  const examples = model
    .linearModules()
    .filter((m) => m.layer === 0)
    .map((m) => m.path.split('.').slice(-2).join('.'));
  return [
    `the targets ${describeTargets(spec)} match no linear layer of this ${model.family.displayName} model ` +
      `(its layers are named like: ${examples.join(', ')})`,
  ];
}

export function describeTargets(spec: TargetSpec): string {
  switch (spec.kind) {
    case 'all-linear':
      return ALL_LINEAR;
    case 'suffixes':
      return spec.suffixes.join(', ');
    case 'regex':
      return `/${spec.pattern}/`;
  }
}

/** `target_modules` as PEFT writes it: a list, a regex string, or "all-linear". */
export function targetsToPeft(spec: TargetSpec): string[] | string {
  switch (spec.kind) {
    case 'all-linear':
      return ALL_LINEAR;
    case 'suffixes':
      return [...spec.suffixes];
    case 'regex':
      return spec.pattern;
  }
}

/** Reads PEFT's `target_modules`; null when the value has neither accepted form. */
export function targetsFromPeft(value: unknown): TargetSpec | null {
  if (value === ALL_LINEAR) return { kind: 'all-linear' };
  if (typeof value === 'string') return { kind: 'regex', pattern: value };
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
    return { kind: 'suffixes', suffixes: value as string[] };
  }
  return null;
}

/** adapter_config.json `target_modules`, checked; an InputFileError naming `configFile` when unusable. */
export function targetsFromConfig(config: Record<string, unknown>, configFile: string): TargetSpec {
  const targets = targetsFromPeft(config.target_modules);
  if (!targets) {
    throw new InputFileError(
      configFile,
      `"target_modules" must be a list of names or a pattern, got ${quoted(config.target_modules)}`,
    );
  }
  if (targets.kind === 'regex') {
    const re = compileTargetPattern(targets.pattern);
    if (typeof re === 'string') throw new InputFileError(configFile, `"target_modules": ${re}`);
  }
  return targets;
}
