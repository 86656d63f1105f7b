/**
 * Hostile config.json files against real checkpoints (the four reference
 * fixtures): configs that would allocate before anything is compared
 * (10^7 layers, 10^8 labels, huge widths) and numbers that load but compute
 * garbage (a LayerNorm epsilon of 0, a RoPE theta of 0). Each is an
 * InputFileError naming config.json and the field or tensor, reached in
 * well under a second, leaving no tensor behind.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputFileError } from '../../../src/engine/errors';
import { DirectorySource } from '../../../src/engine/io/node-source';
import { BrowserFilesSource, MemorySource } from '../../../src/engine/io/source';
import { loadModel, readModelConfig } from '../../../src/engine/models/load';
import { createRng, deriveSeed } from '../../../src/engine/random';
import { useBackend } from '../../helpers/backend';
import { fixtureDir, type FixtureCase } from '../../helpers/fixtures';

type Config = Record<string, unknown>;

const fixtureConfig = (family: FixtureCase): Config =>
  JSON.parse(readFileSync(path.join(fixtureDir(family), 'config.json'), 'utf8')) as Config;

/** The fixture's own weights with `edit` applied to its config. */
function checkpoint(family: FixtureCase, edit: (config: Config) => Config): MemorySource {
  const files = new Map<string, Uint8Array>([
    ['config.json', new TextEncoder().encode(JSON.stringify(edit(fixtureConfig(family))))],
    ['model.safetensors', new Uint8Array(readFileSync(path.join(fixtureDir(family), 'model.safetensors')))],
  ]);
  return new MemorySource(family, files);
}

/** loadModel's InputFileError, reached fast and leaving no tensors behind. */
async function loadError(source: MemorySource): Promise<InputFileError> {
  const before = tf.memory().numTensors;
  const start = performance.now();
  const error = await loadModel(source).then(
    (model) => {
      model.dispose();
      return new Error('loadModel accepted a hostile config');
    },
    (e: unknown) => e,
  );
  expect(performance.now() - start).toBeLessThan(2_000);
  expect(error).toBeInstanceOf(InputFileError);
  expect(tf.memory().numTensors).toBe(before);
  return error as InputFileError;
}

beforeAll(async () => {
  await useBackend('cpu');
});

describe('configs that would allocate before they are checked', () => {
  it('n_layer 10^7 is refused from config.json alone, naming the field', async () => {
    const error = await loadError(checkpoint('gpt2', (c) => ({ ...c, n_layer: 10_000_000 })));
    expect(error.message).toBe('gpt2/config.json: "n_layer" is 10000000, more than the 1024 this app supports: is the config corrupt?');
  });

  it.each([
    ['gpt2', 'n_layer'],
    ['gpt_neo', 'num_layers'],
    ['llama', 'num_hidden_layers'],
    ['vit', 'num_hidden_layers'],
  ] as const)('%s: a layer count within bounds but not the checkpoint\'s names config.json, the field and the layers held', async (family, field) => {
    const error = await loadError(
      checkpoint(family, (c) => ({ ...c, [field]: 1000, ...(family === 'gpt_neo' ? { attention_layers: Array(1000).fill('global') } : {}) })),
    );
    expect(error.file).toBe(`${family}/config.json`);
    expect(error.message).toMatch(new RegExp(`^${family}/config\\.json: "${field}" is 1000 but ${family}/model\\.safetensors holds 2 layer\\(s\\)`));
  });

  it('gpt_neo: attention_types repeated 10^15 times is bounded by the layer count, not expanded', async () => {
    const error = await loadError(checkpoint('gpt_neo', ({ attention_layers: _, ...c }) => ({ ...c, attention_types: [[['global', 'local'], 1e15]] })));
    expect(error.message).toMatch(/"attention_layers" must list "global" or "local" for each of the 2 layers/);
  });

  it('ViT num_labels 10^8 without id2label is refused before any label list is built', async () => {
    const error = await loadError(checkpoint('vit', ({ id2label: _, label2id: __, ...c }) => ({ ...c, num_labels: 100_000_000 })));
    expect(error.message).toBe('vit/config.json: "num_labels" is 100000000, more than the 100000 this app supports: is the config corrupt?');
  });

  it('ViT num_labels within bounds but not the classifier\'s names the classifier and config.json', async () => {
    const error = await loadError(checkpoint('vit', ({ id2label: _, label2id: __, ...c }) => ({ ...c, num_labels: 90_000 })));
    expect(error.tensor).toBe('classifier.weight');
    expect(error.message).toBe(
      'vit/model.safetensors: tensor "classifier.weight": has shape [5,32] but vit/config.json implies [90000,32]: is config.json from the same checkpoint?',
    );
  });

  it('an id2label of 200,000 names is refused', async () => {
    const id2label = Object.fromEntries(Array.from({ length: 200_000 }, (_, i) => [String(i), `c${i}`]));
    const error = await loadError(checkpoint('vit', (c) => ({ ...c, id2label })));
    expect(error.message).toBe('vit/config.json: "id2label" has 200000 labels, more than the 100000 this app supports');
  });

  it.each([
    ['gpt2', { n_embd: 131_072, n_head: 4 }, 'transformer.wte.weight', '[96,131072]'],
    ['llama', { vocab_size: 4_000_000 }, 'model.embed_tokens.weight', '[4000000,32]'],
    ['gpt_neo', { max_position_embeddings: 16_000_000 }, 'transformer.wpe.weight', '[16000000,32]'],
    ['vit', { image_size: 16_384, patch_size: 1 }, 'vit.embeddings.position_embeddings', '[1,268435457,32]'],
  ] as const)('%s: huge widths are compared with the header\'s shapes before any tensor exists', async (family, edit, tensor, shape) => {
    const error = await loadError(checkpoint(family, (c) => ({ ...c, ...edit })));
    expect(error.tensor).toBe(tensor);
    expect(error.message).toContain(`but ${family}/config.json implies ${shape}`);
  });

  it.each([
    ['gpt2', { n_embd: 1e9 }, /"n_embd" is 1000000000, more than the 262144/],
    ['llama', { vocab_size: 1e12 }, /"vocab_size" is 1000000000000, more than the 4194304/],
    ['llama', { intermediate_size: 2 ** 40 }, /"intermediate_size" is 1099511627776, more than/],
    ['vit', { num_channels: 100_000 }, /"num_channels" is 100000, more than the 64/],
    ['gpt_neo', { window_size: 1e9 }, /"window_size" is 1000000000, more than/],
  ] as const)('%s %j: beyond any real model, refused from config.json alone', async (family, edit, message) => {
    expect((await loadError(checkpoint(family, (c) => ({ ...c, ...edit })))).message).toMatch(message);
  });
});

