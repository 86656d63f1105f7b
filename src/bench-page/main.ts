/// <reference types="vite/client" />
/**
 * The benchmark page (bench.html): a form for the request (prefilled from the
 * query string, which uses `npm run bench`'s option names), a worker that
 * runs it, and the results as a table, JSON lines and kernel breakdowns.
 *
 * `?autorun=1` starts at once; `window.__bench` holds the state and records,
 * so `npm run bench -- --browser` can drive the page from Playwright.
 */
import { BENCH_PRESETS } from '../engine/bench/presets';
import { formatKernels, formatTable, type BenchRecord } from '../engine/bench/report';
import type { BenchCommand, BenchEvent } from './protocol';
import { paramsFromRequest, requestFromParams, type PageBenchRequest } from './request';
import { readForm, renderForm } from './form';
import '../ui/styles.css';
import './bench.css';

export interface BenchPageState {
  state: 'idle' | 'running' | 'done' | 'error';
  records: BenchRecord[];
  error: string | null;
}

declare global {
  interface Window {
    __bench: BenchPageState;
  }
}

const element = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const form = element<HTMLFormElement>('bench-form');
const status = element<HTMLParagraphElement>('bench-status');
window.__bench = { state: 'idle', records: [], error: null };

function setStatus(text: string, kind: 'info' | 'error' = 'info'): void {
  status.textContent = text;
  status.dataset.kind = kind;
  console.log(`[bench] ${text}`);
}

function showResults(records: BenchRecord[]): void {
  element('bench-table').textContent = formatTable(records);
  element('bench-json').textContent = records.map((r) => JSON.stringify(r)).join('\n');
  element('bench-kernels').textContent = records
    .filter((r) => r.kernels)
    .map((r) => `kernels of one ${r.method} step:\n${formatKernels(r.kernels!)}`)
    .join('\n\n');
  element('bench-details').hidden = false;
}

function run(request: PageBenchRequest): void {
  window.__bench = { state: 'running', records: [], error: null };
  // autorun stays: the dev server reloads the page when it re-bundles the
  // dependencies on a first visit, and without it the reloaded page sat idle
  // (and `npm run bench -- --browser` waited for it forever).
  const autorun = new URLSearchParams(location.search).get('autorun') === '1' ? '&autorun=1' : '';
  history.replaceState(null, '', `?${paramsFromRequest(request)}${autorun}`);
  element('bench-table').textContent = '';
  element('bench-details').hidden = true;
  setRunning(true);
  const worker = new Worker(new URL('./bench.worker.ts', import.meta.url), { type: 'module' });
  const finish = (state: 'done' | 'error', records: BenchRecord[], error: string | null) => {
    window.__bench = { state, records, error };
    worker.terminate();
    setRunning(false);
  };
  worker.onmessage = (message: MessageEvent<BenchEvent>) => {
    const event = message.data;
    if (event.type === 'backend') {
      const threads = event.threads !== null ? `, ${event.threads} thread${event.threads === 1 ? '' : 's'}` : '';
      setStatus(`backend: ${event.backend}${event.device ? ` (${event.device})` : ''}${threads}, cross-origin isolated: ${event.isolated}`);
    }
    else if (event.type === 'progress') setStatus(event.text);
    else if (event.type === 'done') {
      showResults(event.records);
      setStatus(`done: ${describe(event.records[0])}`);
      finish('done', event.records, null);
    } else {
      setStatus(`error: ${event.message}`, 'error');
      finish('error', [], event.message);
    }
  };
  worker.onerror = (event) => {
    setStatus(`error: the benchmark worker failed (${event.message})`, 'error');
    finish('error', [], event.message);
  };
  worker.postMessage({ type: 'run', request } satisfies BenchCommand);
}

function describe(r: BenchRecord): string {
  const shape = r.seq !== null ? `batch ${r.batch} × ${r.seq} tokens` : `batch ${r.batch} images`;
  const threads = r.threads !== null ? `, ${r.threads} thread${r.threads === 1 ? '' : 's'}` : '';
  return `${r.model} on ${r.backend}${r.device ? ` (${r.device})` : ''}${threads}, ${shape}, rank ${r.rank}, ${r.steps} measured steps`;
}

function setRunning(running: boolean): void {
  for (const control of form.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLButtonElement>('input, select, button')) {
    control.disabled = running;
  }
}

function start(): void {
  const params = new URLSearchParams(location.search);
  const parsed = requestFromParams(params);
  renderForm(form, BENCH_PRESETS, 'request' in parsed ? parsed.request : null);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const read = requestFromParams(readForm(form));
    if ('problems' in read) setStatus(read.problems.join('; '), 'error');
    else run(read.request);
  });
  if ('problems' in parsed) {
    setStatus(parsed.problems.join('; '), 'error');
    window.__bench = { state: 'error', records: [], error: parsed.problems.join('; ') };
    return;
  }
  if (params.get('autorun') === '1') run(parsed.request);
}

start();
