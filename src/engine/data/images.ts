/**
 * Image-classification datasets from the user's files, as pure functions.
 *
 * Layouts:
 * - class folders: `<root>/<label>/<image>`; the label is the image's parent
 *   folder. `<root>` is the folder all given files share (the folder the
 *   user dropped), so an image directly in it has no label: an error.
 *   A folder above the class folder named train/training, val/valid/
 *   validation/dev or test marks the split: `<root>/val/<label>/<image>`.
 * - a .zip with the same layout inside (read as if extracted in place).
 * - a .csv with a header naming a `path` column (or image/file/filename)
 *   and a `label` column (or class), and optionally `split`; paths are
 *   relative to the CSV's folder and found among the given files or inside
 *   a .zip given alongside it (extracted in place). Only the images the CSV
 *   lists are used; others are reported in a warning.
 *
 * Images are PNG or JPEG, decoded to RGBA, composited on white when they
 * have transparency, and shrunk at once to the model's input when the
 * caller says how (DatasetParseOptions.fitImage); all decoded pixels
 * together stay within MAX_DECODED_IMAGE_BYTES. An image that cannot be decoded
 * fails the whole dataset, with an error naming it and listing any other bad
 * files: training on a silently smaller dataset would surprise more than a
 * clear request to remove or fix the files. Labels are sorted numerically
 * aware ("2" before "10"); at least 2 classes are required.
 */
import { InputFileError } from '../errors';
import { expandArchives, type ExpandedFile } from './archive';
import { parseCsvTable } from './csv';
import { compositeOnWhite, hasTransparency } from '../preprocess/composite';
import { decodeImage } from './decode';
import {
  IMAGE_EXTENSIONS,
  baseName,
  commonFolder,
  decodeUtf8,
  dirName,
  extensionOf,
  isIgnoredPath,
  joinPath,
  naturalCompare,
  normalizePath,
  relativeTo,
} from './files';
import { listSome } from './text';
import type { DataFile, DatasetParseOptions, DataSplit, ImageDataset, ImageExample, RgbaImage } from './types';

/**
 * Bytes of decoded pixels one dataset keeps at most (all images, RGBA): six
 * 6000×6000 photos would otherwise hold ~860 MB. Images shrunk to a model's
 * input (DatasetParseOptions.fitImage) rarely come near it.
 */
export const MAX_DECODED_IMAGE_BYTES = 512 * 2 ** 20;

/** An image file with its label, before decoding. */
interface LabelledFile {
  file: ExpandedFile;
  label: string;
  split?: DataSplit;
}

const SPLIT_NAMES: Record<string, DataSplit> = {
  train: 'train',
  training: 'train',
  val: 'validation',
  valid: 'validation',
  validation: 'validation',
  dev: 'validation',
  test: 'test',
};

export function isImageFile(path: string): boolean {
  return (IMAGE_EXTENSIONS as readonly string[]).includes(extensionOf(path));
}

/** Parses images (in class folders, a .zip, or listed by a .csv) into one classification dataset. */
export function parseImageDataset(files: readonly DataFile[], options: DatasetParseOptions = {}): ImageDataset {
  const given = files.filter((file) => !isIgnoredPath(file.path)).sort((a, b) => naturalCompare(a.path, b.path));
  if (given.length === 0) throw new InputFileError(files[0]?.path ?? 'dataset', 'no image files were given');
  const root = commonFolder(given.map((file) => file.path));
  const expanded = expandArchives(given, options.archiveBudget).map((file) => ({ ...file, layoutPath: relativeTo(root, file.layoutPath) }));
  const csvFiles = expanded.filter((file) => extensionOf(file.path) === '.csv');
  const imageFiles = expanded.filter((file) => isImageFile(file.path));
  const other = expanded.find((file) => !isImageFile(file.path) && extensionOf(file.path) !== '.csv');
  if (other) {
    throw new InputFileError(other.path, 'is not an image: an image dataset takes .png, .jpg or .jpeg files, in class folders, a .zip, or listed by a .csv');
  }
  const name = datasetName(root, given);
  if (imageFiles.length === 0) throw new InputFileError(name, 'holds no images (.png, .jpg or .jpeg)');
  const warnings: string[] = [];
  const labelled = csvFiles.length > 0 ? labelsFromCsv(csvFiles, imageFiles, warnings) : labelsFromFolders(imageFiles, name, root);
  const { examples, transparent } = decodeAll(labelled, options, name);
  const labels = [...new Set(examples.map((example) => example.label))].sort(naturalCompare);
  if (labels.length < 2) {
    throw new InputFileError(
      name,
      labels.length === 1
        ? `holds only one class (${labels[0]}): classification needs at least two (one folder per class)`
        : 'holds no classes: classification needs at least two (one folder per class)',
    );
  }
  const notes = transparent > 0 ? [`${transparent} image${transparent === 1 ? '' : 's'} had transparency: composited on white`] : [];
  return { task: 'image-classification', examples, labels, files: given.map((file) => file.path), warnings, notes, transparentImages: transparent };
}

