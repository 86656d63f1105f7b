/**
 * Model shapes the benchmark can build from their config alone, with
 * random-init weights (src/engine/models/init.ts), so that real shapes are
 * measured offline: the weights' values do not change a step's cost.
 *
 * The two large presets are the shapes of the issue's PyTorch reference runs
 * (GPT-2 small at batch 8 × 256 tokens, DeiT-tiny at batch 64); the two tiny
 * ones run in seconds anywhere, SwiftShader's software WebGPU included.
 * Plain data (no tfjs), so a page can list them without loading the engine;
 * src/engine/bench/benchmark.ts builds their models.
 */

export interface BenchPreset {
  name: string;
  description: string;
  /** config.json as transformers would save it. */
  config: Record<string, unknown>;
  /** Samples per step unless --batch says otherwise. */
  batchSize: number;
  /** Tokens per sequence (language models); null for image models. */
  seqLength: number | null;
}

const gpt2Config = (layers: number, width: number, heads: number, vocab: number, positions: number) => ({
  model_type: 'gpt2',
  architectures: ['GPT2LMHeadModel'],
  n_layer: layers,
  n_embd: width,
  n_head: heads,
  vocab_size: vocab,
  n_positions: positions,
  activation_function: 'gelu_new',
  layer_norm_epsilon: 1e-5,
  initializer_range: 0.02,
  bos_token_id: vocab - 1,
  eos_token_id: vocab - 1,
  tie_word_embeddings: true,
});

const vitConfig = (image: number, patch: number, width: number, layers: number, heads: number, labels: number) => ({
  model_type: 'vit',
  architectures: ['ViTForImageClassification'],
  image_size: image,
  patch_size: patch,
  num_channels: 3,
  hidden_size: width,
  num_hidden_layers: layers,
  num_attention_heads: heads,
  intermediate_size: 4 * width,
  hidden_act: 'gelu',
  layer_norm_eps: 1e-12,
  qkv_bias: true,
  initializer_range: 0.02,
  num_labels: labels,
});

export const BENCH_PRESETS: readonly BenchPreset[] = [
  {
    name: 'gpt2-124m',
    description: 'GPT-2 small: 12 layers, d 768, 12 heads, vocab 50,257 (124M parameters)',
    config: gpt2Config(12, 768, 12, 50257, 1024),
    batchSize: 8,
    seqLength: 256,
  },
  {
    name: 'deit-tiny',
    description: 'DeiT-tiny as a ViT: 224 px, patch 16, d 192, 12 layers, 3 heads, 1,000 labels (5.7M parameters)',
    config: vitConfig(224, 16, 192, 12, 3, 1000),
    batchSize: 64,
    seqLength: null,
  },
  {
    name: 'gpt2-tiny',
    description: 'A tiny GPT-2: 2 layers, d 128, 4 heads, vocab 2,048, 64 positions',
    config: gpt2Config(2, 128, 4, 2048, 64),
    batchSize: 4,
    seqLength: 64,
  },
  {
    name: 'vit-tiny',
    description: 'A tiny ViT: 32 px, patch 8, d 64, 2 layers, 4 heads, 10 labels',
    config: vitConfig(32, 8, 64, 2, 4, 10),
    batchSize: 16,
    seqLength: null,
  },
];

export function isBenchPresetName(name: string): boolean {
  return BENCH_PRESETS.some((p) => p.name === name);
}

export function benchPreset(name: string): BenchPreset {
  const preset = BENCH_PRESETS.find((p) => p.name === name);
  if (!preset) throw new Error(`unknown model preset "${name}" (known: ${BENCH_PRESETS.map((p) => p.name).join(', ')})`);
  return preset;
}

