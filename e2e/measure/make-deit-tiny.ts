/**
 * Writes a random-init DeiT-tiny-shaped ViT checkpoint (the bench preset
 * deit-tiny: 224 px, patch 16, d 192, 12 layers, 3 heads) as a folder a user
 * could drop: config.json, model.safetensors, preprocessor_config.json.
 * Labels are the ten digits, so the bundled digits dataset trains on it
 * (10 labels instead of 1,000: 0.17M fewer head parameters of 5.7M).
 *
 *   npx tsx e2e/measure/make-deit-tiny.ts /tmp/deit-tiny
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { exportMergedModel } from '../../src/engine/adapters/export';
import { getAdapterMethod } from '../../src/engine/adapters/registry';
import { BENCH_PRESETS } from '../../src/engine/bench/presets';
import { initialiseModelFromConfig } from '../../src/engine/models/init';
import { vitPreprocessorConfig } from '../../scripts/lib/pretrain/vit';

const out = process.argv[2];
if (!out) throw new Error('usage: make-deit-tiny.ts <output folder>');
await tf.setBackend('cpu');
const preset = BENCH_PRESETS.find((p) => p.name === 'deit-tiny');
if (!preset) throw new Error('no deit-tiny bench preset');
const labels = Array.from({ length: 10 }, (_, i) => String(i));
const config = { ...preset.config, num_labels: 10, id2label: Object.fromEntries(labels.map((l, i) => [String(i), l])), label2id: Object.fromEntries(labels.map((l, i) => [l, i])) };
const model = initialiseModelFromConfig(config, 0);
const method = getAdapterMethod('full');
const adapter = method.create(model, method.withDefaults(model, { method: 'full', labels }), 0);
const files = await exportMergedModel(model, adapter);
files.set('preprocessor_config.json', new TextEncoder().encode(JSON.stringify(vitPreprocessorConfig(224), null, 2)));
mkdirSync(out, { recursive: true });
for (const [name, bytes] of files) writeFileSync(join(out, name), bytes);
console.log(`${out}: ${[...files.keys()].join(', ')}; ${model.parameterCount()} parameters`);
adapter.dispose();
model.dispose();
