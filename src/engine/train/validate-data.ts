/**
 * Checks that prepared data fits the model before any tensor is made. A GPU
 * gather with an out-of-range token id, or a one-hot of a label past the last
 * class, gives silent garbage rather than an error, so these are caught here.
 */
import type { Adapter } from '../adapters/types';
import type { Model } from '../models/model';
import type { TrainingData } from './batches';

/** Throws an Error saying what does not fit; `role` ('training', 'validation') names the set. */
export function checkTrainingData(model: Model, adapter: Adapter, data: TrainingData, role: string): void {
  const config = model.config;
  if (data.kind === 'tokens') {
    if (config.task !== 'causal-lm') {
      throw new Error(`the ${role} data is text, but this ${model.family.displayName} model classifies images`);
    }
    checkSequences(data.sequences, config.vocabSize, config.maxPositions, role);
    return;
  }
  if (config.task !== 'image-classification') {
    throw new Error(`the ${role} data is images, but this ${model.family.displayName} model is a language model`);
  }
  const expected = [config.numChannels, config.imageSize, config.imageSize];
  if (data.imageShape.join(',') !== expected.join(',')) {
    throw new Error(`the ${role} images are preprocessed to [${data.imageShape}], the model takes [${expected}] (C, H, W)`);
  }
  const numClasses = adapter.settings.labels?.length ?? config.numLabels;
  if (role === 'training' && data.samples.length === 0) throw new Error('the training set is empty');
  data.samples.forEach((sample, i) => {
    if (!(Number.isInteger(sample.label) && sample.label >= 0 && sample.label < numClasses)) {
      throw new Error(`${role} image ${i} has label index ${sample.label}, but the head has ${numClasses} classes`);
    }
  });
}

function checkSequences(
  sequences: readonly { ids: Int32Array; lossMask: Uint8Array | null }[],
  vocabSize: number,
  maxPositions: number,
  role: string,
): void {
  if (role === 'training' && sequences.length === 0) throw new Error('the training set is empty');
  let targets = 0;
  sequences.forEach((sequence, i) => {
    const { ids, lossMask } = sequence;
    if (ids.length > maxPositions) {
      throw new Error(`${role} sequence ${i} has ${ids.length} tokens; the model takes at most ${maxPositions}`);
    }
    for (let t = 0; t < ids.length; t++) {
      if (!(ids[t] >= 0 && ids[t] < vocabSize)) {
        throw new Error(
          `${role} sequence ${i} has token id ${ids[t]} at position ${t}, outside the model's vocabulary of ${vocabSize}: ` +
            'was the data tokenised with another tokenizer?',
        );
      }
      if (t > 0 && (!lossMask || lossMask[t])) targets++;
    }
    if (lossMask && lossMask.length !== ids.length) {
      throw new Error(`${role} sequence ${i} has ${ids.length} tokens but a loss mask of ${lossMask.length}`);
    }
  });
  if (role === 'training' && targets === 0) {
    throw new Error('the training set has no tokens to predict: every sequence is one token long or fully masked');
  }
}
