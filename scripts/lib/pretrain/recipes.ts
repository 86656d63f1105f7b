/**
 * What `npm run make-model -- vit|lm` trains: the architecture (config.json as
 * it is saved), the training settings, and where the result goes. Sizes were
 * chosen by measuring steps on the wasm backend of a 2-core machine (see
 * docs/pretraining.md): the ViT took 23 minutes there and the GPT-2 57,
 * while other work shared the machine.
 *
 * `tiny` recipes are the same code paths at toy sizes, for tests.
 */
import type { TrainSettings } from '../../../src/engine/train/settings';
import { FASHION_MNIST_LABELS } from './fashion-mnist';

export type RecipeName = 'vit' | 'lm';

export interface Recipe {
  name: RecipeName;
  /** The folder name under public/models. */
  modelId: string;
  /** config.json, as saved (save_pretrained's field names). */
  config: Record<string, unknown>;
  settings: TrainSettings;
  /** Validation examples evaluated every `settings.evalEvery` steps (the final evaluation uses them all). */
  progressEvalExamples: number;
  /** Images only: training images are shifted by up to this many pixels along each axis (0: none). */
  maxShift?: number;
}

const END_OF_TEXT = '<|endoftext|>';

export const LM_VOCAB_SIZE = 2048;
export const LM_SPECIAL_TOKENS = [END_OF_TEXT];

function vitConfig(size: { hidden: number; layers: number; heads: number; patch: number }): Record<string, unknown> {
  return {
    architectures: ['ViTForImageClassification'],
    model_type: 'vit',
    hidden_size: size.hidden,
    num_hidden_layers: size.layers,
    num_attention_heads: size.heads,
    intermediate_size: 4 * size.hidden,
    hidden_act: 'gelu',
    hidden_dropout_prob: 0.0,
    attention_probs_dropout_prob: 0.0,
    initializer_range: 0.02,
    layer_norm_eps: 1e-12,
    image_size: 28,
    patch_size: size.patch,
    // Three channels, so users' RGB images work; the grey training images are R = G = B.
    num_channels: 3,
    qkv_bias: true,
    id2label: Object.fromEntries(FASHION_MNIST_LABELS.map((label, i) => [String(i), label])),
    label2id: Object.fromEntries(FASHION_MNIST_LABELS.map((label, i) => [label, i])),
    torch_dtype: 'float32',
  };
}

function gpt2Config(size: { embd: number; layers: number; heads: number; positions: number; vocab: number }): Record<string, unknown> {
  const endOfText = size.vocab - 1; // the tokenizer puts its one special token last, as GPT-2's
  return {
    architectures: ['GPT2LMHeadModel'],
    model_type: 'gpt2',
    vocab_size: size.vocab,
    n_positions: size.positions,
    n_embd: size.embd,
    n_layer: size.layers,
    n_head: size.heads,
    n_inner: null,
    activation_function: 'gelu_new',
    resid_pdrop: 0.0,
    embd_pdrop: 0.0,
    attn_pdrop: 0.0,
    layer_norm_epsilon: 1e-5,
    initializer_range: 0.02,
    scale_attn_weights: true,
    tie_word_embeddings: true,
    bos_token_id: endOfText,
    eos_token_id: endOfText,
    torch_dtype: 'float32',
  };
}

const COMMON_SETTINGS = {
  gradientAccumulation: 1,
  schedule: 'cosine',
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  maxGradNorm: 1,
  seed: 42,
  lossReadbackEvery: 10,
} as const;

export const RECIPES: Record<RecipeName, Recipe> = {
  vit: {
    name: 'vit',
    modelId: 'vit-tiny-fashion-mnist',
    config: vitConfig({ hidden: 128, layers: 4, heads: 4, patch: 7 }),
    settings: {
      ...COMMON_SETTINGS,
      steps: 4000,
      batchSize: 64,
      learningRate: 2e-3,
      warmupSteps: 100,
      weightDecay: 0.05,
      evalEvery: 200,
      evalBatchSize: 250,
    },
    progressEvalExamples: 1000,
    maxShift: 2,
  },
  lm: {
    name: 'lm',
    modelId: 'gpt2-tiny-moby-brown',
    config: gpt2Config({ embd: 128, layers: 4, heads: 4, positions: 128, vocab: LM_VOCAB_SIZE }),
    settings: {
      ...COMMON_SETTINGS,
      steps: 500,
      batchSize: 16,
      learningRate: 2e-3,
      warmupSteps: 30,
      weightDecay: 0.01,
      evalEvery: 100,
      evalBatchSize: 32,
    },
    progressEvalExamples: 64,
  },
};

/** The same recipes at toy sizes: seconds on a CPU, for tests of the whole pipeline. */
export function tinyRecipe(name: RecipeName, steps: number): Recipe {
  const base = RECIPES[name];
  const settings: TrainSettings = { ...base.settings, steps, warmupSteps: 1, evalEvery: 0, batchSize: 8, evalBatchSize: 16 };
  if (name === 'vit') {
    return { ...base, modelId: 'vit-tiny-test', config: vitConfig({ hidden: 32, layers: 1, heads: 2, patch: 7 }), settings, progressEvalExamples: 16 };
  }
  return {
    ...base,
    modelId: 'gpt2-tiny-test',
    config: gpt2Config({ embd: 32, layers: 1, heads: 2, positions: 32, vocab: 300 }),
    settings,
    progressEvalExamples: 8,
  };
}
