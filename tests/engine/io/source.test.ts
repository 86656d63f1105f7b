/**
 * Files dropped into the page (BrowserFilesSource), one by one or as a whole
 * folder, load like the same checkpoint on disk.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputFileError } from '../../../src/engine/errors';
import { BrowserFilesSource, MemorySource, readJson, readText } from '../../../src/engine/io/source';
import { loadModel } from '../../../src/engine/models/load';
import { useBackend } from '../../helpers/backend';
import { fixtureDir } from '../../helpers/fixtures';

/** A File as a browser gives it for a dropped folder: webkitRelativePath set. */
function droppedFile(folder: string, relative: string, bytes: Uint8Array): File {
  const file = new File([bytes as Uint8Array<ArrayBuffer>], path.basename(relative));
  Object.defineProperty(file, 'webkitRelativePath', { value: `${folder}/${relative}` });
  return file;
}

/** Every file of a fixture folder (recursively), as dropped under the name `folder`. */
function dropFolder(dir: string, folder: string): File[] {
  const files: File[] = [];
  const walk = (relative: string) => {
    for (const name of readdirSync(path.join(dir, relative))) {
      const child = relative ? `${relative}/${name}` : name;
      if (statSync(path.join(dir, child)).isDirectory()) walk(child);
      else files.push(droppedFile(folder, child, new Uint8Array(readFileSync(path.join(dir, child)))));
    }
  };
  walk('');
  return files;
}

beforeAll(async () => {
  await useBackend('cpu');
});

describe('BrowserFilesSource', () => {
  it('strips the dropped folder name so paths are relative to the checkpoint, and loads it', async () => {
    const source = new BrowserFilesSource(dropFolder(fixtureDir('vit'), 'my-vit'));
    expect(source.label).toBe('my-vit');
    expect(source.paths()).toContain('config.json');
    expect(source.paths()).toContain('lora/adapter_config.json');
    expect(source.describe('config.json')).toBe('my-vit/config.json');
    const model = await loadModel(source);
    expect(model.config.modelType).toBe('vit');
    model.dispose();
  });

  it('takes loose files (no folder) by name', async () => {
    const dir = fixtureDir('gpt2');
    const files = ['config.json', 'model.safetensors'].map((name) => new File([readFileSync(path.join(dir, name))], name));
    const source = new BrowserFilesSource(files);
    expect(source.label).toBe('dropped files');
    expect(await source.has('config.json')).toBe(true);
    const progress: Array<[string, number, number | undefined]> = [];
    const bytes = await source.read('model.safetensors', (...event) => progress.push(event));
    expect(progress).toEqual([['model.safetensors', bytes.byteLength, bytes.byteLength]]);
    const model = await loadModel(source);
    const logits = model.forward({ inputIds: tf.tensor2d([[1, 2, 3]], undefined, 'int32') });
    expect(logits.shape).toEqual([1, 3, 96]);
    tf.dispose(logits);
    model.dispose();
  });

  it('names the dropped file that is missing', async () => {
    const source = new BrowserFilesSource([droppedFile('ckpt', 'model.safetensors', new Uint8Array(8))]);
    expect(await source.has('config.json')).toBe(false);
    await expect(source.read('config.json')).rejects.toThrow(new InputFileError('ckpt/config.json', 'file not found among the dropped files'));
    await expect(loadModel(source)).rejects.toThrow(/^ckpt\/config.json: not found/);
  });
});

describe('readText and readJson', () => {
  const source = new MemorySource(
    'm',
    new Map([
      ['ok.json', new TextEncoder().encode('{"a": 1}')],
      ['bad.json', new TextEncoder().encode('{"a": ')],
      ['binary.bin', new Uint8Array([0xc3, 0x28])],
    ]),
  );

  it('parse text and JSON, naming the file when they cannot', async () => {
    expect(await readJson(source, 'ok.json')).toEqual({ a: 1 });
    await expect(readJson(source, 'bad.json')).rejects.toThrow(/^m\/bad.json: is not valid JSON/);
    await expect(readText(source, 'binary.bin')).rejects.toThrow(new InputFileError('m/binary.bin', 'is not UTF-8 text'));
    await expect(readText(source, 'absent.txt')).rejects.toThrow(new InputFileError('m/absent.txt', 'file not found'));
  });
});
