/**
 * `npm run bench -- --generate`: text generation's tokens per second with
 * the key/value cache and with the full-recompute path, on one model in one
 * process, the two interleaved round by round so machine load hits both
 * alike. Each round also checks that both paths chose the same tokens and
 * that no tensor was left behind.
 */
import * as tf from '@tensorflow/tfjs';
import { generate } from '../../../src/engine/generate';
import { DirectorySource } from '../../../src/engine/io/node-source';
import { loadModel } from '../../../src/engine/models/load';
import { createRng } from '../../../src/engine/random';
import { numberOption, parseCommandLine, UsageError } from '../cli';
import { parseBackend, startCliBackend } from '../node-backend';
import { asUsage } from '../cli';

export const GENERATE_USAGE = `usage: npm run bench -- --generate [options]

Tokens per second of text generation with the key/value cache (the default)
and with the full-recompute path, interleaved round by round in one process.
Greedy decoding from a seeded random prompt; each round checks that both
paths give the same tokens.

  --model <dir>          a causal language model folder (default public/models/gpt2-tiny-moby-brown)
  --prompt-tokens <n>    prompt length (default 16)
  --new-tokens <n>       tokens generated per round and path (default 64)
  --rounds <r>           rounds, each timing both paths (default 3)
  --backend <b>          cpu, wasm (default) or webgpu
  --seed <s>             the prompt's seed (default 42)
  --json                 one JSON line on stdout
`;

interface GenerateBenchOptions {
  model: string;
  promptTokens: number;
  newTokens: number;
  rounds: number;
  backend: 'cpu' | 'wasm' | 'webgpu';
  seed: number;
  json: boolean;
}

export function parseGenerateArgs(argv: string[]): GenerateBenchOptions {
  const { values } = parseCommandLine(argv, {
    generate: { type: 'boolean' },
    model: { type: 'string' },
    'prompt-tokens': { type: 'string' },
    'new-tokens': { type: 'string' },
    rounds: { type: 'string' },
    backend: { type: 'string' },
    seed: { type: 'string' },
    json: { type: 'boolean' },
  });
  const whole = (name: string, min: number) => numberOption(`--${name}`, values[name as keyof typeof values] as string | undefined, { integer: true, min });
  return {
    model: values.model ?? 'public/models/gpt2-tiny-moby-brown',
    promptTokens: whole('prompt-tokens', 1) ?? 16,
    newTokens: whole('new-tokens', 1) ?? 64,
    rounds: whole('rounds', 1) ?? 3,
    backend: asUsage(() => parseBackend(values.backend ?? 'wasm')),
    seed: whole('seed', 0) ?? 42,
    json: values.json ?? false,
  };
}

export interface GenerateBenchRecord {
  bench: 'generate';
  model: string;
  backend: string;
  prompt_tokens: number;
  new_tokens: number;
  rounds: number;
  /** Median over rounds of new tokens ÷ seconds, prefill included. */
  cached_tokens_per_second: number;
  plain_tokens_per_second: number;
  speedup: number;
  same_tokens: boolean;
  num_tensors_growth: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export async function runGenerateBench(argv: string[], log: (line: string) => void): Promise<number> {
  const options = parseGenerateArgs(argv);
  await startCliBackend(options.backend, log);
  const model = await loadModel(new DirectorySource(options.model)).catch((error: unknown) => {
    throw new UsageError(`--model: ${(error as Error).message}`);
  });
  try {
    if (model.config.task !== 'causal-lm') throw new UsageError(`--model: ${options.model} is not a language model`);
    const { vocabSize, maxPositions } = model.config;
    if (options.promptTokens + options.newTokens > maxPositions) {
      log(`note: ${options.promptTokens} + ${options.newTokens} tokens exceed the context of ${maxPositions}: both paths crop it`);
    }
    const random = createRng(options.seed);
    const prompt = Array.from({ length: options.promptTokens }, () => Math.floor(random() * vocabSize));
    const settings = { maxNewTokens: options.newTokens, stopAtEos: false };
    log(`model: ${options.model} (${model.family.displayName}, ${model.parameterCount().toLocaleString('en-US')} parameters), backend ${tf.getBackend()}`);
    await generate(model, prompt, { ...settings, maxNewTokens: 2 }); // warm-up: kernels, and tensors tfjs keeps once
    await generate(model, prompt, { ...settings, maxNewTokens: 2, useCache: false });
    const before = tf.memory().numTensors;
    const rates = { cached: [] as number[], plain: [] as number[] };
    let same = true;
    for (let round = 1; round <= options.rounds; round++) {
      const tokens: Record<string, number[]> = {};
      for (const path of ['cached', 'plain'] as const) {
        const started = performance.now();
        tokens[path] = (await generate(model, prompt, { ...settings, useCache: path === 'cached' })).tokens;
        const rate = options.newTokens / ((performance.now() - started) / 1000);
        rates[path].push(rate);
        log(`round ${round}/${options.rounds}: ${path.padEnd(6)} ${rate.toFixed(1)} tokens/s`);
      }
      same &&= tokens.cached.join() === tokens.plain.join();
    }
    const record: GenerateBenchRecord = {
      bench: 'generate',
      model: options.model,
      backend: tf.getBackend(),
      prompt_tokens: options.promptTokens,
      new_tokens: options.newTokens,
      rounds: options.rounds,
      cached_tokens_per_second: Number(median(rates.cached).toFixed(2)),
      plain_tokens_per_second: Number(median(rates.plain).toFixed(2)),
      speedup: Number((median(rates.cached) / median(rates.plain)).toFixed(2)),
      same_tokens: same,
      num_tensors_growth: tf.memory().numTensors - before,
    };
    if (options.json) process.stdout.write(`${JSON.stringify(record)}\n`);
    else {
      log(
        `generation, ${record.prompt_tokens}-token prompt + ${record.new_tokens} new (median of ${record.rounds}): ` +
          `cached ${record.cached_tokens_per_second} tokens/s, full recompute ${record.plain_tokens_per_second} tokens/s, ` +
          `${record.speedup}× — same tokens: ${same ? 'yes' : 'NO'}`,
      );
    }
    return same && record.num_tensors_growth === 0 ? 0 : 1;
  } finally {
    model.dispose();
  }
}
