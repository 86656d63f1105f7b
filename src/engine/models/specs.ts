/**
 * Helpers the family files use to list their linear modules and parameter
 * specs under the checkpoint's own names. Each family still spells out its
 * layers, sizes and norms in its own file; only the way a name and a shape
 * are written down is shared.
 */
import type { LinearModule, ParameterSpec } from './types';

/** One linear layer of a transformer block: its name inside the block, its sizes, and whether it has a bias. */
export type BlockLinear = readonly [name: string, dIn: number, dOut: number, bias: boolean];

/**
 * The linear modules of every transformer block, in forward order: the
 * layers of one block, repeated for blocks 0..numLayers-1 under
 * `blockPath(i)` (e.g. `transformer.h.3`), so that `attn.c_attn` becomes
 * `transformer.h.3.attn.c_attn` with weight `….weight` and bias `….bias`.
 */
export function blockLinearModules(
  numLayers: number,
  blockPath: (layer: number) => string,
  layout: LinearModule['layout'],
  layers: readonly BlockLinear[],
): LinearModule[] {
  const modules: LinearModule[] = [];
  for (let i = 0; i < numLayers; i++) {
    const block = blockPath(i);
    for (const [name, dIn, dOut, bias] of layers) {
      modules.push({
        path: `${block}.${name}`,
        weight: `${block}.${name}.weight`,
        bias: bias ? `${block}.${name}.bias` : null,
        dIn,
        dOut,
        layout,
        layer: i,
      });
    }
  }
  return modules;
}

/**
 * The weight and bias specs of a linear module, the weight in the layout
 * its checkpoint stores: (d_out, d_in) for torch.nn.Linear, (d_in, d_out)
 * for GPT-2's Conv1D. `optional` marks both as initialised when absent
 * (a classification head missing from a backbone-only checkpoint).
 */
export function linearParameters(module: LinearModule, optional?: ParameterSpec['optional']): ParameterSpec[] {
  const extra = optional ? { optional } : {};
  const weightShape = module.layout === 'conv1d' ? [module.dIn, module.dOut] : [module.dOut, module.dIn];
  const specs: ParameterSpec[] = [{ name: module.weight, shape: weightShape, ...extra }];
  if (module.bias) specs.push({ name: module.bias, shape: [module.dOut], ...extra });
  return specs;
}

/** A LayerNorm's weight and bias, `${path}.weight` and `${path}.bias`, both (size). */
export function layerNormParameters(path: string, size: number): ParameterSpec[] {
  return [
    { name: `${path}.weight`, shape: [size] },
    { name: `${path}.bias`, shape: [size] },
  ];
}