describe('numbers that would load and compute garbage', () => {
  const epsilonFields = [
    ['gpt2', 'layer_norm_epsilon'],
    ['gpt_neo', 'layer_norm_epsilon'],
    ['vit', 'layer_norm_eps'],
    ['llama', 'rms_norm_eps'],
  ] as const;
  for (const [family, field] of epsilonFields) {
    it.each([0, -1e-5, 1e-50])(`${family}: ${field} %s (NaN logits on constant rows) is refused`, async (value) => {
      const error = await loadError(checkpoint(family, (c) => ({ ...c, [field]: value })));
      expect(error.message).toBe(`${family}/config.json: "${field}" must be a positive number, got ${value}`);
    });
  }

  it.each([
    ['gpt2', { n_head: 2.5 }, '"n_head" must be a positive integer, got 2.5'],
    ['gpt2', { n_layer: '2' }, '"n_layer" must be a positive integer, got "2"'],
    ['gpt2', { n_head: 5 }, 'n_embd (32) must be divisible by n_head (5)'],
    ['gpt2', { n_inner: -64 }, '"n_inner" must be a positive integer, got -64'],
    ['gpt_neo', { num_heads: 3 }, 'hidden_size (32) must be divisible by num_heads (3)'],
    ['gpt_neo', { window_size: 0 }, '"window_size" must be a positive integer, got 0'],
    ['llama', { num_key_value_heads: 3 }, 'num_attention_heads (4) must be divisible by num_key_value_heads (3)'],
    ['llama', { head_dim: 7 }, 'head_dim (7) must be even for rotary embeddings'],
    ['llama', { rope_parameters: { rope_type: 'default', rope_theta: 0 } }, '"rope_theta" must be a positive number, got 0'],
    ['llama', { rope_parameters: { rope_type: 'linear', rope_theta: 1e4, factor: -2 } }, '"factor" must be a positive number, got -2'],
    [
      'llama',
      { rope_parameters: { rope_type: 'llama3', factor: 8, low_freq_factor: 4, high_freq_factor: 4, original_max_position_embeddings: 64 } },
      '"rope_scaling" high_freq_factor (4) must be greater than low_freq_factor (4)',
    ],
    ['llama', { rope_parameters: 'yarn' }, '"rope_scaling" must be an object or null, got "yarn"'],
    ['llama', { bos_token_id: 1.5 }, '"bos_token_id" must be a token id (an integer) or a list of them, got 1.5'],
    ['llama', { eos_token_id: [2, 'x'] }, '"eos_token_id" must be a token id (an integer) or a list of them, got [2,"x"]'],
    ['vit', { patch_size: 32 }, 'patch_size (32) must not exceed image_size (16)'],
    ['vit', { num_channels: 0 }, '"num_channels" must be a positive integer, got 0'],
    ['vit', { id2label: ['cat', 'dog'] }, '"id2label" must be an object mapping "0", "1", … to label names'],
    ['vit', { initializer_range: -0.02 }, '"initializer_range" must be a number of at least 0, got -0.02'],
  ] as const)('%s %j', async (family, edit, message) => {
    const error = await loadError(checkpoint(family, (c) => ({ ...c, ...edit })));
    expect(error.message).toBe(`${family}/config.json: ${message}`);
  });

  it('a message quotes at most 80 characters of a huge value', async () => {
    const error = await loadError(checkpoint('gpt2', (c) => ({ ...c, n_layer: 'x'.repeat(100_000) })));
    expect(error.message.length).toBeLessThan(200);
  });

  it('a token id past the vocabulary (tiny test checkpoints keep GPT-2\'s 50256) is ignored, not used as a row', async () => {
    const { config } = await readModelConfig(checkpoint('gpt2', (c) => c));
    expect(config.task === 'causal-lm' && [config.bosTokenId, config.eosTokenId]).toEqual([null, null]);
  });

  it('inherited fields do not count: a config whose __proto__ holds n_layer has none', async () => {
    const source = new MemorySource(
      'gpt2',
      new Map([
        ['config.json', new TextEncoder().encode('{"model_type": "gpt2", "__proto__": {"n_layer": 2}, "n_embd": 32, "n_head": 4, "vocab_size": 96, "n_positions": 32}')],
        ['model.safetensors', new Uint8Array(readFileSync(path.join(fixtureDir('gpt2'), 'model.safetensors')))],
      ]),
    );
    expect((await loadError(source)).message).toBe('gpt2/config.json: missing "n_layer" (a positive integer)');
  });
});

