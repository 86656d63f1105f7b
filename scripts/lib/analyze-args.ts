/**
 * The command line of `npm run analyze`: what each option means, and its
 * checks. One parser (scripts/lib/cli.ts) as every CLI here.
 */
import { parseCliBackend, type CliBackend } from './node-backend';
import { parseCommandLine, UsageError } from './cli';

export const USAGE = `usage: npm run analyze -- --model <dir|hub-id> --adapter <adapter dir> [options]

What a trained adapter changed, module by module: for every block linear module
the method changes, ‖ΔW‖/‖W‖, ΔW's singular values and effective rank, its
alignment with W (Hu et al.'s amplification factor) and the share of ΔW's energy
in W's top-k singular subspaces. With --image (image classifiers), WeGeFT's
cluster maps (LoRA's B, or any method's update directions) on that image.

Options:
  --model <dir|hub-id>   the base model: a folder with config.json and model.safetensors, or a Hub repo id
  --revision <rev>       Hub revision (default: main)
  --adapter <dir>        the adapter folder: adapter_config.json and adapter_model.safetensors
  --json                 one JSON line per module (fields: module, layer, kind, low_rank,
                         delta_fro_over_weight_fro, delta_singular_values, spectrum_complete,
                         effective_rank, stable_rank, alignment_rank, weight_in_delta_directions,
                         amplification_factor, energy_in_weight_top_k)
  --image <file>         a PNG or JPEG: cluster maps of --module on it (image classifiers)
  --maps <out.png>       write the cluster-map grid there (needs --image): the image, then one map
                         per direction; top row frozen W's outputs, bottom row the adapted module's
  --prompt <text>        language models: each prompt token's score per direction at --module
  --module <path>        the module for --image / --prompt (default: the last one the adapter changes)
  --backend <name>       auto (default: WebGPU on a hardware adapter, else wasm), cpu, wasm or webgpu
  -h, --help             this help

Exit status: 0 on success, 2 on bad usage or an unusable file (the message names it).
`;

export interface AnalyzeCliOptions {
  model: string;
  revision?: string;
  adapter: string;
  json: boolean;
  image?: string;
  maps?: string;
  prompt?: string;
  module?: string;
  backend: CliBackend;
}

export function parseAnalyzeArgs(argv: string[]): AnalyzeCliOptions {
  const { values } = parseCommandLine(argv, {
    model: { type: 'string' },
    revision: { type: 'string' },
    adapter: { type: 'string' },
    json: { type: 'boolean' },
    image: { type: 'string' },
    maps: { type: 'string' },
    prompt: { type: 'string' },
    module: { type: 'string' },
    backend: { type: 'string' },
  });
  if (!values.model) throw new UsageError('--model is required');
  if (!values.adapter) throw new UsageError('--adapter is required');
  if (values.maps && !values.image) throw new UsageError('--maps needs --image: the maps are drawn on an image');
  if (values.image && values.prompt !== undefined) throw new UsageError('give --image (image classifiers) or --prompt (language models), not both');
  let backend: CliBackend;
  try {
    backend = parseCliBackend(values.backend);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return {
    model: values.model, revision: values.revision, adapter: values.adapter, json: values.json ?? false,
    image: values.image, maps: values.maps, prompt: values.prompt, module: values.module, backend,
  };
}
