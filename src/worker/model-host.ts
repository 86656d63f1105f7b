/**
 * Loads the model a command names (bundled, Hub or dropped files) and
 * describes it for the model panel.
 */
import { bundledModelSource, hubSource, type FetchFunction } from '../engine/io/url-source';
import { BrowserFilesSource, type FileSource, type ProgressCallback } from '../engine/io/source';
import { loadModel, type TensorProgress } from '../engine/models/load';
import type { Model } from '../engine/models/model';
import type { DroppedFile, ModelSourceSpec, ModelSummary } from './protocol';

export interface ModelHostOptions {
  /** Base URL of the app, where `models/<name>/` is served. */
  baseUrl: string;
  fetch?: FetchFunction;
}

/** The FileSource a model source spec names. */
export function fileSourceFor(spec: ModelSourceSpec, options: ModelHostOptions): FileSource {
  switch (spec.kind) {
    case 'bundled':
      return bundledModelSource(spec.name, { base: options.baseUrl, fetch: options.fetch });
    case 'hub':
      return hubSource(spec.repoId, { revision: spec.revision, fetch: options.fetch });
    case 'files':
      return new BrowserFilesSource(spec.files.map(withRelativePath), spec.label);
  }
}

/**
 * The File with its dropped path as `webkitRelativePath`, which
 * BrowserFilesSource reads (the original does not survive postMessage).
 */
export function withRelativePath({ path, file }: DroppedFile): File {
  Object.defineProperty(file, 'webkitRelativePath', { value: path, configurable: true });
  return file;
}

export interface LoadedModel {
  model: Model;
  source: FileSource;
  spec: ModelSourceSpec;
}

export async function loadModelFromSpec(
  spec: ModelSourceSpec,
  options: ModelHostOptions,
  onProgress: ProgressCallback,
  /** Sees every read the loader makes (the runtime hashes the model's files on the way through). */
  wrapSource: (source: FileSource) => FileSource = (source) => source,
  onTensor?: (progress: TensorProgress) => void,
): Promise<LoadedModel> {
  const source = wrapSource(fileSourceFor(spec, options));
  const model = await loadModel(source, { onProgress, onTensor });
  return { model, source, spec };
}

/** What the model panel shows. */
export function summariseModel(loaded: LoadedModel, extras: { hasTokenizer: boolean; notes: string[] }): ModelSummary {
  const { model, source, spec } = loaded;
  const config = model.config;
  const parameterCount = model.parameterCount();
  const notes = [...extras.notes];
  if (model.initialisedParameters.length > 0) {
    notes.push(`Not in the checkpoint, initialised at random: ${model.initialisedParameters.join(', ')}.`);
  }
  return {
    label: source.label,
    sourceKind: spec.kind,
    family: model.family.displayName,
    modelType: config.modelType,
    task: config.task,
    numLayers: config.numLayers,
    hiddenSize: config.hiddenSize,
    numHeads: config.numHeads,
    parameterCount,
    memoryBytes: parameterCount * 4,
    vocabSize: config.task === 'causal-lm' ? config.vocabSize : null,
    maxPositions: config.task === 'causal-lm' ? config.maxPositions : null,
    imageSize: config.task === 'image-classification' ? config.imageSize : null,
    labels: config.task === 'image-classification' ? config.labels : null,
    hasTokenizer: extras.hasTokenizer,
    defaultTargets: model.family.defaultTargets,
    linearModules: model.linearModules().map((m) => ({ path: m.path, dIn: m.dIn, dOut: m.dOut, layer: m.layer })),
    notes,
  };
}
