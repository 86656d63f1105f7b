/**
 * Drives a PlaygroundRuntime in Node as the page would: files as File
 * objects, events collected, replies awaited.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { encode } from 'fast-png';
import * as tf from '@tensorflow/tfjs';
import { fixtureDir } from '../helpers/fixtures';
import type { DroppedFile, WorkerCommand, WorkerEvent } from '../../src/worker/protocol';
import { PlaygroundRuntime } from '../../src/worker/runtime';

export function fixtureFiles(name: 'gpt2' | 'gpt_neo' | 'llama' | 'vit', extra: Record<string, string> = {}): DroppedFile[] {
  const files = ['config.json', 'model.safetensors'].map((f) => ({ path: `${name}/${f}`, file: new File([readFileSync(path.join(fixtureDir(name), f))], f) }));
  for (const [f, text] of Object.entries(extra)) files.push({ path: `${name}/${f}`, file: new File([text], f) });
  return files;
}

/** A character-level tokenizer.json over the gpt2 fixture's 96-token vocabulary (' ' to DEL). */
export function charTokenizerJson(): string {
  const vocab = Object.fromEntries(Array.from({ length: 96 }, (_, i) => [String.fromCharCode(32 + i), i]));
  return JSON.stringify({ version: '1.0', model: { type: 'BPE', vocab, merges: [], ignore_merges: false }, decoder: { type: 'Fuse' }, added_tokens: [] });
}

export function textFile(name: string, lines: number): DroppedFile {
  const words = ['the', 'cat', 'sat', 'on', 'a', 'mat', 'and', 'the', 'dog', 'ran', 'to', 'it'];
  const text = Array.from({ length: lines }, (_, i) => Array.from({ length: 8 }, (_, j) => words[(i * 7 + j * 3) % words.length]).join(' ')).join('\n');
  return { path: name, file: new File([text], name) };
}

/** Class folders of small PNGs: reddish and bluish images. */
export function imageFiles(perClass: number): DroppedFile[] {
  const out: DroppedFile[] = [];
  for (const [label, channel] of [['blue', 2], ['red', 0]] as const) {
    for (let i = 0; i < perClass; i++) {
      const data = new Uint8Array(16 * 16 * 4);
      for (let p = 0; p < 256; p++) {
        const noise = (p * 37 + i * 101) % 60;
        data[p * 4 + channel] = 150 + noise;
        data[p * 4 + 1] = noise;
        data[p * 4 + 3] = 255;
      }
      const png = encode({ width: 16, height: 16, data, channels: 4, depth: 8 });
      out.push({ path: `colours/${label}/${i}.png`, file: new File([png as BlobPart], `${i}.png`) });
    }
  }
  return out;
}

/** Events a request sends before its reply. */
const PROGRESS: ReadonlySet<string> = new Set(['modelLoading', 'backend', 'analysisProgress', 'folderProgress', 'generationText']);

export class RuntimeDriver {
  readonly events: WorkerEvent[] = [];
  readonly runtime: PlaygroundRuntime;
  private nextId = 1;
  private waiters: { test: (e: WorkerEvent) => boolean; resolve: (e: WorkerEvent) => void }[] = [];

  constructor(options: { checkpointIntervalMs?: number; memoryBudgetBytes?: number } = {}) {
    this.runtime = new PlaygroundRuntime((event) => this.receive(event), {
      baseUrl: 'http://127.0.0.1:1/',
      metricIntervalMs: 20,
      ...options,
      initBackend: async () => {
        await tf.setBackend('cpu');
        return { backend: 'cpu', fallbackReasons: ['WebGPU: not in this test'], adapterInfo: null };
      },
    });
  }

  private receive(event: WorkerEvent): void {
    this.events.push(event);
    this.waiters = this.waiters.filter((w) => {
      if (!w.test(event)) return true;
      w.resolve(event);
      return false;
    });
  }

  /** The next event (from now, or already received when `past`) that passes `test`. */
  waitFor<T extends WorkerEvent>(test: (e: WorkerEvent) => e is T, past?: boolean): Promise<T>;
  waitFor(test: (e: WorkerEvent) => boolean, past?: boolean): Promise<WorkerEvent>;
  waitFor(test: (e: WorkerEvent) => boolean, past = false): Promise<WorkerEvent> {
    const seen = past ? this.events.find(test) : undefined;
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }

  send(command: WorkerCommand): Promise<void> {
    return this.runtime.handle(command);
  }

  /** Sends a command with a fresh request id; resolves with its reply (or its error event). */
  async request(command: Record<string, unknown> & { type: string }): Promise<WorkerEvent> {
    const requestId = this.nextId++;
    const reply = this.waitFor((e) => 'requestId' in e && e.requestId === requestId && !PROGRESS.has(e.type));
    await this.runtime.handle({ ...command, requestId } as unknown as WorkerCommand);
    return reply;
  }

  of<T extends WorkerEvent['type']>(type: T): Extract<WorkerEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<WorkerEvent, { type: T }> => e.type === type);
  }
}
