/**
 * The memory a checkpoint load costs: loads a folder's model once and
 * prints the peak of process.memoryUsage() (rss, arrayBuffers, heapUsed)
 * sampled every 10 ms and after every tensor, against the weights' size.
 *
 *   npx tsx scripts/load-memory.ts <checkpoint folder> [--whole] [--blob] [--backend cpu|wasm]
 *
 * By default the weights stream (header, then one byte range per tensor);
 * `--whole` hides the folder's range reads, so the file is read whole first,
 * as every load did before streaming (and as HTTP sources still do). Run each
 * mode in its own process: a peak once reached stays in rss. `--blob` reads
 * the folder as the page reads dropped files (BrowserFilesSource, File.slice),
 * over Node's disk-backed Blobs (fs.openAsBlob).
 */
import * as tf from '@tensorflow/tfjs';
import { openAsBlob } from 'node:fs';
import * as path from 'node:path';
import { DirectorySource } from '../src/engine/io/node-source';
import { BrowserFilesSource } from '../src/engine/io/source';
import type { FileSource } from '../src/engine/io/source';
import { loadModel } from '../src/engine/models/load';
import { setupNodeBackend, type NodeBackend } from './lib/node-backend';

const MB = 1024 * 1024;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const folder = args.find((a) => !a.startsWith('--') && args[args.indexOf(a) - 1] !== '--backend');
  if (!folder) throw new Error('usage: npx tsx scripts/load-memory.ts <checkpoint folder> [--whole] [--blob] [--backend cpu|wasm]');
  const whole = args.includes('--whole');
  const backend = (args.includes('--backend') ? args[args.indexOf('--backend') + 1] : 'cpu') as NodeBackend;
  await setupNodeBackend(backend);
  const directory = new DirectorySource(folder);
  const asFile = async (name: string) => new File([await openAsBlob(path.join(folder, name))], name);
  const inner: FileSource = args.includes('--blob')
    ? new BrowserFilesSource([await asFile('config.json'), await asFile('model.safetensors')], folder)
    : directory;
  const source: FileSource = whole
    ? { label: inner.label, has: (p) => inner.has(p), read: (p, cb, o) => inner.read(p, cb, o), describe: (p) => inner.describe(p), readPrefix: (p, n) => inner.readPrefix!(p, n) }
    : inner;
  const base = process.memoryUsage();
  const peak = { rss: base.rss, arrayBuffers: base.arrayBuffers, heapUsed: base.heapUsed };
  const sample = () => {
    const m = process.memoryUsage();
    peak.rss = Math.max(peak.rss, m.rss);
    peak.arrayBuffers = Math.max(peak.arrayBuffers, m.arrayBuffers);
    peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed);
  };
  const timer = setInterval(sample, 10);
  let tensors = 0;
  const started = performance.now();
  const model = await loadModel(source, {
    onTensor: () => {
      tensors += 1;
      sample();
    },
  });
  sample();
  clearInterval(timer);
  const ms = performance.now() - started;
  const weights = model.parameterCount() * 4;
  const after = process.memoryUsage();
  const line = (name: string, value: number, start: number) => `${name} ${((value - start) / MB).toFixed(0)} MB above the start (${(value / MB).toFixed(0)} MB)`;
  console.log(`${whole ? 'whole-file' : 'streaming'}${args.includes('--blob') ? ' Blob' : ''} load of ${folder} on ${tf.getBackend()}: ${tensors} tensors read, ${(ms / 1000).toFixed(1)} s`);
  console.log(`weights (float32): ${(weights / MB).toFixed(0)} MB; tfjs holds ${(tf.memory().numBytes / MB).toFixed(0)} MB in ${tf.memory().numTensors} tensors`);
  console.log(`peak ${line('rss', peak.rss, base.rss)}; ${line('arrayBuffers', peak.arrayBuffers, base.arrayBuffers)}; ${line('heapUsed', peak.heapUsed, base.heapUsed)}`);
  console.log(`after: ${line('rss', after.rss, base.rss)}; ${line('arrayBuffers', after.arrayBuffers, base.arrayBuffers)}`);
  model.dispose();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
