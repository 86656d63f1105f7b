/**
 * The benchmark form: one control per query-string parameter, named alike,
 * so reading the form gives the same URLSearchParams a link would.
 */
import { METHOD_SPECS } from '../engine/adapters/methods';
import type { BenchPreset } from '../engine/bench/presets';
import { DEFAULT_PAGE_REQUEST, type PageBenchRequest } from './request';

const METHOD_LABELS: [string, string][] = METHOD_SPECS.map((m) => [m.name, m.label]);
const BACKEND_LABELS: [string, string][] = [
  ['webgpu', 'WebGPU'],
  ['webgl', 'WebGL'],
  ['wasm', 'WASM'],
  ['cpu', 'CPU (JavaScript)'],
];

function field(label: string, control: HTMLElement): HTMLLabelElement {
  const wrapper = document.createElement('label');
  wrapper.className = 'bench-field';
  wrapper.append(label, control);
  return wrapper;
}

function select(name: string, options: [string, string][], value: string): HTMLSelectElement {
  const element = document.createElement('select');
  element.name = name;
  for (const [optionValue, text] of options) element.add(new Option(text, optionValue, false, optionValue === value));
  return element;
}

function numberInput(name: string, value: number | undefined, min: number, placeholder = ''): HTMLInputElement {
  const input = document.createElement('input');
  input.type = 'number';
  input.name = name;
  input.min = String(min);
  input.step = 'any';
  input.placeholder = placeholder;
  if (value !== undefined) input.value = String(value);
  return input;
}

function checkbox(name: string, value: string, label: string, checked: boolean): HTMLLabelElement {
  const input = document.createElement('input');
  input.type = 'checkbox';
  input.name = name;
  input.value = value;
  input.checked = checked;
  const wrapper = document.createElement('label');
  wrapper.className = 'bench-check';
  wrapper.append(input, ` ${label}`);
  return wrapper;
}

/** Fills `form` with controls set to `request` (the defaults when null). */
export function renderForm(form: HTMLFormElement, presets: readonly BenchPreset[], request: PageBenchRequest | null): void {
  const r = request ?? DEFAULT_PAGE_REQUEST;
  const methods = document.createElement('fieldset');
  methods.className = 'bench-methods';
  const legend = document.createElement('legend');
  legend.textContent = 'Methods';
  methods.append(legend, ...METHOD_LABELS.map(([value, text]) => checkbox('methods', value, text, r.methods.includes(value as never))));
  const button = document.createElement('button');
  button.type = 'submit';
  button.textContent = 'Run benchmark';
  form.replaceChildren(
    field('Model', select('model', presets.map((p) => [p.name, `${p.name}: ${p.description}`]), r.model)),
    field('Backend', select('backend', BACKEND_LABELS, r.backend)),
    methods,
    field('Rank', numberInput('rank', r.rank, 1)),
    field('Alpha', numberInput('alpha', r.alpha, 0, 'the rank')),
    field('Batch', numberInput('batch', r.batch, 1, "the preset's")),
    field('Tokens per sequence', numberInput('seq', r.seq, 2, "the preset's")),
    field('Measured steps', numberInput('steps', r.steps, 1)),
    field('Warm-up steps', numberInput('warmup', r.warmup, 0)),
    field('Read back every', numberInput('readback-every', r.readbackEvery, 1)),
    field('Seed', numberInput('seed', r.seed, 0)),
    field('WASM threads', numberInput('threads', r.threads, 1, 'one per core')),
    checkbox('profile', '1', 'Per-kernel breakdown (tf.profile)', r.profile),
    checkbox('checkpointing', '1', 'Activation checkpointing per block', r.checkpointing ?? false),
    button,
  );
}

/** The form's values as query-string parameters (methods joined by commas). */
export function readForm(form: HTMLFormElement): URLSearchParams {
  const data = new FormData(form);
  const params = new URLSearchParams();
  for (const [name, value] of data) {
    if (name === 'methods' || typeof value !== 'string' || value === '') continue;
    params.set(name, value);
  }
  params.set('methods', data.getAll('methods').join(','));
  return params;
}
