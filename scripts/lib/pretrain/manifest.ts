/**
 * public/models/index.json: the bundled models the app lists. Each entry:
 * `id` and `name` (the folder under public/models, as a Hub model name),
 * `title` (for display), `family` (config.json model_type), `task`,
 * `parameters`, `description`, `files`, `license`, `metrics` (from the card)
 * and `demo` (the bundled dataset it is meant to be fine-tuned on).
 * `npm run make-model` updates its model's entry and leaves the others alone.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { PretrainResults } from './results';

export interface ModelManifestEntry {
  id: string;
  name: string;
  title: string;
  family: string;
  task: 'image-classification' | 'causal-lm';
  parameters: number;
  description: string;
  files: string[];
  license: string;
  metrics: Record<string, number>;
  demo: { dataset: string; command: string };
}

export interface ModelManifest {
  version: 1;
  models: ModelManifestEntry[];
}

export function manifestEntry(results: PretrainResults, files: string[]): ModelManifestEntry {
  const common = { id: results.modelId, name: results.modelId, parameters: results.parameters, files, license: 'MIT' };
  if (results.kind === 'vit') {
    return {
      ...common,
      title: 'Tiny ViT · Fashion-MNIST',
      family: 'vit',
      task: 'image-classification',
      description:
        `A ${results.config.num_hidden_layers}-layer Vision Transformer (${results.parameters.toLocaleString('en-US')} parameters, ` +
        `28×28 RGB input) pretrained here on Fashion-MNIST clothing: ${(results.testAccuracy * 100).toFixed(1)}% test accuracy. ` +
        'Fine-tune it on the MNIST digits demo.',
      metrics: { test_accuracy: results.testAccuracy },
      demo: { dataset: 'digits', command: 'npm run demo -- vit' },
    };
  }
  return {
    ...common,
    title: 'Tiny GPT-2 · Moby Dick + Brown',
    family: 'gpt2',
    task: 'causal-lm',
    description:
      `A ${results.config.n_layer}-layer GPT-2 (${results.parameters.toLocaleString('en-US')} parameters, ` +
      `${results.config.vocab_size}-token BPE, ${results.config.n_positions}-token context) pretrained here on Moby Dick and the ` +
      `Brown Corpus: validation perplexity ${results.validationPerplexity.toFixed(1)}. Fine-tune it on the State of the Union speeches.`,
    metrics: { validation_perplexity: results.validationPerplexity },
    demo: { dataset: 'sotu', command: 'npm run demo -- lm' },
  };
}

/** The manifest with `entry` added or replaced (entries sorted by id, so the file is stable). */
export function upsertManifest(file: string, entry: ModelManifestEntry): ModelManifest {
  const current: ModelManifest = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as ModelManifest)
    : { version: 1, models: [] };
  const models = current.models.filter((m) => m.id !== entry.id).concat(entry);
  models.sort((a, b) => a.id.localeCompare(b.id));
  return { version: 1, models };
}
