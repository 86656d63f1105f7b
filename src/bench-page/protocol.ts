/** Messages between the benchmark page and its worker: plain data only. */
import type { BenchRecord } from '../engine/bench/report';
import type { PageBenchRequest } from './request';

export type BenchCommand = { type: 'run'; request: PageBenchRequest };

export type BenchEvent =
  | { type: 'backend'; backend: string; device: string | null; fallbackReasons: string[] }
  | { type: 'progress'; text: string }
  | { type: 'done'; records: BenchRecord[] }
  | { type: 'error'; message: string };
