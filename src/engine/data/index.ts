/**
 * Datasets: parse the user's files into a text or image dataset, then
 * prepare training samples from it. Pure functions over bytes; the Node-only
 * file reader is in ./node-files (never imported by browser code).
 *
 * Typical use:
 *   const dataset = parseDataset(files);            // TextDataset | ImageDataset
 *   const summary = datasetSummary(dataset);        // for the UI
 *   const sequences = prepareTokenSequences(dataset, tokenizer, { seqLength: 128 });
 *   const samples = prepareImageSamples(dataset, modelLabels);
 */
import { InputFileError } from '../errors';
import { extractFromArchive, isArchive, listArchive } from './archive';
import { parseCsv } from './csv';
import { ARCHIVE_EXTENSIONS, IMAGE_EXTENSIONS, TEXT_EXTENSIONS, decodeUtf8, extensionOf, isIgnoredPath } from './files';
import { isImageFile, parseImageDataset } from './images';
import { parseTextDataset } from './text';
import type { DataFile, Dataset, DatasetParseOptions } from './types';

export type * from './types';
export { parseTextDataset } from './text';
export { MAX_DECODED_IMAGE_BYTES, parseImageDataset } from './images';
export { archiveBudget, MAX_ARCHIVE_BYTES, type ArchiveBudget } from './archive';
export { decodeImage } from './decode';
export { prepareTokenSequences, prepareImageSamples, selectSplit, splitsOf, tokenStream } from './prepare';
export { datasetSummary } from './summary';
export type { DatasetSummary, TextDatasetSummary, ImageDatasetSummary, LabelCount, TextPreviewItem } from './summary';

/** Every extension a dataset file may have. */
export const DATASET_EXTENSIONS: readonly string[] = [...TEXT_EXTENSIONS, ...IMAGE_EXTENSIONS, ...ARCHIVE_EXTENSIONS];

/** A file's role, judged by its name (and, for .csv, its header). */
type FileKind = 'image' | 'text' | 'image-labels';

/**
 * Parses the user's files as one dataset, choosing the task from the files:
 * images (or a `path,label` CSV) make an image-classification dataset,
 * text files a language-modelling one. Mixing the two is an error naming a
 * file of each kind; so is a file of no supported format. `options` says
 * how decoded images are kept (shrunk to the model's input, a byte budget).
 */
export function parseDataset(files: readonly DataFile[], options: DatasetParseOptions = {}): Dataset {
  const given = files.filter((file) => !isIgnoredPath(file.path));
  if (given.length === 0) throw new InputFileError(files[0]?.path ?? 'dataset', 'no data files were given');
  const kinds = given.flatMap(kindsOf);
  const image = kinds.find((entry) => entry.kind === 'image' || entry.kind === 'image-labels');
  const text = kinds.find((entry) => entry.kind === 'text');
  if (image && text) {
    throw new InputFileError(
      text.path,
      `is text, but ${image.path} is ${image.kind === 'image' ? 'an image' : 'an image-labels CSV'}: ` +
        'a dataset is either text (for language models) or images (for image classifiers), not both',
    );
  }
  return image ? parseImageDataset(given, options) : parseTextDataset(given, options);
}

/** The kind of each data file in a file (an archive holds several), named as messages show them. */
function kindsOf(file: DataFile): { path: string; kind: FileKind }[] {
  if (isArchive(file.path)) {
    const names = listArchive(file);
    if (names.length === 0) throw new InputFileError(file.path, 'is an empty archive (no files in it)');
    // Nested archives are judged when parsed; CSVs inside by their header.
    const byName = names.filter((name) => !isArchive(name) && extensionOf(name) !== '.csv').map((name) => `${file.path}/${name}`);
    const csvs = names.some((name) => extensionOf(name) === '.csv') ? extractFromArchive(file, (name) => extensionOf(name) === '.csv') : [];
    return [...byName.map((path) => ({ path, kind: kindByName(path) })), ...csvs.map((csv) => ({ path: csv.path, kind: csvKind(csv) }))];
  }
  return [{ path: file.path, kind: extensionOf(file.path) === '.csv' ? csvKind(file) : kindByName(file.path) }];
}

function kindByName(path: string): FileKind {
  if (isImageFile(path)) return 'image';
  if ((TEXT_EXTENSIONS as readonly string[]).includes(extensionOf(path))) return 'text';
  throw new InputFileError(
    path,
    `is not a supported dataset file (${extensionOf(path) || 'no extension'}); use text (${TEXT_EXTENSIONS.join(', ')}), ` +
      `images (${IMAGE_EXTENSIONS.join(', ')}) in class folders, or a .zip of either`,
  );
}

/** A CSV whose header names a path and a label column lists images, not text. */
function csvKind(file: DataFile): FileKind {
  return isImageLabelsCsv(file) ? 'image-labels' : 'text';
}

function isImageLabelsCsv(file: DataFile): boolean {
  const text = decodeUtf8(file.bytes, file.path);
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  let header: string[];
  try {
    header = (parseCsv(firstLine, file.path)[0]?.fields ?? []).map((name) => name.trim().toLowerCase());
  } catch {
    return false; // A malformed header is reported by the parser that reads the file.
  }
  const hasPath = header.some((name) => ['path', 'image', 'file', 'filename'].includes(name));
  const hasLabel = header.some((name) => ['label', 'class'].includes(name));
  return hasPath && hasLabel && !header.includes('text');
}
