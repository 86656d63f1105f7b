/**
 * pretrain_results.json: every number a model card states, written by the
 * run that produced the model. The card (README.md) is rendered from it, and
 * the tests check the committed model against it.
 */
import * as os from 'node:os';
import type { Evaluation } from '../../../src/engine/train/evaluate';
import type { LmPretrainResult } from './lm';
import { LM_VALIDATION_FRACTION, SAMPLE_GENERATION } from './lm';
import type { Recipe } from './recipes';
import type { VitPretrainResult } from './vit';
import { VIT_TEST_SAMPLE_SIZE } from './vit';

export const RESULTS_FILE = 'pretrain_results.json';

interface CommonResults {
  modelId: string;
  command: string;
  backend: string;
  /** Whole command, data loading and evaluation included, s. */
  wallSeconds: number;
  /** The training steps alone (with the periodic evaluations), s. */
  trainSeconds: number;
  parameters: number;
  config: Record<string, unknown>;
  settings: Recipe['settings'];
  /** Training images shifted at random by up to this many pixels per axis (0: no augmentation). */
  maxShift?: number;
  steps: number;
  /** The loss read back every few steps: [step, loss]. */
  losses: Array<[number, number]>;
  progress: Array<{ step: number; evaluation: Evaluation }>;
  /** Node and the machine, for the wall times. */
  machine: string;
}

export interface VitResults extends CommonResults {
  kind: 'vit';
  trainImages: number;
  testImages: number;
  testAccuracy: number;
  testLoss: number;
  /** Accuracy on the committed sample of the first N test images. */
  sample: { images: number; accuracy: number };
}

export interface LmResults extends CommonResults {
  kind: 'lm';
  trainDocuments: number;
  validationDocuments: number;
  validationFraction: number;
  trainTokens: number;
  validationTokens: number;
  validationLoss: number;
  validationPerplexity: number;
  /** Perplexity on the committed held-out text (tests/scripts/data/<file>). */
  sample: { file: string; source: string; perplexity: number };
  generation: typeof SAMPLE_GENERATION;
  generations: Array<{ prompt: string; text: string }>;
}

export type PretrainResults = VitResults | LmResults;

interface RunInfo {
  command: string;
  backend: string;
}

function common(recipe: Recipe, run: VitPretrainResult['run'], info: RunInfo, parameters: number): CommonResults {
  return {
    modelId: recipe.modelId,
    command: info.command,
    backend: info.backend,
    wallSeconds: 0,
    trainSeconds: Math.round(run.trainMs / 1000),
    parameters,
    config: recipe.config,
    settings: recipe.settings,
    maxShift: recipe.maxShift ?? 0,
    steps: run.steps,
    losses: run.losses.map((p) => [p.step, round(p.loss)]),
    progress: run.progress,
    machine: machineDescription(),
  };
}

export function vitResults(recipe: Recipe, result: VitPretrainResult, info: RunInfo): VitResults {
  const e = result.run.finalEval;
  if (e.task !== 'image-classification') throw new Error('a ViT run must end with a classifier evaluation');
  return {
    kind: 'vit',
    ...common(recipe, result.run, info, parameterCount(result.files)),
    trainImages: result.trainImages,
    testImages: result.testImages,
    testAccuracy: e.accuracy,
    testLoss: round(e.loss),
    sample: { images: VIT_TEST_SAMPLE_SIZE, accuracy: result.sampleAccuracy },
  };
}

export function lmResults(recipe: Recipe, result: LmPretrainResult, info: RunInfo & { sampleFile: string }): LmResults {
  const e = result.run.finalEval;
  if (e.task !== 'causal-lm') throw new Error('a language-model run must end with a language-model evaluation');
  return {
    kind: 'lm',
    ...common(recipe, result.run, info, parameterCount(result.files)),
    trainDocuments: result.trainDocuments.length,
    validationDocuments: result.validationDocuments.length,
    validationFraction: LM_VALIDATION_FRACTION,
    trainTokens: result.trainTokens,
    validationTokens: e.targets,
    validationLoss: round(e.loss),
    validationPerplexity: round(e.perplexity),
    sample: { file: info.sampleFile, source: result.heldOutSample.source, perplexity: round(result.heldOutSample.perplexity) },
    generation: SAMPLE_GENERATION,
    generations: result.generations,
  };
}

/** Elements in model.safetensors, from its header. */
function parameterCount(files: Map<string, Uint8Array>): number {
  const bytes = files.get('model.safetensors');
  if (!bytes) throw new Error('no model.safetensors was exported');
  const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Record<string, { shape?: number[] }>;
  let count = 0;
  for (const [key, entry] of Object.entries(header)) {
    if (key !== '__metadata__') count += (entry.shape ?? []).reduce((a, b) => a * b, 1);
  }
  return count;
}

function machineDescription(): string {
  const cpus = os.cpus();
  return `Node ${process.version}, ${cpus.length} × ${cpus[0]?.model?.trim() ?? 'unknown CPU'}`;
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
