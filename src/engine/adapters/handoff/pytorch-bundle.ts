/**
 * "Continue in PyTorch": one finished run as a folder (or zip) that carries
 * on the same experiment in Python, on one GPU or many:
 *
 *   adapter/                the run's export (runExportFiles: adapter or checkpoint, label mapping, its README)
 *   run.json                the run's exact settings (RUN_FORMAT below), which train.py reads
 *   train.py                python/train.py: transformers + PEFT / wegeft.py, Accelerate when installed
 *   wegeft.py               python/wegeft.py, WeGeFT runs only
 *   requirements.txt        what was checked here and what is a minimum untested here
 *   accelerate_config.yaml  a single-machine multi-GPU default for `accelerate launch`
 *   data/train/…, data/validation/…  the dataset's files as the app read them, unless larger than the limit
 *   README.md               the commands
 *
 * Pure: the caller gives the export's files and the Python sources (the app
 * imports python/*.py as raw text through Vite, the CLI reads them from
 * disk: python/ is their one source). No tfjs, no React.
 */
import type { DataFile } from '../../data/types';
import { normalizePath } from '../../data/files';
import type { TrainSettings } from '../../train/settings';
import type { ModelTask } from '../common/method-spec';
import { methodSpec } from '../methods';
import type { AdapterSettings } from '../types';
import type { BaseModelRef } from './base-model';
import { bundleReadme } from './bundle-readme';
import { methodsExportingAs, type AdapterFormat, type ExportKind } from './export-kinds';

/** run.json's `format`: train.py refuses any other. */
export const RUN_FORMAT = 'wegeft-playground-run/1';

/** Bytes of dataset files a bundle holds at most; above it, the README says to pass --data. */
export const DEFAULT_MAX_BUNDLE_DATA_BYTES = 64 * 2 ** 20;

export const ADAPTER_DIR = 'adapter';
export const DATA_DIR = 'data';

/** The Python the bundle ships, read from python/ by the caller. */
export interface PythonSources {
  trainPy: string;
  wegeftPy: string;
}

export interface PytorchBundleInput {
  runName: string;
  task: ModelTask;
  base: BaseModelRef;
  /** The method's settings as the run resolved them (defaults filled, labels included). */
  method: AdapterSettings;
  /** The run's training settings (the engine's TrainSettings, defaults filled). */
  training: TrainSettings;
  /** Language models: tokens per training sequence; null for classifiers. */
  seqLength: number | null;
  /** Export of the run (runExportFiles), its kind and format. */
  exported: { files: ReadonlyMap<string, Uint8Array>; kind: ExportKind; format: AdapterFormat };
  /**
   * The dataset's files as the app read them, and how it held out validation data. `bytes`: their total
   * size when the caller kept only their names (files above the limit stay out of the bundle anyway).
   */
  data: { train: readonly DataFile[]; validation: readonly DataFile[]; validationFraction: number; splitSeed: number; bytes?: number };
  python: PythonSources;
  /** Default DEFAULT_MAX_BUNDLE_DATA_BYTES. */
  maxDataBytes?: number;
}

/** run.json: plain data, the engine's own names (TrainSettings, AdapterSettings), read by train.py. */
export interface RunJson {
  format: typeof RUN_FORMAT;
  runName: string;
  task: ModelTask;
  base: BaseModelRef;
  method: { name: string; label: string; settings: AdapterSettings };
  export: { kind: ExportKind; format: AdapterFormat; dir: string };
  training: TrainSettings;
  seqLength: number | null;
  /** A classifier's labels in the head's order; null for language models. */
  labels: string[] | null;
  data: {
    /** Whether the files are in the bundle (under dir/train and dir/validation); else train.py needs --data. */
    included: boolean;
    dir: string;
    files: string[];
    validationFiles: string[];
    bytes: number;
    validationFraction: number;
    splitSeed: number;
  };
}

