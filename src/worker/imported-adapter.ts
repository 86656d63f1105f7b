/**
 * Adapters made elsewhere (PEFT in Python, the authors' fork of PEFT, this
 * app's own exports), dropped onto the loaded model: the files are found in
 * a dropped folder or a .zip, loaded by the registry (the method comes from
 * adapter_config.json's `peft_type`), and become a finished run. A run can
 * then start from such an adapter ("Train further") instead of a fresh one.
 */
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, readAdapterFiles } from '../engine/adapters/common/files';
import { loadAdapter } from '../engine/adapters/registry';
import type { Adapter, AdapterFiles, AdapterSettings } from '../engine/adapters/types';
import { archiveBudget, extractFromArchive, isArchive, listArchive } from '../engine/data/archive';
import { baseName, dirName, normalizePath } from '../engine/data/files';
import { errorMessage, InputFileError } from '../engine/errors';
import { MemorySource } from '../engine/io/source';
import type { Model } from '../engine/models/model';
import { paddedLength } from '../engine/train/batches';
import { evaluate } from '../engine/train/evaluate';
import type { DroppedFile, EvalResult, MethodSettings, RunClassReport } from './protocol';
import type { RunData, RunDataCache } from './run-data';
import { headClassCount } from './continue-adapter';
import { heldOutClassReport, toEvalResult } from './run-session';

/** Uncompressed bytes an adapter .zip may hold (a full fine-tuning export of a large model is this big at most). */
const MAX_ADAPTER_ZIP_BYTES = 2 ** 30;
/** The files of an adapter folder that are read; others (README.md, config.json, a tokenizer) are ignored. */
const ADAPTER_FILES = new Set([ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, 'adapter_model.bin']);

/** An adapter's files and what to call it (the folder's or the zip's name). */
export interface ImportedFiles {
  label: string;
  files: AdapterFiles;
}

/**
 * The adapter among dropped files: a folder (or its files) holding
 * adapter_config.json and adapter_model.safetensors, or a .zip holding one
 * such folder (at its top or one folder down). Anything else is an
 * InputFileError naming what was dropped and what is missing.
 */
export async function readImportedFiles(dropped: readonly DroppedFile[]): Promise<ImportedFiles> {
  if (dropped.length === 0) throw new Error('no files were given: drop an adapter folder or a .zip of one');
  const archives = dropped.filter((f) => isArchive(f.path));
  if (archives.length > 1) throw new InputFileError(archives.map((f) => f.path).join(', '), 'are several archives: drop one adapter .zip at a time');
  if (archives.length === 1 && !dropped.some((f) => baseName(f.path) === ADAPTER_CONFIG_FILE)) return readZip(archives[0]);
  const entries = new Map(dropped.map((f) => [normalizePath(f.path), f.file] as const));
  const folder = adapterFolder([...entries.keys()], dropped.length === 1 ? dropped[0].path : labelOf(dropped));
  const label = folder === '' ? labelOf(dropped) : baseName(folder);
  const files = new Map<string, Uint8Array>();
  for (const [path, file] of entries) {
    if (dirName(path) !== folder || !ADAPTER_FILES.has(baseName(path))) continue;
    try {
      files.set(baseName(path), new Uint8Array(await file.arrayBuffer()));
    } catch (error) {
      throw new InputFileError(path, `could not be read (${(error as Error).message})`);
    }
  }
  return { label, files: (await readAdapterFiles(new MemorySource(folder || label, files))).files };
}

async function readZip(archive: DroppedFile): Promise<ImportedFiles> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await archive.file.arrayBuffer());
  } catch (error) {
    throw new InputFileError(archive.path, `could not be read (${(error as Error).message})`);
  }
  const zip = { path: archive.path, bytes };
  const budget = archiveBudget(MAX_ADAPTER_ZIP_BYTES);
  // Only the adapter's own files are inflated: a README or a merged model beside them costs nothing.
  const wanted = extractFromArchive(zip, (name) => ADAPTER_FILES.has(baseName(name)), budget);
  const inner = wanted.map((f) => ({ path: f.path.slice(archive.path.length + 1), bytes: f.bytes }));
  const folder = adapterFolder(inner.map((f) => f.path), archive.path, () => listArchive(zip));
  const files = new Map(inner.filter((f) => dirName(f.path) === folder).map((f) => [baseName(f.path), f.bytes] as const));
  const stem = baseName(archive.path).replace(/\.zip$/i, '');
  const source = new MemorySource(folder ? `${archive.path}/${folder}` : archive.path, files);
  return { label: stem, files: (await readAdapterFiles(source)).files };
}