describe('seeded random corruption of config.json', () => {
  const HOSTILE_VALUES: unknown[] = [0, -1, 1, 2, 3, 0.5, -0.5, 1e-50, 1e300, 1e7, 2 ** 31, 1.5, '7', null, true, [], {}, [1, 2]];
  const SEED = 20261202;
  const TRIALS_PER_FAMILY = 40;

  /** Replaces 1 to 3 of the config's numeric (or nested rope) fields with hostile values, or deletes them. */
  function mutate(config: Config, random: () => number): Config {
    const copy = structuredClone(config);
    const targets: Array<[Config, string]> = [];
    for (const [key, value] of Object.entries(copy)) {
      if (typeof value === 'number' || typeof value === 'boolean') targets.push([copy, key]);
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        for (const [inner, v] of Object.entries(value as Config)) if (typeof v === 'number') targets.push([value as Config, inner]);
      }
    }
    const edits = 1 + Math.floor(random() * 3);
    for (let e = 0; e < edits; e++) {
      const [object, key] = targets[Math.floor(random() * targets.length)];
      if (random() < 0.15) delete object[key];
      else object[key] = HOSTILE_VALUES[Math.floor(random() * HOSTILE_VALUES.length)];
    }
    return copy;
  }

  /** Finite logits from one small forward pass: a model that loads must compute numbers, not NaN. */
  async function logitsAreFinite(model: Awaited<ReturnType<typeof loadModel>>): Promise<boolean> {
    const c = model.config;
    const inputs =
      c.task === 'causal-lm'
        ? { inputIds: tf.tensor2d([[0, 1, 2, 3]], [1, 4], 'int32') }
        : { pixelValues: tf.randomUniform([1, c.numChannels, c.imageSize, c.imageSize], -1, 1, 'float32', 3) as tf.Tensor4D };
    const logits = model.forward(inputs);
    const values = await logits.data();
    tf.dispose([logits, ...Object.values(inputs)]);
    return values.every(Number.isFinite);
  }

  for (const family of ['gpt2', 'gpt_neo', 'llama', 'vit'] as const) {
    it(`${family}: ${TRIALS_PER_FAMILY} corrupted configs each load and compute finite logits, or fail naming the file`, { timeout: 60_000 }, async () => {
      const random = createRng(deriveSeed(SEED, family));
      const counts = { loaded: 0, refused: 0 };
      for (let trial = 0; trial < TRIALS_PER_FAMILY; trial++) {
        const config = mutate(fixtureConfig(family), random);
        const before = tf.memory().numTensors;
        const start = performance.now();
        try {
          const model = await loadModel(checkpoint(family, () => config));
          try {
            expect(await logitsAreFinite(model), `trial ${trial}: ${JSON.stringify(config)}`).toBe(true);
          } finally {
            model.dispose();
          }
          counts.loaded++;
        } catch (error) {
          expect(error, `trial ${trial}: ${String(error)}`).toBeInstanceOf(InputFileError);
          expect((error as InputFileError).file).toMatch(new RegExp(`^${family}/(config\\.json|model\\.safetensors)$`));
          counts.refused++;
        }
        expect(performance.now() - start).toBeLessThan(5_000);
        expect(tf.memory().numTensors).toBe(before);
      }
      console.log(`config fuzz ${family}: seed ${deriveSeed(SEED, family)}, ${TRIALS_PER_FAMILY} trials, ${counts.loaded} loaded, ${counts.refused} refused`);
      expect(counts.loaded + counts.refused).toBe(TRIALS_PER_FAMILY);
    });
  }
});

