/**
 * Parity checks against a reference case laid out like tests/fixtures/reference/<case> (a copy of ../shared/fixtures):
 * the base model's logits, loss and parameter count. Each check yields one
 * result line; adapter checks (parity-adapters.ts) add theirs in the same shape.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DirectorySource } from '../../src/engine/io/node-source';
import { parseSafetensors, type SafetensorsFile } from '../../src/engine/io/safetensors';
import { loadModel } from '../../src/engine/models/load';
import type { Model } from '../../src/engine/models/model';
import type { ModelInputs } from '../../src/engine/models/types';
import { causalLmLoss, crossEntropy } from '../../src/engine/train/losses';

export interface CheckResult {
  case: string;
  method: string;
  check: string;
  max_abs_diff: number;
  tolerance: number;
  ok: boolean;
}

/** The tolerances of tests/fixtures/reference/README.md (CPU backend). */
export const LOGITS_TOLERANCE = 1e-4;
export const LOSS_TOLERANCE = 1e-4;
export const gradTolerance = (maxAbsExpected: number) => 1e-4 + 1e-3 * maxAbsExpected;

export function maxAbsDiff(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let max = 0;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= max)) max = Number.isNaN(d) ? Infinity : d; // NaN must fail, not vanish
  }
  return max;
}

export function maxAbs(values: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) max = Math.max(max, Math.abs(values[i]));
  return max;
}

export function result(caseName: string, method: string, check: string, diff: number, tolerance: number): CheckResult {
  return { case: caseName, method, check, max_abs_diff: diff, tolerance, ok: diff <= tolerance };
}

export async function readSafetensorsFile(file: string): Promise<SafetensorsFile> {
  return parseSafetensors(new Uint8Array(await fs.readFile(file)), file);
}

export async function readJsonFile<T>(file: string): Promise<T> {
  return JSON.parse(await fs.readFile(file, 'utf8')) as T;
}

/** A case's model, inputs and labels, loaded once and shared by every check. */
export interface ParityCase {
  name: string;
  dir: string;
  model: Model;
  inputs: ModelInputs;
  /** ViT labels; null for language models (labels = input_ids). */
  labels: tf.Tensor1D | null;
}

export async function loadCase(dir: string): Promise<ParityCase> {
  const model = await loadModel(new DirectorySource(dir));
  const inputsFile = await readSafetensorsFile(path.join(dir, 'inputs.safetensors'));
  const tensor = (name: string) => {
    const t = inputsFile.read(name);
    return tf.tensor(t.values, t.shape, t.dtype);
  };
  const inputs: ModelInputs =
    model.task === 'causal-lm'
      ? { inputIds: tensor('input_ids') as tf.Tensor2D }
      : { pixelValues: tensor('pixel_values') as tf.Tensor4D };
  const labels = model.task === 'causal-lm' ? null : (tensor('labels') as tf.Tensor1D);
  return { name: path.basename(path.resolve(dir)), dir, model, inputs, labels };
}

/** The loss the fixtures define: causal LM with labels = input_ids, or classification. */
export function caseLoss(c: ParityCase, logits: tf.Tensor): tf.Scalar {
  return 'inputIds' in c.inputs
    ? causalLmLoss(logits as tf.Tensor3D, c.inputs.inputIds)
    : crossEntropy(logits as tf.Tensor2D, c.labels!);
}

export async function baseChecks(c: ParityCase): Promise<CheckResult[]> {
  const expected = await readSafetensorsFile(path.join(c.dir, 'expected.safetensors'));
  const expectedJson = await readJsonFile<{ loss: number; parameters: number }>(path.join(c.dir, 'expected.json'));
  const logits = c.model.forward(c.inputs);
  const loss = caseLoss(c, logits);
  const results = [
    result(c.name, 'base', 'logits', maxAbsDiff(await logits.data(), expected.read('logits').values), LOGITS_TOLERANCE),
    result(c.name, 'base', 'loss', Math.abs((await loss.data())[0] - expectedJson.loss), LOSS_TOLERANCE),
    result(c.name, 'base', 'parameters', Math.abs(c.model.parameterCount() - expectedJson.parameters), 0),
  ];
  logits.dispose();
  loss.dispose();
  return results;
}
