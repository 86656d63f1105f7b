/**
 * The bundled models and datasets, as listed by public/models/index.json and
 * public/datasets/index.json. Read tolerantly: an entry without a name is
 * skipped, missing descriptions are empty.
 */

export interface BundledModel {
  name: string;
  title: string;
  description: string;
  task: string | null;
  parameters: number | null;
  /** The bundled dataset the model is meant to be fine-tuned on, by id. */
  demoDataset: string | null;
}

export interface BundledDataset {
  id: string;
  name: string;
  task: string | null;
  description: string;
  licence: string;
  /** File paths relative to /datasets/. */
  files: string[];
  /** Held-out files, relative to /datasets/. */
  validationFiles: string[];
}

type Json = Record<string, unknown>;

function entriesOf(json: unknown, key: string): Json[] {
  const list = Array.isArray(json) ? json : json && typeof json === 'object' ? (json as Json)[key] : null;
  return Array.isArray(list) ? list.filter((e): e is Json => !!e && typeof e === 'object') : [];
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

export function parseModelManifest(json: unknown): BundledModel[] {
  return entriesOf(json, 'models')
    .map((e) => {
      const name = text(e.name) || text(e.id) || text(e.folder);
      const demo = e.demo && typeof e.demo === 'object' ? text((e.demo as Json).dataset) : '';
      return {
        name,
        title: text(e.title) || text(e.displayName) || name,
        description: text(e.description),
        task: text(e.task) || null,
        parameters: typeof e.parameters === 'number' ? e.parameters : null,
        demoDataset: demo || null,
      };
    })
    .filter((m) => m.name !== '');
}

export function parseDatasetManifest(json: unknown): BundledDataset[] {
  return entriesOf(json, 'datasets')
    .map((e) => {
      const paths = (list: unknown) => (Array.isArray(list) ? list.map((f) => (typeof f === 'string' ? f : text((f as Json)?.path))).filter(Boolean) : []);
      const files = paths(e.files);
      return {
        id: text(e.id) || text(e.name),
        name: text(e.name) || text(e.id),
        task: text(e.task) || null,
        description: text(e.description),
        licence: text(e.licence) || text(e.license),
        files,
        validationFiles: paths(e.validationFiles),
      };
    })
    .filter((d) => d.id !== '' && d.files.length > 0);
}

/** The JSON at `url`, or null when there is none (a 404, or the app's HTML fallback page). */
async function fetchJson(url: string): Promise<unknown> {
  const response = await fetch(url);
  if (response.status === 404 || !(response.headers.get('content-type') ?? '').includes('json')) return null;
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

export const modelsBaseUrl = () => `${import.meta.env.BASE_URL}models/`;
export const datasetsBaseUrl = () => `${import.meta.env.BASE_URL}datasets/`;

export async function fetchModelManifest(): Promise<BundledModel[]> {
  return parseModelManifest(await fetchJson(`${modelsBaseUrl()}index.json`));
}

export async function fetchDatasetManifest(): Promise<BundledDataset[]> {
  return parseDatasetManifest(await fetchJson(`${datasetsBaseUrl()}index.json`));
}

/** The model card (README.md) without its YAML front matter, or null. */
export async function fetchModelCard(name: string): Promise<string | null> {
  const response = await fetch(`${modelsBaseUrl()}${encodeURIComponent(name)}/README.md`);
  if (!response.ok) return null;
  return (await response.text()).replace(/^---\n[\s\S]*?\n---\n/, '').trim();
}
