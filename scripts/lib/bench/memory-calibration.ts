/**
 * npx tsx scripts/lib/bench/memory-calibration.ts [--backend wasm] [--presets] > calibration.jsonl
 *
 * The measurements the memory planner's coefficients (src/engine/train/memory-plan.ts)
 * come from: the benchmark's own peak (src/engine/bench/run.ts: distinct tfjs
 * buffers) of every registered method, with and without activation
 * checkpointing, on a grid of small GPT-2 and ViT shapes chosen so that every
 * term of the estimate varies apart from the others (layers, width, MLP
 * width, heads, vocabulary or labels, batch, sequence or image size). One
 * JSON line per measurement on stdout, with the shapes it was taken at.
 */
import { METHOD_NAMES } from '../../../src/engine/adapters/methods';
import { tensorBytes } from '../../../src/engine/train/buffer-bytes';
import { BENCH_PRESETS } from '../../../src/engine/bench/presets';
import { runBenchmark } from '../../../src/engine/bench/run';
import { syntheticTrainingData } from '../../../src/engine/bench/synthetic-data';
import { initialiseModelFromConfig } from '../../../src/engine/models/init';
import { setupNodeBackend, type NodeBackend } from '../node-backend';

/** [layers, width, heads, vocabulary, MLP width, batch, tokens] */
const GPT2_GRID: number[][] = [
  [1, 32, 2, 128, 128, 1, 16], [2, 32, 2, 128, 128, 2, 16], [1, 64, 4, 128, 256, 1, 32], [2, 64, 2, 256, 128, 2, 32],
  [3, 32, 4, 512, 128, 1, 48], [1, 48, 4, 384, 192, 3, 16], [2, 48, 2, 128, 96, 1, 64], [1, 96, 4, 256, 384, 2, 24],
  [2, 64, 4, 1024, 256, 1, 32], [3, 48, 4, 256, 192, 2, 32], [1, 32, 2, 256, 256, 4, 32], [2, 96, 2, 512, 384, 1, 16],
  // Deep and narrow: a checkpointed run's cost per layer is small beside its once-per-step terms, and is pinned only by depth.
  [6, 32, 2, 128, 128, 1, 32], [12, 32, 2, 256, 128, 1, 32], [8, 48, 4, 128, 192, 2, 16], [4, 64, 4, 512, 256, 1, 64],
  [12, 64, 4, 256, 256, 1, 24], [6, 96, 4, 128, 384, 1, 48],
];
/** [image size, patch, width, layers, heads, labels, MLP width, batch] */
const VIT_GRID: number[][] = [
  [16, 8, 32, 1, 2, 10, 128, 2], [16, 4, 32, 2, 2, 10, 128, 2], [32, 8, 64, 1, 4, 10, 256, 4], [32, 8, 48, 2, 4, 100, 96, 2],
  [24, 4, 32, 1, 2, 5, 128, 1], [32, 16, 64, 2, 2, 10, 256, 8], [16, 4, 48, 3, 4, 10, 192, 3], [32, 8, 32, 2, 2, 50, 256, 6],
  [24, 8, 96, 1, 4, 10, 384, 2], [32, 4, 32, 1, 4, 10, 64, 1], [16, 8, 64, 2, 4, 20, 128, 5],
  // Deep, and with as many patches as DeiT's 196 (the 14 × 14 grid of a 224 image at patch 16).
  [32, 4, 32, 6, 2, 10, 128, 1], [32, 4, 48, 12, 4, 10, 192, 1], [48, 4, 64, 8, 4, 10, 256, 1], [56, 4, 64, 12, 2, 100, 256, 1],
  [32, 8, 96, 6, 4, 10, 384, 4], [32, 4, 32, 4, 4, 10, 128, 2],
];

function configs(): { config: Record<string, unknown>; batch: number; seq: number | null }[] {
  const gpt2 = GPT2_GRID.map(([L, D, H, V, F, B, T]) => ({
    config: { model_type: 'gpt2', n_layer: L, n_embd: D, n_head: H, vocab_size: V, n_inner: F, n_positions: 64, activation_function: 'gelu_new', tie_word_embeddings: true },
    batch: B,
    seq: T,
  }));
  const vit = VIT_GRID.map(([img, p, D, L, H, labels, F, B]) => ({
    config: { model_type: 'vit', image_size: img, patch_size: p, num_channels: 3, hidden_size: D, num_hidden_layers: L, num_attention_heads: H, intermediate_size: F, hidden_act: 'gelu', layer_norm_eps: 1e-12, qkv_bias: true, num_labels: labels },
    batch: B,
    seq: null,
  }));
  return [...gpt2, ...vit];
}

/** The bench presets with fewer layers and smaller batches (`--presets`): the shapes the planner's test checks. */
export function scaledPresets(): { config: Record<string, unknown>; batch: number; seq: number | null }[] {
  const preset = (name: string) => BENCH_PRESETS.find((p) => p.name === name)!;
  const g = preset('gpt2-124m');
  const d = preset('deit-tiny');
  return [
    { config: { ...g.config, n_layer: 1 }, batch: 1, seq: 64 },
    { config: { ...g.config, n_layer: 2 }, batch: 1, seq: 32 },
    { config: { ...d.config, num_hidden_layers: 1 }, batch: 2, seq: null },
    { config: { ...d.config, num_hidden_layers: 2 }, batch: 2, seq: null },
    ...['gpt2-tiny', 'vit-tiny'].map((name) => ({ config: preset(name).config, batch: preset(name).batchSize, seq: preset(name).seqLength })),
  ];
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--backend');
  const backend = (i >= 0 ? process.argv[i + 1] : 'wasm') as NodeBackend;
  await setupNodeBackend(backend);
  for (const { config, batch, seq } of process.argv.includes('--presets') ? scaledPresets() : configs()) {
    const model = initialiseModelFromConfig(config, 1, 'calibration/config.json');
    try {
      const data = syntheticTrainingData(model, { batchSize: batch, seqLength: seq, seed: 1 });
      const weights = tensorBytes(model.parameterNames().map((n) => model.baseParam(n)));
      for (const checkpointing of [false, true]) {
        // One method at a time: the benchmark keeps every method's run alive together, which a large model's WASM heap cannot hold.
        for (const method of METHOD_NAMES) {
          const [r] = await runBenchmark(model, data, { methods: [method], rank: 16, batchSize: batch, steps: 1, warmup: 1, readbackEvery: 1, seed: 1, checkpointing });
          process.stdout.write(`${JSON.stringify({ config, batch, seq, checkpointing, method: r.method, trainable: r.trainableParameters, weights, persistent: r.persistentBytes, peak: r.peakBytes })}\n`);
        }
      }
    } finally {
      model.dispose();
    }
  }
}

void main();