/** How messages about the whole dataset name it: the dropped folder, the one file, or the first files. */
function datasetName(root: string, given: readonly DataFile[]): string {
  if (root) return root;
  return given.length === 1 ? given[0].path : `${given[0].path} (and ${given.length - 1} other file${given.length > 2 ? 's' : ''})`;
}

/** Labels from the class-folder layout; every image must sit in a folder. */
function labelsFromFolders(images: ExpandedFile[], name: string, root: string): LabelledFile[] {
  const unlabelled = images.filter((file) => dirName(file.layoutPath) === '');
  if (unlabelled.length === images.length) {
    // Typically one class's folder was given (the folder every image shares is named after its class).
    const folder = baseName(name);
    if (name === root && folder !== '') {
      throw new InputFileError(
        name,
        `holds only one class (${folder}): classification needs at least two; give the folder that holds "${folder}" ` +
          'and the other class folders beside it',
      );
    }
    throw new InputFileError(
      name,
      `has no class folders: put each class's images in a folder named after the class, e.g. "cat/${baseName(images[0].path)}" ` +
        '(classification needs at least 2 classes)',
    );
  }
  if (unlabelled.length > 0) {
    const others = unlabelled.length > 1 ? ` (and ${unlabelled.length - 1} other image${unlabelled.length > 2 ? 's' : ''})` : '';
    throw new InputFileError(
      unlabelled[0].path,
      `is unlabelled${others}: put each image in a folder named after its class, e.g. "cat/${baseName(unlabelled[0].path)}"`,
    );
  }
  const sorted = images.slice().sort((a, b) => naturalCompare(a.layoutPath, b.layoutPath));
  return sorted.map((file) => {
    const folders = dirName(file.layoutPath).split('/');
    const split = folders.length >= 2 ? SPLIT_NAMES[folders[folders.length - 2].toLowerCase()] : undefined;
    return split ? { file, label: folders[folders.length - 1], split } : { file, label: folders[folders.length - 1] };
  });
}

/** Labels from one or more `path,label` CSVs; images they do not list are left out, with a warning. */
function labelsFromCsv(csvFiles: ExpandedFile[], images: ExpandedFile[], warnings: string[]): LabelledFile[] {
  const byLayoutPath = new Map(images.map((file) => [normalizePath(file.layoutPath), file]));
  const listedAt = new Map<ExpandedFile, string>();
  const labelled: LabelledFile[] = [];
  for (const csv of csvFiles) {
    for (const row of readLabelRows(csv)) {
      const wanted = joinPath(dirName(csv.layoutPath), row.path);
      const file = byLayoutPath.get(wanted);
      if (!file) throw new InputFileError(csv.path, `line ${row.line}: image "${row.path}" not found among the given files (looked for "${wanted}")`);
      const earlier = listedAt.get(file);
      if (earlier) throw new InputFileError(csv.path, `line ${row.line}: image "${row.path}" is already listed (${earlier})`);
      listedAt.set(file, `${csv.path} line ${row.line}`);
      labelled.push(row.split ? { file, label: row.label, split: row.split } : { file, label: row.label });
    }
  }
  const unlisted = images.filter((file) => !listedAt.has(file));
  if (unlisted.length > 0) {
    warnings.push(`${unlisted.length} image${unlisted.length === 1 ? ' is' : 's are'} not listed in the labels CSV and ${unlisted.length === 1 ? 'was' : 'were'} left out: ${listSome(unlisted.map((f) => f.path))}`);
  }
  return labelled;
}

