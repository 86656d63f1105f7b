/**
 * loadModel on broken checkpoints: every problem is an InputFileError whose
 * message names the file (and the tensor, where there is one) and says what
 * is wrong. The bad checkpoints are built in memory from the gpt2 fixture.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputFileError } from '../../../src/engine/errors';
import { parseSafetensors, writeSafetensors, type TensorToWrite } from '../../../src/engine/io/safetensors';
import { MemorySource } from '../../../src/engine/io/source';
import { loadModel } from '../../../src/engine/models/load';
import { useBackend } from '../../helpers/backend';
import { fixtureDir } from '../../helpers/fixtures';

const LABEL = 'broken-gpt2';
const CONFIG = `${LABEL}/config.json`;
const WEIGHTS = `${LABEL}/model.safetensors`;

const fixtureFile = (name: string) => new Uint8Array(readFileSync(path.join(fixtureDir('gpt2'), name)));
const fixtureConfig = () => JSON.parse(new TextDecoder().decode(fixtureFile('config.json'))) as Record<string, unknown>;

/** The fixture's tensors, as plain arrays to edit. */
function fixtureTensors(): TensorToWrite[] {
  const file = parseSafetensors(fixtureFile('model.safetensors'), 'model.safetensors');
  return [...file.entries.keys()].map((name) => ({ name, ...file.read(name) }));
}

function source(files: Record<string, Uint8Array | string | object>): MemorySource {
  const encoded = new Map<string, Uint8Array>();
  for (const [name, content] of Object.entries(files)) {
    if (content instanceof Uint8Array) encoded.set(name, content);
    else encoded.set(name, new TextEncoder().encode(typeof content === 'string' ? content : JSON.stringify(content)));
  }
  return new MemorySource(LABEL, encoded);
}

/** A checkpoint with the fixture's config and the given tensors. */
function withTensors(tensors: TensorToWrite[]): MemorySource {
  return source({ 'config.json': fixtureConfig(), 'model.safetensors': writeSafetensors(tensors) });
}

