/**
 * Module types: the groups WeGeFT shares one (phi, psi) pair across.
 *
 * A module's type is its path with the layer index replaced by `*`
 * (`transformer.h.3.attn.c_attn` → `transformer.h.*.attn.c_attn`), the
 * naming the fixtures' adapter_config.json `groups` uses.
 */
import type { LinearModule } from '../../models/types';

/** The path with the segment holding the module's layer index replaced by `*`. */
export function moduleTypeOf(module: LinearModule): string {
  if (module.layer === null) return module.path;
  const segments = module.path.split('.');
  const index = segments.indexOf(String(module.layer));
  if (index < 0) return module.path;
  segments[index] = '*';
  return segments.join('.');
}

/**
 * Modules grouped by type (shared) or one group per module (per layer),
 * keyed by the group's name, groups and members in forward order.
 */
export function groupModules(modules: readonly LinearModule[], perLayer: boolean): Map<string, LinearModule[]> {
  const groups = new Map<string, LinearModule[]>();
  for (const module of modules) {
    const name = perLayer ? module.path : moduleTypeOf(module);
    const members = groups.get(name);
    if (members) members.push(module);
    else groups.set(name, [module]);
  }
  return groups;
}

/** Group name → member paths, as adapter_config.json `groups` records it. */
export function groupPaths(groups: ReadonlyMap<string, readonly LinearModule[]>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, members] of groups) out[name] = members.map((m) => m.path);
  return out;
}