/** The one folder (relative path, '' for the top) holding adapter_config.json among `paths`; `everything` lists what is there, for the message. */
function adapterFolder(paths: readonly string[], what: string, everything: () => string[] = () => [...paths]): string {
  const folders = paths.filter((p) => baseName(p) === ADAPTER_CONFIG_FILE).map(dirName);
  if (folders.length === 0) {
    const all = everything();
    const shown = all.slice(0, 4).join(', ') + (all.length > 4 ? `, … (${all.length - 4} more)` : '');
    throw new InputFileError(what, `is not an adapter: no ${ADAPTER_CONFIG_FILE} in it (found: ${shown || 'nothing'}). Drop the folder PEFT's save_pretrained wrote, or a .zip of it`);
  }
  if (folders.length > 1) {
    throw new InputFileError(what, `holds ${folders.length} adapters (${folders.map((f) => `${f || '.'}/`).join(', ')}): drop one adapter folder at a time`);
  }
  return folders[0];
}

function labelOf(dropped: readonly DroppedFile[]): string {
  const first = normalizePath(dropped[0].path);
  const top = first.includes('/') ? first.split('/')[0] : '';
  return top && dropped.every((f) => normalizePath(f.path).startsWith(`${top}/`)) ? top : 'adapter';
}

/** A loaded adapter's settings as a run's (the labels come from the dataset, not the run's settings). */
export function methodSettingsOf(settings: AdapterSettings): MethodSettings {
  const { labels: _labels, ...method } = settings;
  return method;
}

/**
 * A classifier adapter's head must have as many classes as the loaded
 * dataset (its labels are indices into them); an InputFileError naming the
 * weights file otherwise.
 */
export function checkHeadFitsData(model: Model, adapter: Adapter, labels: readonly string[] | undefined, label: string): void {
  const classes = headClassCount(model, adapter);
  if (classes === null || !labels || classes === labels.length) return;
  throw new InputFileError(
    `${label}/${ADAPTER_WEIGHTS_FILE}`,
    `its classifier head has ${classes} classes, the loaded dataset ${labels.length} (${labels.slice(0, 5).join(', ')}${labels.length > 5 ? ', …' : ''}): ` +
      'load the dataset it was trained for (or remove the dataset) before importing it',
  );
}

export interface ImportedEvaluation {
  finalEval: EvalResult | null;
  baseEval: EvalResult | null;
  classReport: RunClassReport | null;
  /** Why there is no evaluation, in words; null when there is one. */
  notEvaluated: string | null;
}

/**
 * The imported adapter, and the base model, on the loaded dataset's
 * held-out split (the same examples training runs are evaluated on), so
 * Compare sets it beside them. Without a dataset, or without held-out data,
 * it says why it is not evaluated (`data` is that reason then).
 */
export async function evaluateImported(model: Model, adapter: Adapter, data: RunData | string, datasetLabels: readonly string[] | undefined): Promise<ImportedEvaluation> {
  const none = (why: string): ImportedEvaluation => ({ finalEval: null, baseEval: null, classReport: null, notEvaluated: `not evaluated: ${why}` });
  if (typeof data === 'string') return none(data);
  const validation = data.validation;
  if (!validation) return none('the loaded dataset has no held-out examples');
  const options = { batchSize: 32, tokenLength: validation.kind === 'tokens' ? paddedLength(validation.sequences) : 0 };
  const finalEval = toEvalResult(await evaluate(model, adapter.patch(), validation, options));
  // The base model answers with the checkpoint's own head: only comparable when its classes are the dataset's.
  const baseComparable = model.config.task !== 'image-classification' || model.config.numLabels === datasetLabels?.length;
  const baseEval = baseComparable ? toEvalResult(await evaluate(model, null, validation, options)) : null;
  const classReport = validation.kind === 'images' && datasetLabels ? await heldOutClassReport(model, adapter.patch(), validation, [...datasetLabels], options.batchSize) : null;
  return { finalEval, baseEval, classReport, notEvaluated: null };
}

/**
 * Dropped files as an adapter on `model`: read, loaded, checked against the
 * loaded dataset's classes, and evaluated on its held-out split
 * (sequences of `seqLength` tokens for text). The caller owns the adapter.
 */
export async function importAdapterFiles(
  model: Model,
  dropped: readonly DroppedFile[],
  data: RunDataCache | null,
  seqLength: number,
): Promise<{ adapter: Adapter; label: string; peftType: string; evaluation: ImportedEvaluation }> {
  const { label, files } = await readImportedFiles(dropped);
  const adapter = loadAdapter(model, files, label);
  try {
    const labels = data?.labels();
    checkHeadFitsData(model, adapter, labels, label);
    const evaluation = await evaluateImported(model, adapter, evaluationData(data, seqLength), labels);
    return { adapter, label, peftType: String(files.config.peft_type), evaluation };
  } catch (error) {
    adapter.dispose();
    throw error;
  }
}

/** The held-out data an imported adapter is evaluated on; why there is none, in words. */
function evaluationData(data: RunDataCache | null, seqLength: number): RunData | string {
  if (!data) return 'no dataset was loaded when it was imported';
  try {
    return data.forSequenceLength(seqLength);
  } catch (error) {
    return `the loaded dataset cannot be prepared for it (${errorMessage(error)})`;
  }
}
