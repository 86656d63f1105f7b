/**
 * Adapter parity checks against a reference case: for each adapter folder
 * in it (every subfolder holding an adapter_config.json, in name order; the
 * registry picks the method by the config's peft_type), the adapted model's logits
 * and loss, the gradient of every trainable tensor, the losses over AdamW
 * steps, and the trainable-parameter count. One result line per check, with
 * `method` set to the folder's name.
 */
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadAdapterFrom } from '../../src/engine/adapters/registry';
import type { Adapter } from '../../src/engine/adapters/types';
import { DirectorySource } from '../../src/engine/io/node-source';
import type { SafetensorsFile } from '../../src/engine/io/safetensors';
import { AdamW } from '../../src/engine/train/adamw';
import {
  caseLoss,
  gradTolerance,
  LOGITS_TOLERANCE,
  LOSS_TOLERANCE,
  maxAbs,
  maxAbsDiff,
  readJsonFile,
  readSafetensorsFile,
  result,
  type CheckResult,
  type ParityCase,
} from './parity-checks';

/** The case's adapter folders: its subfolders with an adapter_config.json, in name order. */
export function adapterFolders(caseDir: string): string[] {
  return readdirSync(caseDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(caseDir, entry.name, 'adapter_config.json')))
    .map((entry) => entry.name)
    .sort();
}

interface AdapterExpectations {
  loss: number;
  losses_adamw: number[];
  adamw: { lr: number; betas: [number, number]; eps: number; weight_decay: number };
  steps: number;
  trainable_parameters: number;
}

export interface AdapterCheckOptions {
  /** Only these folders (default: all present). */
  folders?: readonly string[];
  /** Run the AdamW steps (default true; slow on a software WebGPU). */
  adamw?: boolean;
}

export async function adapterChecks(c: ParityCase, options: AdapterCheckOptions = {}): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const folder of options.folders ?? adapterFolders(c.dir)) {
    const dir = path.join(c.dir, folder);
    if (!existsSync(path.join(dir, 'adapter_config.json'))) continue;
    results.push(...(await folderChecks(c, folder, dir, options.adamw ?? true)));
  }
  return results;
}

async function folderChecks(c: ParityCase, folder: string, dir: string, adamw: boolean): Promise<CheckResult[]> {
  const expected = await readSafetensorsFile(path.join(dir, 'expected.safetensors'));
  const expectedJson = await readJsonFile<AdapterExpectations>(path.join(dir, 'expected.json'));
  const reference = await readSafetensorsFile(path.join(dir, 'adapter_model.safetensors'));
  const line = (check: string, diff: number, tolerance: number) => result(c.name, folder, check, diff, tolerance);

  const adapter = await loadAdapterFrom(c.model, new DirectorySource(dir));
  const results: CheckResult[] = [];
  try {
    results.push(...(await outputChecks(c, adapter, expected, expectedJson, line)));
    results.push(...(await gradientChecks(c, adapter, expected, line)));
    results.push(line('trainable_parameters', Math.abs(countInFixtureConvention(adapter, reference) - expectedJson.trainable_parameters), 0));
  } finally {
    adapter.dispose();
  }
  if (!adamw) return results;
  // The AdamW run changes the adapter's variables: it gets a fresh copy.
  const trained = await loadAdapterFrom(c.model, new DirectorySource(dir));
  try {
    const losses = await adamwLosses(c, trained, expectedJson);
    results.push(line('adamw_losses', maxAbsDiff(losses, expectedJson.losses_adamw), LOSS_TOLERANCE));
  } finally {
    trained.dispose();
  }
  return results;
}

type Line = (check: string, diff: number, tolerance: number) => CheckResult;

