/**
 * The naive float64 references (tests/engine/models/reference/) reproduce
 * PyTorch's logits and loss on every fixture. This is what entitles them to
 * stand in for PyTorch at the other shapes shapes.test.ts checks.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSafetensors, type SafetensorsFile } from '../../../src/engine/io/safetensors';
import {
  causalLmLoss,
  classificationLoss,
  referenceLogits,
  weightsFromSafetensors,
  type ReferenceInputs,
} from './reference';
import { FIXTURE_CASES, fixtureDir } from '../../helpers/fixtures';

const LOGITS_TOLERANCE = 1e-4;
const LOSS_TOLERANCE = 1e-4;

async function readSafetensors(file: string): Promise<SafetensorsFile> {
  return parseSafetensors(new Uint8Array(await fs.readFile(file)), file);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

describe.each(FIXTURE_CASES)('the naive %s reference', (name) => {
  it('matches the fixture logits and loss computed by PyTorch', async () => {
    const dir = fixtureDir(name);
    const config = JSON.parse(await fs.readFile(path.join(dir, 'config.json'), 'utf8'));
    const weights = weightsFromSafetensors(await readSafetensors(path.join(dir, 'model.safetensors')));
    const inputsFile = await readSafetensors(path.join(dir, 'inputs.safetensors'));
    const expected = (await readSafetensors(path.join(dir, 'expected.safetensors'))).read('logits');
    const expectedLoss = JSON.parse(await fs.readFile(path.join(dir, 'expected.json'), 'utf8')).loss as number;

    let inputs: ReferenceInputs;
    let loss: (logits: ReturnType<typeof referenceLogits>) => number;
    if (config.model_type === 'vit') {
      const pixels = inputsFile.read('pixel_values');
      const [batch, channels, height, width] = pixels.shape;
      inputs = { pixels: pixels.values as Float32Array, batch, channels, height, width };
      const labels = inputsFile.read('labels').values;
      loss = (logits) => classificationLoss(logits, labels);
    } else {
      const ids = inputsFile.read('input_ids');
      const tokens = { ids: ids.values as Int32Array, batch: ids.shape[0], seqLength: ids.shape[1] };
      inputs = tokens;
      loss = (logits) => causalLmLoss(logits, tokens);
    }

    const logits = referenceLogits(config, weights, inputs);
    expect(logits.shape).toEqual(expected.shape);
    expect(maxAbsDiff(logits.values, expected.values)).toBeLessThanOrEqual(LOGITS_TOLERANCE);
    expect(Math.abs(loss(logits) - expectedLoss)).toBeLessThanOrEqual(LOSS_TOLERANCE);
  });
});
