/**
 * The bundled demo datasets' manifest (public/datasets/index.json): what the
 * app lists, and which files to fetch for training and for validation.
 * Written by scripts/make-datasets.ts; read and checked here.
 */
import { InputFileError } from '../errors';
import type { Dataset } from './types';

export interface DemoDatasetEntry {
  id: string;
  name: string;
  task: Dataset['task'];
  description: string;
  /**
   * Files to fetch, relative to the manifest's folder; `parseDataset` reads
   * them. With `split: 'folders'` they hold both splits (train/ and val/
   * folders inside); with `split: 'files'` they are the training data.
   */
  files: string[];
  /** The held-out files when `split` is 'files'; empty otherwise. */
  validationFiles: string[];
  split: 'folders' | 'files';
  /** The same data as a plain folder, for the CLIs (not fetchable over HTTP). */
  folder?: string;
  /** Examples in each split (images, documents or prompt/completion pairs). */
  examples: { train: number; validation: number };
  /** Bytes of `files` and `validationFiles` together. */
  bytes: number;
  license: string;
  source: string;
}

export interface DemoManifest {
  version: 1;
  datasets: DemoDatasetEntry[];
}

/** Checks a parsed index.json, naming the file and the entry at fault. */
export function parseDemoManifest(json: unknown, file: string): DemoManifest {
  const manifest = json as Partial<DemoManifest> | null;
  if (typeof manifest !== 'object' || manifest === null || manifest.version !== 1 || !Array.isArray(manifest.datasets)) {
    throw new InputFileError(file, 'is not a demo-dataset manifest (expected {"version": 1, "datasets": [...]})');
  }
  const ids = new Set<string>();
  manifest.datasets.forEach((entry, index) => {
    const where = `datasets[${index}]`;
    const problem = entryProblem(entry);
    if (problem) throw new InputFileError(file, `${where}: ${problem}`);
    if (ids.has(entry.id)) throw new InputFileError(file, `${where}: the id "${entry.id}" is used twice`);
    ids.add(entry.id);
  });
  return manifest as DemoManifest;
}

function entryProblem(entry: DemoDatasetEntry): string | null {
  if (typeof entry !== 'object' || entry === null) return 'is not an object';
  for (const key of ['id', 'name', 'description', 'license', 'source'] as const) {
    if (typeof entry[key] !== 'string' || entry[key] === '') return `"${key}" must be a non-empty string`;
  }
  if (entry.task !== 'causal-lm' && entry.task !== 'image-classification') return `unknown task "${String(entry.task)}"`;
  if (entry.split !== 'folders' && entry.split !== 'files') return `"split" must be "folders" or "files"`;
  const isPathList = (value: unknown) => Array.isArray(value) && value.every((item) => typeof item === 'string' && item !== '' && !item.includes('..'));
  if (!isPathList(entry.files) || entry.files.length === 0) return '"files" must list at least one relative path';
  if (!isPathList(entry.validationFiles)) return '"validationFiles" must be a list of relative paths';
  if ((entry.split === 'files') !== entry.validationFiles.length > 0) return '"validationFiles" must be given exactly when "split" is "files"';
  if (!Number.isInteger(entry.examples?.train) || !Number.isInteger(entry.examples?.validation)) return '"examples" must give train and validation counts';
  if (!Number.isInteger(entry.bytes) || entry.bytes <= 0) return '"bytes" must be a positive integer';
  return null;
}
