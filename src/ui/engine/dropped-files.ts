/**
 * Files the user drops or chooses, with their paths relative to what was
 * dropped: a dropped folder is walked recursively, so class folders
 * (`digits/3/a.png`) and checkpoint folders keep their layout.
 */
import type { DroppedFile } from '../../worker/protocol';

function relativePath(file: File): string {
  return (file as File & { webkitRelativePath?: string }).webkitRelativePath || file.name;
}

/** Files from an <input type="file"> (with or without `webkitdirectory`). */
export function droppedFilesFromList(list: FileList | File[]): DroppedFile[] {
  return [...list].map((file) => ({ path: relativePath(file), file }));
}

/** Files from a drop: plain files, and every file inside dropped folders. */
export async function droppedFilesFromDataTransfer(transfer: DataTransfer): Promise<DroppedFile[]> {
  const entries = [...transfer.items]
    .filter((item) => item.kind === 'file')
    .map((item) => item.webkitGetAsEntry?.() ?? null);
  if (entries.some((e) => e === null)) return droppedFilesFromList(transfer.files);
  const out: DroppedFile[] = [];
  for (const entry of entries as FileSystemEntry[]) await collect(entry, '', out);
  return out;
}

async function collect(entry: FileSystemEntry, prefix: string, out: DroppedFile[]): Promise<void> {
  const path = prefix ? `${prefix}/${entry.name}` : entry.name;
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push({ path, file });
    return;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  // readEntries returns at most ~100 entries per call: read until empty.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) break;
    for (const child of batch) await collect(child, path, out);
  }
}

/** What to call a set of dropped files: the folder's name, the file's name, or "N files". */
export function labelOfDropped(files: DroppedFile[]): string {
  const first = files[0]?.path ?? '';
  if (first.includes('/')) {
    const folder = first.split('/')[0];
    if (files.every((f) => f.path.startsWith(`${folder}/`))) return folder;
  }
  return files.length === 1 ? first : 'dropped files';
}
