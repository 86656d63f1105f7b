/**
 * Shared pieces of the adapter tests: the models they run on (every fixture
 * case and random checkpoints at other shapes), their inputs and loss, and
 * small measuring tools (logits under a patch, max |diff|, AdamW steps).
 */
import * as tf from '@tensorflow/tfjs';
import { loadAdapter } from '../../../src/engine/adapters/registry';
import type { Adapter } from '../../../src/engine/adapters/types';
import { DirectorySource } from '../../../src/engine/io/node-source';
import { parseSafetensors } from '../../../src/engine/io/safetensors';
import { loadModel } from '../../../src/engine/models/load';
import type { Model, ModelPatch } from '../../../src/engine/models/model';
import type { ModelInputs } from '../../../src/engine/models/types';
import { AdamW } from '../../../src/engine/train/adamw';
import { causalLmLoss, crossEntropy } from '../../../src/engine/train/losses';
import { fixtureDir, type FixtureCase } from '../../helpers/fixtures';
import {
  checkpointSource,
  randomCheckpoint,
  randomInputs,
  toModelInputs,
  type CheckpointKnobs,
} from '../../helpers/random-checkpoint';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** A model with inputs and labels to compute a loss on. */
export interface TestModel {
  name: string;
  model: Model;
  inputs: ModelInputs;
  /** Classifier labels (B,); null for language models (labels = input ids). */
  labels: tf.Tensor1D | null;
  dispose(): void;
}

/** Random checkpoints at shapes the fixtures do not have (deeper, wider, untied, biased, other labels). */
export const RANDOM_SHAPES: { name: string; knobs: CheckpointKnobs }[] = [
  { name: 'gpt2 3 layers, d=24, untied head', knobs: { family: 'gpt2', layers: 3, hidden: 24, heads: 3, vocab: 30, tied: false } },
  { name: 'llama 3 layers, GQA 2:1, with biases', knobs: { family: 'llama', layers: 3, hidden: 24, heads: 4, kvHeads: 2, attentionBias: true, mlpBias: true, vocab: 28 } },
  { name: 'vit 3 layers, d=20, 4 labels, no qkv bias', knobs: { family: 'vit', layers: 3, hidden: 20, heads: 2, labels: 4, qkvBias: false, imageSize: 8, patchSize: 4 } },
];

export async function fixtureModel(name: FixtureCase): Promise<TestModel> {
  const dir = fixtureDir(name);
  const model = await loadModel(new DirectorySource(dir));
  const file = parseSafetensors(new Uint8Array(await fs.readFile(path.join(dir, 'inputs.safetensors'))), 'inputs.safetensors');
  const tensor = (key: string) => {
    const t = file.read(key);
    return tf.tensor(t.values, t.shape, t.dtype);
  };
  const inputs: ModelInputs =
    model.task === 'causal-lm' ? { inputIds: tensor('input_ids') as tf.Tensor2D } : { pixelValues: tensor('pixel_values') as tf.Tensor4D };
  const labels = model.task === 'causal-lm' ? null : (tensor('labels') as tf.Tensor1D);
  return withDispose(name, model, inputs, labels);
}

export async function randomModel(name: string, knobs: CheckpointKnobs, seed = 3): Promise<TestModel> {
  const checkpoint = randomCheckpoint(knobs, { seed });
  const model = await loadModel(checkpointSource(checkpoint));
  const inputs = toModelInputs(randomInputs(checkpoint, { batch: 3, seqLength: 6, seed: seed + 1 }));
  let labels: tf.Tensor1D | null = null;
  if (model.config.task === 'image-classification') {
    const count = model.config.numLabels;
    labels = tf.tensor1d([0, 1, 2].map((i) => i % count), 'int32');
  }
  return withDispose(name, model, inputs, labels);
}

function withDispose(name: string, model: Model, inputs: ModelInputs, labels: tf.Tensor1D | null): TestModel {
  const testModel: TestModel = {
    name,
    model,
    inputs,
    labels,
    dispose() {
      model.dispose();
      for (const t of Object.values(testModel.inputs)) (t as tf.Tensor).dispose();
      testModel.labels?.dispose();
    },
  };
  return testModel;
}

/** The fixtures' loss: causal LM on the inputs, or cross-entropy against the labels. */
export function lossOf(t: TestModel, logits: tf.Tensor): tf.Scalar {
  return 'inputIds' in t.inputs ? causalLmLoss(logits as tf.Tensor3D, t.inputs.inputIds) : crossEntropy(logits as tf.Tensor2D, t.labels!);
}

/** Logits with `patch` attached (null: the base model), as plain numbers. */
export function logitsWith(t: TestModel, patch: ModelPatch | null, inputs: ModelInputs = t.inputs): Float32Array {
  const logits = t.model.withPatch(patch, () => t.model.forward(inputs));
  const values = logits.dataSync() as Float32Array;
  logits.dispose();
  return values;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= max)) max = Number.isNaN(d) ? Infinity : d;
  }
  return max;
}

export function maxAbs(values: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) max = Math.max(max, Math.abs(values[i]));
  return max;
}

/** Loss and gradients of every trainable tensor, by key (the caller disposes the gradients). */
export function gradientsOf(t: TestModel, adapter: Adapter): { loss: number; grads: Map<string, tf.Tensor> } {
  const variables = [...adapter.trainable.values()];
  const { value, grads } = t.model.withPatch(adapter.patch(), () =>
    tf.variableGrads(() => lossOf(t, t.model.forward(t.inputs)), variables),
  );
  const loss = value.dataSync()[0];
  value.dispose();
  const byKey = new Map<string, tf.Tensor>();
  for (const [key, variable] of adapter.trainable) byKey.set(key, grads[variable.name]);
  return { loss, grads: byKey };
}

/** `steps` AdamW steps on the test inputs; returns the loss before each step. */
export function train(t: TestModel, adapter: Adapter, steps: number, learningRate = 1e-2, optimizer?: AdamW): number[] {
  const own = optimizer ?? new AdamW(adapter.trainable, { learningRate });
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const { loss, grads } = gradientsOf(t, adapter);
    losses.push(loss);
    own.applyGradients(grads);
    for (const g of grads.values()) g.dispose();
  }
  if (!optimizer) own.dispose();
  return losses;
}

/** Save, then load back onto the same model (a new adapter the caller disposes). */
export async function roundTrip(t: TestModel, adapter: Adapter): Promise<Adapter> {
  return loadAdapter(t.model, await adapter.save(), `saved-${adapter.method}`);
}