interface LabelRow {
  path: string;
  label: string;
  split?: DataSplit;
  line: number;
}

function readLabelRows(csv: ExpandedFile): LabelRow[] {
  const { columns, rows } = parseCsvTable(decodeUtf8(csv.bytes, csv.path), csv.path);
  const pathColumn = columns.findIndex((name) => ['path', 'image', 'file', 'filename'].includes(name));
  const labelColumn = columns.findIndex((name) => ['label', 'class'].includes(name));
  const splitColumn = columns.indexOf('split');
  if (pathColumn < 0 || labelColumn < 0) {
    throw new InputFileError(csv.path, `line 1: the header must name a "path" and a "label" column; found: ${columns.map((c) => `"${c}"`).join(', ')}`);
  }
  if (rows.length === 0) throw new InputFileError(csv.path, 'lists no images (only a header)');
  return rows.map((row) => {
    const path = row.fields[pathColumn].trim();
    const label = row.fields[labelColumn].trim();
    if (path === '') throw new InputFileError(csv.path, `line ${row.line}: the path is empty`);
    if (label === '') throw new InputFileError(csv.path, `line ${row.line}: "${path}" is unlabelled (the label is empty)`);
    const split = splitColumn >= 0 ? parseSplit(row.fields[splitColumn], csv.path, row.line) : undefined;
    return split ? { path, label, split, line: row.line } : { path, label, line: row.line };
  });
}

function parseSplit(value: string, file: string, line: number): DataSplit | undefined {
  const name = value.trim().toLowerCase();
  if (name === '') return undefined;
  const split = SPLIT_NAMES[name];
  if (!split) throw new InputFileError(file, `line ${line}: unknown split "${value}" (use train, val or test)`);
  return split;
}

/**
 * Decodes every image, composites it on white and shrinks it to what the
 * model reads at once (options.fitImage), keeping the decoded bytes within
 * budget; if any image fails, one error names the first and lists the rest.
 */
function decodeAll(labelled: LabelledFile[], options: DatasetParseOptions, name: string): { examples: ImageExample[]; transparent: number } {
  const examples: ImageExample[] = [];
  const failures: InputFileError[] = [];
  const budget = options.maxDecodedBytes ?? MAX_DECODED_IMAGE_BYTES;
  let kept = 0;
  let transparent = 0;
  for (const { file, label, split } of labelled) {
    let image: RgbaImage;
    try {
      const decoded = decodeImage(file.bytes, file.path);
      if (hasTransparency(decoded)) transparent++;
      image = options.fitImage ? options.fitImage(decoded) : compositeOnWhite(decoded);
    } catch (error) {
      failures.push(error instanceof InputFileError ? error : new InputFileError(file.path, `could not be prepared (${(error as Error).message})`));
      continue;
    }
    kept += image.data.length;
    if (kept > budget) {
      throw new InputFileError(
        file.path,
        `takes the decoded images of ${name} past ${budget / 2 ** 20} MiB (at image ${examples.length + 1} of ${labelled.length}); ` +
          'use fewer or smaller images (load the model first: images are then kept at its input size)',
      );
    }
    examples.push(split ? { image, label, source: file.path, split } : { image, label, source: file.path });
  }
  if (failures.length > 0) {
    const [first, ...rest] = failures;
    const others = rest.length > 0 ? `; ${rest.length} more image${rest.length === 1 ? '' : 's'} cannot be decoded either: ${listSome(rest.map((e) => e.file))}` : '';
    throw new InputFileError(first.file, `${first.problem}${others}. Remove or replace ${rest.length > 0 ? 'them' : 'it'} and try again.`);
  }
  return { examples, transparent };
}
