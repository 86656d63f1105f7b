/**
 * Option declarations several methods share (the same key, flag and share
 * key everywhere; the help says what the option does for each method).
 * No tfjs: the page's main thread imports this.
 */
import type { OptionSpec } from './method-spec';

/** One kind of option (the helpers keep their kind in their type, so a method's typed config knows its values' types). */
type OptionOfKind<K extends OptionSpec['kind']> = Extract<OptionSpec, { kind: K }>;

export function rankOption(help: string, max = 4096): OptionOfKind<'integer'> {
  return { kind: 'integer', label: 'Rank r', help, flag: 'rank', urlKey: 'r', short: 'r', min: 1, max };
}

export function alphaOption(help = 'The update is scaled by α / r.'): OptionOfKind<'number'> {
  return { kind: 'number', label: 'Alpha α', help, flag: 'alpha', urlKey: 'a', short: 'α', min: 0, max: 1e6, exclusiveMin: true };
}

export function targetsOption(
  help = 'Which linear layers: module-name suffixes (q_proj, v_proj), every linear layer, or a regular expression on module paths.',
  emptyMeans = "the model family's defaults",
): OptionOfKind<'targets'> {
  return { kind: 'targets', label: 'Target modules', help, flag: 'targets', urlKey: 't', emptyMeans };
}
