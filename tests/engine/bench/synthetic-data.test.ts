/**
 * Benchmark data has the model's shapes: token ids inside the vocabulary at
 * the requested length, or preprocessed images of the model's size with
 * labels it has; the same seed gives the same data; a length the model cannot
 * take is refused.
 */
import { describe, expect, it } from 'vitest';
import { syntheticTrainingData } from '../../../src/engine/bench/synthetic-data';
import { BENCH_PRESETS } from '../../../src/engine/bench/presets';
import { gpt2 } from '../../../src/engine/models/gpt2';
import { Model } from '../../../src/engine/models/model';
import { vit } from '../../../src/engine/models/vit';

// Models without weights: the data only reads their configs.
const preset = (name: string) => BENCH_PRESETS.find((p) => p.name === name)!.config;
const lm = new Model(gpt2, gpt2.normaliseConfig(preset('gpt2-tiny'), 'config.json'), new Map());
const classifier = new Model(vit, vit.normaliseConfig(preset('vit-tiny'), 'config.json'), new Map());

describe('syntheticTrainingData', () => {
  it('makes four batches of token sequences inside the vocabulary', () => {
    const data = syntheticTrainingData(lm, { batchSize: 3, seqLength: 10, seed: 1 });
    if (data.kind !== 'tokens') throw new Error('expected tokens');
    expect(data.sequences).toHaveLength(12);
    for (const s of data.sequences) {
      expect(s.ids).toHaveLength(10);
      expect(s.lossMask).toBeNull();
      expect(s.ids.every((id) => id >= 0 && id < 2048)).toBe(true);
    }
    const again = syntheticTrainingData(lm, { batchSize: 3, seqLength: 10, seed: 1 });
    expect(again.kind === 'tokens' && again.sequences[5].ids).toEqual(data.sequences[5].ids);
  });

  it('refuses sequences longer than the model takes', () => {
    expect(() => syntheticTrainingData(lm, { batchSize: 1, seqLength: 65, seed: 1 })).toThrow('--seq 65 exceeds this model');
  });

  it('makes images of the model size with labels it has', () => {
    const data = syntheticTrainingData(classifier, { batchSize: 2, seqLength: null, seed: 1 });
    if (data.kind !== 'images') throw new Error('expected images');
    expect(data.imageShape).toEqual([3, 32, 32]);
    expect(data.samples).toHaveLength(8);
    for (const sample of data.samples) {
      expect(sample.label).toBeGreaterThanOrEqual(0);
      expect(sample.label).toBeLessThan(10);
      const pixels = data.preprocess(sample.image);
      expect(pixels).toHaveLength(3 * 32 * 32);
      expect(pixels.every((v) => v >= -1 && v <= 1)).toBe(true);
    }
    expect(() => data.preprocess({ width: 32, height: 32, data: new Uint8Array(0) })).toThrow('not one of the synthetic samples');
  });
});
