/**
 * "Try it": the base model and each run's adapter on the same prompt,
 * image, or labelled folder. The adapter is attached only around each run's
 * own forward passes (the same way training attaches it), so training can go
 * on meanwhile.
 */
import * as tf from '@tensorflow/tfjs';
import type { Adapter } from '../engine/adapters/types';
import { imageTrainingData } from '../engine/data/training-data';
import type { ImageDataset } from '../engine/data/types';
import { errorMessage } from '../engine/errors';
import { classifyTopK, generateText } from '../engine/generate';
import type { Model } from '../engine/models/model';
import { predictClasses } from '../engine/train/evaluate';
import type { ClassificationOutput, FolderScore, GenerationOutput, GenerationSettings, RgbaImageData } from './protocol';
import type { ModelAssets } from './run-data';

/** The base model (runId null) and each run that has an adapter. */
export interface Candidate {
  runId: string | null;
  adapter: Adapter | null;
}

/** Runs `fn` with the candidate's adapter attached, restoring what was attached before. */
async function withAdapter<T>(model: Model, adapter: Adapter | null, fn: () => Promise<T>): Promise<T> {
  const previous = model.attachedPatch;
  model.attach(adapter ? adapter.patch() : null);
  try {
    return await fn();
  } finally {
    model.attach(previous);
  }
}

/** How a generation streams and stops: `onText` gets a candidate's new text so far after each token. */
export interface GenerationStream {
  onText?: (runId: string | null, text: string, tokens: number) => void;
  signal?: AbortSignal;
}

/**
 * Generates for each candidate in turn (they share one model and backend),
 * streaming each one's text as its tokens come. Once `signal` aborts, the
 * candidate being generated keeps what it had and the rest are left out,
 * each marked `stopped`.
 */
export async function generateForEach(
  assets: ModelAssets,
  prompt: string,
  candidates: Candidate[],
  settings: GenerationSettings,
  stream: GenerationStream = {},
): Promise<GenerationOutput[]> {
  const { model, tokenizer } = assets;
  if (model.config.task !== 'causal-lm') throw new Error('text generation needs a language model; this model classifies images');
  if (!tokenizer) throw new Error('this checkpoint has no tokenizer.json, so it cannot turn text into tokens');
  const outputs: GenerationOutput[] = [];
  for (const candidate of candidates) {
    if (stream.signal?.aborted) {
      outputs.push({ runId: candidate.runId, text: '', error: null, stopped: true });
      continue;
    }
    const tokens: number[] = [];
    try {
      const result = await withAdapter(model, candidate.adapter, () =>
        generateText(model, tokenizer, prompt, {
          maxNewTokens: settings.maxNewTokens,
          temperature: settings.temperature,
          topK: settings.topK,
          seed: settings.seed,
          signal: stream.signal,
          // The text so far, decoded whole: a token may be part of a character that the next one completes.
          onToken: stream.onText && ((token) => {
            tokens.push(token);
            stream.onText!(candidate.runId, tokenizer.decode(tokens, { skipSpecialTokens: true }), tokens.length);
          }),
        }),
      );
      outputs.push({ runId: candidate.runId, text: result.text, error: null, ...(result.stoppedBy === 'aborted' ? { stopped: true } : {}) });
    } catch (error) {
      outputs.push({ runId: candidate.runId, text: '', error: errorMessage(error) });
    }
  }
  return outputs;
}

export async function classifyForEach(assets: ModelAssets, image: RgbaImageData, candidates: Candidate[], k: number): Promise<ClassificationOutput[]> {
  const { model, preprocessor } = assets;
  if (model.config.task !== 'image-classification' || !preprocessor) throw new Error('classification needs an image classifier; this model generates text');
  if (image.width < 1 || image.height < 1 || image.rgba.length !== image.width * image.height * 4) {
    throw new Error(`the image is not ${image.width}×${image.height} RGBA pixels`);
  }
  const values = preprocessor.preprocess({ width: image.width, height: image.height, data: image.rgba });
  const pixelValues = tf.tensor4d(values, [1, preprocessor.channels, preprocessor.height, preprocessor.width]); // (1, C, H, W)
  try {
    const outputs: ClassificationOutput[] = [];
    for (const candidate of candidates) {
      try {
        // An adapter with a new head names its own classes (and may have fewer than k).
        const names = candidate.adapter?.settings.labels;
        const [top] = await withAdapter(model, candidate.adapter, () => classifyTopK(model, pixelValues, k, names));
        outputs.push({ runId: candidate.runId, top, error: null });
      } catch (error) {
        outputs.push({ runId: candidate.runId, top: [], error: errorMessage(error) });
      }
    }
    return outputs;
  } finally {
    pixelValues.dispose();
  }
}

/**
 * The base model and each run on every image of a labelled folder: the
 * folder's label names are matched to each candidate's class names (the
 * checkpoint's, or those of the head an adapter trained), and the top
 * prediction is counted right or wrong. `onScored` after each candidate.
 */
export async function scoreFolderForEach(
  assets: ModelAssets,
  dataset: ImageDataset,
  candidates: Candidate[],
  batchSize: number,
  onScored?: (done: number) => void,
): Promise<FolderScore[]> {
  const { model, preprocessor } = assets;
  if (model.config.task !== 'image-classification' || !preprocessor) throw new Error('scoring a folder needs an image classifier; this model generates text');
  const checkpointLabels = model.config.labels;
  const outputs: FolderScore[] = [];
  for (const [i, candidate] of candidates.entries()) {
    const labels = candidate.adapter?.settings.labels ?? checkpointLabels;
    const known = new Set(labels);
    const examples = dataset.examples.filter((e) => known.has(e.label));
    const excluded = dataset.examples.length - examples.length;
    if (examples.length === 0) {
      const theirs = dataset.labels.slice(0, 8).join(', ') + (dataset.labels.length > 8 ? ', …' : '');
      const ours = labels.slice(0, 8).join(', ') + (labels.length > 8 ? ', …' : '');
      outputs.push({ runId: candidate.runId, accuracy: null, correct: 0, total: 0, excluded, error: `none of the folder's labels (${theirs}) is one of the ${labels.length} classes (${ours})` });
    } else {
      try {
        const data = imageTrainingData(dataset, examples, labels, preprocessor);
        const predicted = await predictClasses(model, candidate.adapter?.patch() ?? null, data, batchSize);
        const truth = data.kind === 'images' ? data.samples.map((s) => s.label) : [];
        const correct = truth.reduce((n, label, j) => n + (predicted[j] === label ? 1 : 0), 0);
        outputs.push({ runId: candidate.runId, accuracy: correct / examples.length, correct, total: examples.length, excluded, error: null });
      } catch (error) {
        outputs.push({ runId: candidate.runId, accuracy: null, correct: 0, total: 0, excluded, error: errorMessage(error) });
      }
    }
    onScored?.(i + 1);
  }
  return outputs;
}
