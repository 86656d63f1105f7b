/**
 * The shareable URL: the model and every run's settings in `location.hash`,
 * e.g. `#model=bundled%3Avit-fashion&run=m%3Dwegeft%26r%3D8...`. Each run is
 * its own `run` entry, itself a query string over the fields' short URL keys,
 * so the RUN_FIELDS table alone decides what is shared.
 */
import { MODEL_TASKS } from '../../engine/adapters/common/method-spec';
import { DEFAULT_RUN_FORM, RUN_FIELDS, fieldApplies, formForMethod, validateRunForm, type FieldSpec, type RunForm } from './run-form';

/** A model the URL can name (dropped files cannot be shared). */
export type SharedModel = { kind: 'bundled'; name: string } | { kind: 'hub'; repoId: string; revision?: string };

export interface SharedState {
  model: SharedModel | null;
  runs: RunForm[];
}

export interface DecodedShare extends SharedState {
  /** What could not be read, in words; the rest is still used. */
  problems: string[];
}

export function encodeShareHash(state: SharedState): string {
  const params = new URLSearchParams();
  if (state.model) params.set('model', encodeModel(state.model));
  for (const run of state.runs) params.append('run', encodeRun(run));
  const text = params.toString();
  return text ? `#${text}` : '';
}

export function decodeShareHash(hash: string): DecodedShare {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const problems: string[] = [];
  const modelText = params.get('model');
  const model = modelText ? decodeModel(modelText, problems) : null;
  const runs: RunForm[] = [];
  params.getAll('run').forEach((text, i) => {
    const run = decodeRun(text, `run ${i + 1}`, problems);
    if (run) runs.push(run);
  });
  return { model, runs, problems };
}

function encodeModel(model: SharedModel): string {
  if (model.kind === 'bundled') return `bundled:${model.name}`;
  return `hub:${model.repoId}${model.revision ? `@${model.revision}` : ''}`;
}

function decodeModel(text: string, problems: string[]): SharedModel | null {
  const [kind, ...rest] = text.split(':');
  const value = rest.join(':');
  if (kind === 'bundled' && value) return { kind: 'bundled', name: value };
  if (kind === 'hub' && value) {
    const [repoId, revision] = value.split('@');
    return revision ? { kind: 'hub', repoId, revision } : { kind: 'hub', repoId };
  }
  problems.push(`model: cannot read ${JSON.stringify(text)} (expected bundled:<name> or hub:<repo id>)`);
  return null;
}

function encodeRun(form: RunForm): string {
  const params = new URLSearchParams();
  // The defaults of a method differ by task, and a link is read before its model loads: a value is left
  // out (to keep links short) only when it is the method's default for every task. Another method's
  // options are left out too.
  const defaults = MODEL_TASKS.map((task) => formForMethod(form.method, undefined, task));
  for (const field of RUN_FIELDS) {
    const value = form[field.key];
    if (field.key !== 'method' && !fieldApplies(field, form)) continue;
    if (field.key !== 'method' && defaults.every((d) => Object.is(d[field.key], value))) continue;
    params.set(field.urlKey, typeof value === 'boolean' ? (value ? '1' : '0') : value === null ? '' : String(value));
  }
  return params.toString();
}

function decodeRun(text: string, where: string, problems: string[]): RunForm | null {
  const params = new URLSearchParams(text);
  const methodField = RUN_FIELDS.find((f) => f.key === 'method')!;
  const method = params.get(methodField.urlKey) ?? DEFAULT_RUN_FORM.method;
  if (methodField.kind !== 'choice' || !methodField.choices.some((c) => c.value === method)) {
    problems.push(`${where}: unknown method ${JSON.stringify(method)}`);
    return null;
  }
  const form: Record<string, unknown> = { ...formForMethod(method as RunForm['method']) };
  for (const field of RUN_FIELDS) {
    const raw = params.get(field.urlKey);
    if (raw === null || field.key === 'method') continue;
    form[field.key] = parseFieldValue(field, raw);
  }
  const invalid = validateRunForm(form as unknown as RunForm);
  const messages = Object.values(invalid);
  if (messages.length > 0) {
    problems.push(`${where}: ${messages.join('; ')}`);
    return null;
  }
  return form as unknown as RunForm;
}

function parseFieldValue(field: FieldSpec, raw: string): unknown {
  switch (field.kind) {
    case 'integer':
    case 'number':
      if (raw.trim() === '') return field.kind === 'integer' && field.emptyMeans ? null : Number.NaN;
      return Number(raw);
    case 'boolean':
      return raw === '1' || raw === 'true';
    case 'choice':
    case 'text':
      return raw;
  }
}
