import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { archiveBudget, expandArchives, MAX_ARCHIVE_BYTES } from '../../../src/engine/data/archive';
import { parseDataset } from '../../../src/engine/data/index';
import { crc32 } from '../../../src/engine/data/zip';
import { InputFileError } from '../../../src/engine/errors';
import { thrown } from './make-files';

const text = (n: number, char = 'a') => new TextEncoder().encode(char.repeat(n));

/** The offset of the first central-directory entry of a zip. */
function centralEntry(bytes: Uint8Array): number {
  for (let at = bytes.length - 22; at >= 0; at--) {
    if (bytes[at] === 0x50 && bytes[at + 1] === 0x4b && bytes[at + 2] === 0x01 && bytes[at + 3] === 0x02) {
      // The first entry: keep going back while another precedes it.
      let first = at;
      for (let back = at - 1; back >= 0; back--) {
        if (bytes[back] === 0x50 && bytes[back + 1] === 0x4b && bytes[back + 2] === 0x01 && bytes[back + 3] === 0x02) first = back;
      }
      return first;
    }
  }
  throw new Error('no central directory');
}

/** A copy of a one-entry zip with its declared uncompressed size (and optionally CRC) changed, in both headers. */
function withDeclared(bytes: Uint8Array, size: number, crc?: number): Uint8Array {
  const copy = bytes.slice();
  const view = new DataView(copy.buffer);
  const central = centralEntry(copy);
  view.setUint32(central + 24, size, true);
  view.setUint32(18 + 4, size, true); // local header's uncompressed size
  if (crc !== undefined) {
    view.setUint32(central + 16, crc, true);
    view.setUint32(14, crc, true);
  }
  return copy;
}

function inputError(fn: () => unknown, file: string): InputFileError {
  const error = thrown(fn);
  expect(error).toBeInstanceOf(InputFileError);
  expect((error as InputFileError).file).toBe(file);
  return error as InputFileError;
}

describe('expandArchives: one budget for the whole archive tree', () => {
  it('counts archives inside archives against the same budget', () => {
    const inner = (name: string) => zipSync({ [`${name}.txt`]: text(400) });
    const outer = { path: 'outer.zip', bytes: zipSync({ 'one.zip': inner('one'), 'two.zip': inner('two') }) };
    // Each inner archive alone fits in 1,000 bytes; together with the outer one they do not.
    expect(expandArchives([{ path: 'one.zip', bytes: inner('one') }], archiveBudget(1000))).toHaveLength(1);
    const error = inputError(() => expandArchives([outer], archiveBudget(1000)), 'outer.zip/two.zip');
    expect(error.message).toMatch(/holds more than .* MiB uncompressed \(counting every archive inside it and beside it\)/);
  });

  it('counts two archives given side by side against the same budget', () => {
    const a = { path: 'a.zip', bytes: zipSync({ 'a.txt': text(600) }) };
    const b = { path: 'b.zip', bytes: zipSync({ 'b.txt': text(600) }) };
    inputError(() => expandArchives([a, b], archiveBudget(1000)), 'b.zip');
  });

  it('lets training and held-out files share one budget', () => {
    const budget = archiveBudget(1000);
    parseDataset([{ path: 'train.zip', bytes: zipSync({ 'a.txt': text(600) }) }], { archiveBudget: budget });
    inputError(() => parseDataset([{ path: 'val.zip', bytes: zipSync({ 'b.txt': text(600) }) }], { archiveBudget: budget }), 'val.zip');
  });

  it('refuses an archive declaring more than the limit before inflating anything', () => {
    const bomb = withDeclared(zipSync({ 'big.txt': text(1000) }), MAX_ARCHIVE_BYTES + 1);
    const started = performance.now();
    const error = inputError(() => parseDataset([{ path: 'bomb.zip', bytes: bomb }]), 'bomb.zip');
    expect(error.message).toBe('bomb.zip: holds more than 1024 MiB uncompressed (counting every archive inside it and beside it); use a smaller archive');
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('zip entries that are not what they claim', () => {
  const zip = zipSync({ 'notes.txt': text(5000, 'x') });

  it('rejects an entry whose data is longer than its header says, naming the entry', () => {
    const error = inputError(() => expandArchives([{ path: 'notes.zip', bytes: withDeclared(zip, 100) }]), 'notes.zip/notes.txt');
    expect(error.message).toBe('notes.zip/notes.txt: holds more data than the 100 bytes its header declares; the archive is damaged or crafted');
  });

  it('rejects an entry shorter than its header says', () => {
    const error = inputError(() => expandArchives([{ path: 'notes.zip', bytes: withDeclared(zip, 6000) }]), 'notes.zip/notes.txt');
    expect(error.message).toBe('notes.zip/notes.txt: holds 5000 bytes but its header declares 6000; the archive is damaged');
  });

  it('rejects an entry whose CRC-32 does not match its data', () => {
    const error = inputError(() => expandArchives([{ path: 'notes.zip', bytes: withDeclared(zip, 5000, 0x12345678) }]), 'notes.zip/notes.txt');
    expect(error.message).toMatch(/is damaged: its CRC-32 is 0x[0-9a-f]{8} but the archive records 0x12345678/);
  });

  it('rejects a stored entry whose sizes disagree', () => {
    const stored = zipSync({ 'a.txt': [text(50), { level: 0 }] });
    const error = inputError(() => expandArchives([{ path: 's.zip', bytes: withDeclared(stored, 80) }]), 's.zip/a.txt');
    expect(error.message).toBe('s.zip/a.txt: holds 50 stored bytes but its header declares 80');
  });

  it('reads the entries of a valid archive exactly', () => {
    const files = expandArchives([{ path: 'd/notes.zip', bytes: zipSync({ 'x/a.txt': text(3, 'a'), 'b.txt': text(70000, 'b') }) }]);
    expect(files.map((f) => [f.path, f.layoutPath, f.bytes.length])).toEqual([
      ['d/notes.zip/x/a.txt', 'd/x/a.txt', 3],
      ['d/notes.zip/b.txt', 'd/b.txt', 70000],
    ]);
  });

  it('rejects a truncated archive, naming it', () => {
    const error = inputError(() => parseDataset([{ path: 'cut.zip', bytes: zip.slice(0, zip.length - 30) }]), 'cut.zip');
    expect(error.message).toMatch(/is not a readable \.zip archive/);
  });

  it('rejects bytes between the central directory and its end record (found by the fuzz test: a name grew and a file vanished)', () => {
    const two = zipSync({ 'a.txt': text(10), 'b.txt': text(10) });
    const eocd = two.length - 22;
    const grown = new Uint8Array(two.length + 8);
    grown.set(two.subarray(0, eocd - 3));
    grown.set(new TextEncoder().encode('junk/xyz'), eocd - 3);
    grown.set(two.subarray(eocd - 3), eocd + 5);
    const error = inputError(() => expandArchives([{ path: 'two.zip', bytes: grown }]), 'two.zip');
    expect(error.message).toMatch(/its central directory does not end where its end record begins/);
  });

  it('rejects an entry whose own header names it differently from the directory', () => {
    const zip = zipSync({ 'a.txt': text(10) });
    const renamed = zip.slice();
    renamed[30] = 'b'.charCodeAt(0); // the local header's name
    const error = inputError(() => expandArchives([{ path: 'n.zip', bytes: renamed }]), 'n.zip/a.txt');
    expect(error.message).toMatch(/the archive's directory and the entry's own header name it differently \("b\.txt"\)/);
  });

  it('computes the CRC-32 zip uses', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
});
