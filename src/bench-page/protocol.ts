/** Messages between the benchmark page and its worker: plain data only. */
import type { BenchRecord } from '../engine/bench/report';
import type { PageBenchRequest } from './request';

export type BenchCommand = { type: 'run'; request: PageBenchRequest };

export type BenchEvent =
  | {
      type: 'backend';
      backend: string;
      device: string | null;
      fallbackReasons: string[];
      /** WASM's kernel threads as running (tfjs-wasm's getThreadsCount); null off WASM. */
      threads: number | null;
      /** Whether the worker is cross-origin isolated (SharedArrayBuffer, so the threaded build). */
      isolated: boolean;
    }
  | { type: 'progress'; text: string }
  | { type: 'done'; records: BenchRecord[] }
  | { type: 'error'; message: string };