async function loadError(src: MemorySource): Promise<InputFileError> {
  const before = tf.memory().numTensors;
  const error = await loadModel(src).then(
    (model) => {
      model.dispose();
      return new Error('loadModel succeeded on a broken checkpoint');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputFileError);
  // A failed load leaves no tensors behind.
  expect(tf.memory().numTensors).toBe(before);
  return error as InputFileError;
}

beforeAll(async () => {
  await useBackend('cpu');
});

describe('loadModel on a sound checkpoint', () => {
  it('loads the fixture from memory (the baseline every broken case departs from)', async () => {
    const model = await loadModel(withTensors(fixtureTensors()));
    expect(model.config.modelType).toBe('gpt2');
    model.dispose();
  });
});

describe('loadModel on a bad config', () => {
  it('a folder without config.json', async () => {
    const error = await loadError(source({ 'model.safetensors': fixtureFile('model.safetensors') }));
    expect(error.message).toMatch(new RegExp(`^${CONFIG}: not found: .*needs config.json`));
  });

  it('a config with no model_type', async () => {
    const { model_type: _, ...config } = fixtureConfig();
    const error = await loadError(source({ 'config.json': config, 'model.safetensors': fixtureFile('model.safetensors') }));
    expect(error.message).toBe(`${CONFIG}: has no "model_type" (supported: gpt2, gpt_neo, llama, vit)`);
  });

  it('a config with an unknown model_type', async () => {
    const config = { ...fixtureConfig(), model_type: 'bert' };
    const error = await loadError(source({ 'config.json': config, 'model.safetensors': fixtureFile('model.safetensors') }));
    expect(error.message).toMatch(new RegExp(`^${CONFIG}: unsupported model_type "bert" \\(supported: .*gpt2`));
  });

  it('a config that is not JSON', async () => {
    const error = await loadError(source({ 'config.json': '{"model_type": "gpt2",', 'model.safetensors': fixtureFile('model.safetensors') }));
    expect(error.message).toMatch(new RegExp(`^${CONFIG}: is not valid JSON`));
  });

  it('a config that is JSON but not an object', async () => {
    const error = await loadError(source({ 'config.json': '[1, 2]', 'model.safetensors': fixtureFile('model.safetensors') }));
    expect(error.message).toBe(`${CONFIG}: must be a JSON object`);
  });

  it('a config that is not text at all', async () => {
    const error = await loadError(source({ 'config.json': new Uint8Array([0xff, 0xfe, 0x00, 0x81]) }));
    expect(error.message).toBe(`${CONFIG}: is not UTF-8 text`);
  });
});

describe('loadModel on bad weights', () => {
  it('no weights file at all', async () => {
    const error = await loadError(source({ 'config.json': fixtureConfig() }));
    expect(error.message).toMatch(new RegExp(`^${WEIGHTS}: not found`));
  });

  it('a PNG image saved as model.safetensors', async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1]);
    const error = await loadError(source({ 'config.json': fixtureConfig(), 'model.safetensors': png }));
    expect(error.message).toMatch(new RegExp(`^${WEIGHTS}: not a safetensors file`));
  });

  it('a text file saved as model.safetensors', async () => {
    const error = await loadError(source({ 'config.json': fixtureConfig(), 'model.safetensors': 'version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 12345\n' }));
    expect(error.message).toMatch(new RegExp(`^${WEIGHTS}: not a safetensors file`));
  });

  it('a truncated model.safetensors', async () => {
    const bytes = fixtureFile('model.safetensors');
    const error = await loadError(source({ 'config.json': fixtureConfig(), 'model.safetensors': bytes.subarray(0, bytes.byteLength - 100) }));
    expect(error.message).toMatch(new RegExp(`^${WEIGHTS}: tensor ".+": data ends at byte \\d+ .*truncated`));
  });

  it('a missing tensor', async () => {
    const tensors = fixtureTensors().filter((t) => t.name !== 'transformer.h.1.mlp.c_fc.weight');
    const error = await loadError(withTensors(tensors));
    expect(error.message).toBe(`${WEIGHTS}: missing 1 tensor(s) this GPT-2 config needs: transformer.h.1.mlp.c_fc.weight`);
  });

  it('a misshapen tensor', async () => {
    const tensors = fixtureTensors().map((t) =>
      t.name === 'transformer.h.0.attn.c_attn.weight' ? { ...t, shape: [96, 32] } : t,
    );
    const error = await loadError(withTensors(tensors));
    expect(error.tensor).toBe('transformer.h.0.attn.c_attn.weight');
    expect(error.message).toBe(
      `${WEIGHTS}: tensor "transformer.h.0.attn.c_attn.weight": has shape [96,32] but ${CONFIG} implies [32,96]: is config.json from the same checkpoint?`,
    );
  });

  it('a NaN weight', async () => {
    const tensors = fixtureTensors().map((t) => {
      if (t.name !== 'transformer.h.1.ln_2.weight') return t;
      const values = Float32Array.from(t.values);
      values[5] = NaN;
      return { ...t, values };
    });
    const error = await loadError(withTensors(tensors));
    expect(error.message).toBe(
      `${WEIGHTS}: tensor "transformer.h.1.ln_2.weight": holds a non-finite value (NaN) at index 5: the file is corrupt`,
    );
  });

  it('an integer tensor where a weight belongs', async () => {
    const tensors = fixtureTensors().map((t) =>
      t.name === 'transformer.ln_f.bias' ? { ...t, values: new Int32Array(t.values.length) } : t,
    );
    const error = await loadError(withTensors(tensors));
    expect(error.message).toMatch(new RegExp(`^${WEIGHTS}: tensor "transformer.ln_f.bias": has integer dtype I32`));
  });

  it('an unexpected extra tensor', async () => {
    const extra = { name: 'transformer.h.1.attn.extra.weight', shape: [32, 96], values: new Float32Array(32 * 96) };
    const error = await loadError(withTensors([...fixtureTensors(), extra]));
    expect(error.message).toMatch(
      new RegExp(`^${WEIGHTS}: has 1 tensor\\(s\\) this GPT-2 config does not explain: transformer\\.h\\.1\\.attn\\.extra\\.weight\\. Is config\\.json from the same checkpoint\\?`),
    );
  });

  it('weights from a different config (more layers in the config than in the file): config.json and the field are named', async () => {
    const config = { ...fixtureConfig(), n_layer: 3 };
    const error = await loadError(source({ 'config.json': config, 'model.safetensors': fixtureFile('model.safetensors') }));
    expect(error.file).toBe(CONFIG);
    expect(error.message).toBe(
      `${CONFIG}: "n_layer" is 3 but ${WEIGHTS} holds 2 layer(s) (transformer.h.0 to transformer.h.1): is config.json from the same checkpoint?`,
    );
  });

  it('fewer layers in the config than in the file', async () => {
    const error = await loadError(source({ 'config.json': { ...fixtureConfig(), n_layer: 1 }, 'model.safetensors': fixtureFile('model.safetensors') }));
    expect(error.message).toMatch(new RegExp(`^${CONFIG}: "n_layer" is 1 but ${WEIGHTS} holds 2 layer\\(s\\)`));
  });
});