async function outputChecks(
  c: ParityCase,
  adapter: Adapter,
  expected: SafetensorsFile,
  expectedJson: AdapterExpectations,
  line: Line,
): Promise<CheckResult[]> {
  const logits = c.model.withPatch(adapter.patch(), () => c.model.forward(c.inputs));
  const loss = caseLoss(c, logits);
  const results = [
    line('logits', maxAbsDiff(await logits.data(), expected.read('logits').values), LOGITS_TOLERANCE),
    line('loss', Math.abs((await loss.data())[0] - expectedJson.loss), LOSS_TOLERANCE),
  ];
  logits.dispose();
  loss.dispose();
  return results;
}

/** One line per trainable tensor, and one per expected gradient the adapter lacks (those fail). */
async function gradientChecks(c: ParityCase, adapter: Adapter, expected: SafetensorsFile, line: Line): Promise<CheckResult[]> {
  const { grads } = await lossAndGradients(c, adapter);
  const results: CheckResult[] = [];
  try {
    for (const [key, grad] of grads) {
      const name = `grad.${key}`;
      if (!expected.entries.has(name)) {
        results.push(line(`grad:${key}`, Infinity, 0)); // trained here, not in the reference
        continue;
      }
      const reference = expected.read(name).values;
      results.push(line(`grad:${key}`, maxAbsDiff(await grad.data(), reference), gradTolerance(maxAbs(reference))));
    }
    for (const name of expected.entries.keys()) {
      const key = name.slice('grad.'.length);
      if (name.startsWith('grad.') && !grads.has(key)) results.push(line(`grad:${key}`, Infinity, 0));
    }
  } finally {
    for (const g of grads.values()) g.dispose();
  }
  return results;
}

/** The loss and d(loss)/d(tensor) for every trainable tensor, by its key (the caller disposes the gradients). */
export async function lossAndGradients(c: ParityCase, adapter: Adapter): Promise<{ loss: number; grads: Map<string, tf.Tensor> }> {
  const variables = [...adapter.trainable.values()];
  const { value, grads } = c.model.withPatch(adapter.patch(), () =>
    tf.variableGrads(() => caseLoss(c, c.model.forward(c.inputs)), variables),
  );
  const loss = (await value.data())[0];
  value.dispose();
  const byKey = new Map<string, tf.Tensor>();
  for (const [key, variable] of adapter.trainable) byKey.set(key, grads[variable.name]);
  return { loss, grads: byKey };
}

/** The loss before each AdamW step, then after the last, as the fixtures record them. */
async function adamwLosses(c: ParityCase, adapter: Adapter, expected: AdapterExpectations): Promise<number[]> {
  const { lr, betas, eps, weight_decay } = expected.adamw;
  const optimizer = new AdamW(adapter.trainable, {
    learningRate: lr, beta1: betas[0], beta2: betas[1], epsilon: eps, weightDecay: weight_decay,
  });
  const losses: number[] = [];
  try {
    for (let step = 0; step < expected.steps; step++) {
      const { loss, grads } = await lossAndGradients(c, adapter);
      losses.push(loss);
      optimizer.applyGradients(grads);
      for (const g of grads.values()) g.dispose();
    }
    const last = c.model.withPatch(adapter.patch(), () => tf.tidy(() => caseLoss(c, c.model.forward(c.inputs))));
    losses.push((await last.data())[0]);
    last.dispose();
  } finally {
    optimizer.dispose();
  }
  return losses;
}

/**
 * The trainable count as the fixture counts it: the elements its
 * adapter_model.safetensors holds. Our adapters always train and save a
 * classifier head (modules_to_save), and so does the vit/lora fixture
 * (1189), but the vit/wegeft fixture trains the classifier without storing
 * it (768 = 3 groups × 2 × 4 × 32). So the head counts here only when the
 * fixture's file holds it; the full count, head included, is
 * adapter.trainableParameterCount(), which the tests check separately.
 */
export function countInFixtureConvention(adapter: Adapter, fixtureFile: SafetensorsFile): number {
  let count = 0;
  for (const [key, variable] of adapter.trainable) {
    if (adapter.headKeys.includes(key) && !fixtureFile.entries.has(key)) continue;
    count += variable.size;
  }
  return count;
}