export function runJson(input: PytorchBundleInput, included: boolean): RunJson {
  const { train, validation, validationFraction, splitSeed } = input.data;
  return {
    format: RUN_FORMAT,
    runName: input.runName,
    task: input.task,
    base: { ...input.base },
    method: { name: input.method.method, label: methodSpec(input.method.method).label, settings: structuredClone(input.method) },
    export: { kind: input.exported.kind, format: input.exported.format, dir: ADAPTER_DIR },
    training: { ...input.training },
    seqLength: input.task === 'causal-lm' ? input.seqLength : null,
    labels: input.task === 'image-classification' ? (input.method.labels ?? null) : null,
    data: {
      included,
      dir: DATA_DIR,
      files: train.map((f) => safePath(f.path)),
      validationFiles: validation.map((f) => safePath(f.path)),
      bytes: dataBytes(input.data),
      validationFraction,
      splitSeed,
    },
  };
}

/** The bundle's files by path. */
export function pytorchBundleFiles(input: PytorchBundleInput): Map<string, Uint8Array> {
  const encoder = new TextEncoder();
  const text = (value: string) => encoder.encode(value);
  const limit = input.maxDataBytes ?? DEFAULT_MAX_BUNDLE_DATA_BYTES;
  const included = dataBytes(input.data) <= limit;
  const run = runJson(input, included);
  const wegeft = input.exported.kind === 'own-adapter';
  const files = new Map<string, Uint8Array>();
  for (const [name, bytes] of input.exported.files) files.set(`${ADAPTER_DIR}/${name}`, bytes);
  files.set('run.json', text(`${JSON.stringify(run, null, 2)}\n`));
  files.set('train.py', text(input.python.trainPy));
  if (wegeft) files.set('wegeft.py', text(input.python.wegeftPy));
  files.set('requirements.txt', text(requirementsTxt(input.exported.kind, input.task)));
  files.set('accelerate_config.yaml', text(ACCELERATE_CONFIG));
  if (included) {
    for (const f of input.data.train) files.set(`${DATA_DIR}/train/${safePath(f.path)}`, f.bytes);
    for (const f of input.data.validation) files.set(`${DATA_DIR}/validation/${safePath(f.path)}`, f.bytes);
  }
  files.set('README.md', text(bundleReadme(run, { limit, wegeft })));
  return files;
}

function dataBytes(data: PytorchBundleInput['data']): number {
  return data.bytes ?? [...data.train, ...data.validation].reduce((total, f) => total + f.bytes.byteLength, 0);
}

/** A dataset path as a relative path inside the bundle ("../x" and "/x" cannot escape it). */
function safePath(path: string): string {
  const safe = normalizePath(path.replace(/^(\.\.\/)+/, ''));
  if (safe === '') throw new Error(`the dataset file "${path}" has no usable name`);
  return safe;
}

/**
 * Versions: torch 1.13 (CPU) is what this project's tests run wegeft.py and
 * train.py's plain functions with; the rest are the oldest releases with the
 * APIs train.py calls, not run here.
 */
export function requirementsTxt(kind: ExportKind, task: ModelTask): string {
  const lines = [
    '# Checked here: wegeft.py and train.py\'s schedule, batch order and data readers with torch 1.13 (CPU,',
    "# Debian's python3-torch), by the playground's tests (tests/python/). Not run here (no GPU machine and no pip",
    '# were available): the end-to-end training with transformers, PEFT and Accelerate; the versions below are',
    '# the minimums whose APIs train.py uses, untested here.',
    'torch>=1.13',
    'transformers>=4.40',
    'safetensors>=0.4',
    'accelerate>=0.26',
  ];
  if (kind === 'peft-adapter') lines.push(`peft>=0.13  # PEFT's ${methodsExportingAs('peft-adapter').join(', ')}; the exported adapter_config.json follows PEFT 0.21`);
  if (task === 'image-classification') lines.push('Pillow>=9');
  return `${lines.join('\n')}\n`;
}

/** What `accelerate config` writes for one machine with 8 GPUs, mixed precision off (the run trained in float32). */
export const ACCELERATE_CONFIG = `# Hugging Face Accelerate: one machine, 8 GPUs, one process per GPU. Set num_processes to the number of
# GPUs (or add --num_processes N to accelerate launch). For several machines, run \`accelerate config\` on
# each (num_machines, machine_rank, main_process_ip), or edit these fields.
compute_environment: LOCAL_MACHINE
distributed_type: MULTI_GPU
num_machines: 1
machine_rank: 0
num_processes: 8
gpu_ids: all
mixed_precision: 'no'
main_training_function: main
rdzv_backend: static
same_network: true
use_cpu: false
`;