describe('found by the config fuzz', () => {
  it('gpt_neo: a local window longer than the sequence (TinyStories\' 256 on a short prompt) attends causally, as a window of T would', async () => {
    const wide = await loadModel(checkpoint('gpt_neo', (c) => ({ ...c, window_size: 256 })));
    const exact = await loadModel(checkpoint('gpt_neo', (c) => ({ ...c, window_size: 4 })));
    const ids = tf.tensor2d([[0, 1, 2, 3]], [1, 4], 'int32');
    const [a, b] = [wide.forward({ inputIds: ids }), exact.forward({ inputIds: ids })];
    expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
    tf.dispose([ids, a, b]);
    wide.dispose();
    exact.dispose();
  });
});

describe('config values nested deeper than a message can quote', () => {
  it('n_layer nested 200,000 levels deep is "must be a positive integer", not a RangeError', async () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    const text = JSON.stringify(fixtureConfig('gpt2')).replace('"n_layer":2', `"n_layer":${deep}`);
    const source = new MemorySource(
      'gpt2',
      new Map([
        ['config.json', new TextEncoder().encode(text)],
        ['model.safetensors', new Uint8Array(readFileSync(path.join(fixtureDir('gpt2'), 'model.safetensors')))],
      ]),
    );
    expect((await loadError(source)).message).toBe('gpt2/config.json: "n_layer" must be a positive integer, got […nested too deeply to show…]');
  });
});

describe('a mismatched config is found from the headers, before the weights are read', () => {
  const weightsBytes = () => new Uint8Array(readFileSync(path.join(fixtureDir('gpt2'), 'model.safetensors')));

  it('on disk: the whole weight file is never read', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'header-first-'));
    try {
      writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...fixtureConfig('gpt2'), n_layer: 5 }));
      writeFileSync(path.join(dir, 'model.safetensors'), weightsBytes());
      const reads: string[] = [];
      const disk = new DirectorySource(dir);
      const read = disk.read.bind(disk);
      disk.read = async (p, onProgress, options) => (reads.push(p), read(p, onProgress, options));
      const error = await loadModel(disk).then(() => null, (e: unknown) => e as Error);
      expect(error?.message).toMatch(/"n_layer" is 5 but .*model\.safetensors holds 2 layer\(s\)/);
      expect(reads).toEqual(['config.json']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('in memory: the whole weight file is never read', async () => {
    const reads: string[] = [];
    const memory = checkpoint('gpt2', (c) => ({ ...c, n_layer: 3 }));
    const read = memory.read.bind(memory);
    memory.read = async (p, onProgress, options) => (reads.push(p), read(p, onProgress, options));
    const prefixes: number[] = [];
    const readPrefix = memory.readPrefix.bind(memory);
    memory.readPrefix = async (p, length) => (prefixes.push(length), readPrefix(p, length));
    expect((await loadError(memory)).message).toMatch(/^gpt2\/config\.json: "n_layer" is 3 but gpt2\/model\.safetensors holds 2 layer\(s\)/);
    expect(reads).toEqual(['config.json']);
    expect(prefixes[0]).toBe(8);
    expect(prefixes[1]).toBeLessThan(weightsBytes().byteLength / 10); // the header: a small part of the file
  });

  it('dropped files: File.slice for the header, never arrayBuffer() of the weights', async () => {
    const config = new File([JSON.stringify({ ...fixtureConfig('gpt2'), n_embd: 64 })], 'config.json');
    const weights = new File([weightsBytes()], 'model.safetensors');
    let wholeReads = 0;
    weights.arrayBuffer = async () => (wholeReads++, new ArrayBuffer(0));
    const error = await loadModel(new BrowserFilesSource([config, weights], 'dropped')).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/^dropped\/model\.safetensors: tensor "transformer\.wte\.weight": has shape \[96,32\] but dropped\/config\.json implies \[96,64\]/);
    expect(wholeReads).toBe(0);
  });

  it('a sound checkpoint still loads through the same path', async () => {
    const model = await loadModel(checkpoint('gpt2', (c) => c));
    expect(model.config.numLayers).toBe(2);
    model.dispose();
  });
});
