/**
 * `npm run train -- … --out <dir> --bundle pytorch` writes the whole
 * "Continue in PyTorch" bundle: the export under adapter/, run.json with the
 * run's settings, python/train.py (and wegeft.py for WeGeFT), requirements,
 * the Accelerate config, the data and a README; the bundle's train.py
 * answers --help and reads the bundle's data to the engine's dataset.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { encode } from 'fast-png';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunJson } from '../../src/engine/adapters/handoff/pytorch-bundle';
import { parseDataset } from '../../src/engine/data/index';
import { readDataFiles } from '../../src/engine/data/node-files';
import { runScript } from '../helpers/cli';
import { fixtureDir, PROJECT_ROOT } from '../helpers/fixtures';
import { PYTHON, requireTorch } from '../helpers/python';

const work = mkdtempSync(path.join(tmpdir(), 'train-bundle-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const runTrain = (args: string[]) => runScript('train.ts', args);

/** Class folders of solid 8×8 PNGs: red/ and blue/, three each. */
function colours(dir: string): string {
  for (const [label, rgb] of [['red', [250, 10, 10]], ['blue', [10, 10, 250]]] as const) {
    mkdirSync(path.join(dir, label), { recursive: true });
    for (let i = 0; i < 3; i++) {
      const data = new Uint8Array(8 * 8 * 4).map((_, k) => (k % 4 === 3 ? 255 : rgb[k % 4] + i));
      writeFileSync(path.join(dir, label, `${i}.png`), encode({ width: 8, height: 8, data, channels: 4, depth: 8 }));
    }
  }
  return dir;
}

/** Every file under `dir`, relative to it. */
function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? listFiles(full, `${prefix}${name}/`) : [`${prefix}${name}`];
  });
}

describe('npm run train -- --bundle pytorch', () => {
  const data = colours(path.join(work, 'colours'));
  const common = ['--model', fixtureDir('vit'), '--data', data, '--steps', '3', '--batch', '2', '--accumulation', '2', '--lr', '0.004', '--schedule', 'cosine', '--warmup', '1', '--seed', '9'];

  it('WeGeFT: the complete bundle, with run.json as the run was trained and train.py reading its data as the engine does', async () => {
    const out = path.join(work, 'wegeft-bundle');
    const result = await runTrain([...common, '--method', 'wegeft', '--rank', '4', '--alpha', '6', '--out', out, '--bundle', 'pytorch']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/wrote the Continue-in-PyTorch bundle to .*wegeft-bundle: .*train\.py.* and 6 data files/);
    const files = listFiles(out).sort();
    expect(files.filter((f) => !f.startsWith('data/'))).toEqual([
      'README.md', 'accelerate_config.yaml', 'adapter/README.md', 'adapter/adapter_config.json', 'adapter/adapter_model.safetensors',
      'adapter/config.json', 'requirements.txt', 'run.json', 'train.py', 'wegeft.py',
    ]);
    expect(files.filter((f) => f.startsWith('data/'))).toEqual(['blue/0.png', 'blue/1.png', 'blue/2.png', 'red/0.png', 'red/1.png', 'red/2.png'].map((f) => `data/train/colours/${f}`));
    for (const name of ['train.py', 'wegeft.py']) expect(readFileSync(path.join(out, name), 'utf8')).toBe(readFileSync(path.join(PROJECT_ROOT, 'python', name), 'utf8'));
    const run = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')) as RunJson;
    expect(run.training).toMatchObject({ steps: 3, batchSize: 2, gradientAccumulation: 2, learningRate: 0.004, schedule: 'cosine', warmupSteps: 1, seed: 9, maxGradNorm: 1 });
    expect(run.method.settings).toMatchObject({ method: 'wegeft', rank: 4, alpha: 6, labels: ['blue', 'red'] });
    expect(run).toMatchObject({ task: 'image-classification', labels: ['blue', 'red'], base: { nameOrPath: fixtureDir('vit'), fromHub: false }, export: { kind: 'own-adapter', format: 'ours' } });
    expect(run.data).toMatchObject({ included: true, files: expect.arrayContaining(['colours/red/0.png']), validationFraction: 0.1, splitSeed: 9 });

    requireTorch();
    const help = spawnSync(PYTHON, [path.join(out, 'train.py'), '--help'], { encoding: 'utf8' });
    expect(help.status, help.stderr).toBe(0);
    // The bundle's train.py, from its own run.json, reads data/ to the dataset the engine reads from the original folder.
    const read = spawnSync(PYTHON, ['-c', [
      'import json, sys', `sys.path.insert(0, ${JSON.stringify(out)})`, 'import train',
      `args = train.parse_args(["--run", ${JSON.stringify(path.join(out, 'run.json'))}])`,
      'files, held = train.dataset_files(args, train.read_run(args.run))', 'd = train.read_dataset(files)',
      'print(json.dumps({"labels": d["labels"], "examples": [[e["source"], e["label"]] for e in d["examples"]], "held": len(held)}))',
    ].join('\n')], { encoding: 'utf8' });
    expect(read.status, read.stderr).toBe(0);
    const engine = parseDataset(await readDataFiles(data));
    if (engine.task !== 'image-classification') throw new Error('expected images');
    expect(JSON.parse(read.stdout)).toEqual({ labels: engine.labels, examples: engine.examples.map((e) => [e.source, e.label]), held: 0 });
  });

  it('LoRA: a PEFT adapter and PEFT in requirements.txt, no wegeft.py', async () => {
    const out = path.join(work, 'lora-bundle');
    const result = await runTrain([...common, '--method', 'lora', '--out', out, '--bundle', 'pytorch']);
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(path.join(out, 'wegeft.py'))).toBe(false);
    expect(JSON.parse(readFileSync(path.join(out, 'adapter/adapter_config.json'), 'utf8')).peft_type).toBe('LORA');
    expect(readFileSync(path.join(out, 'requirements.txt'), 'utf8')).toMatch(/^peft>=/m);
    expect(readFileSync(path.join(out, 'README.md'), 'utf8')).toContain('accelerate launch --config_file accelerate_config.yaml train.py');
  });

  it('is refused without --out, with another kind, or in a sweep (exit 2)', async () => {
    const noOut = await runTrain([...common, '--method', 'lora', '--bundle', 'pytorch']);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toMatch(/--bundle pytorch needs --out <dir>/);
    const other = await runTrain([...common, '--method', 'lora', '--out', path.join(work, 'x'), '--bundle', 'jax']);
    expect(other.stderr).toMatch(/--bundle must be pytorch, got "jax"/);
    const sweep = await runTrain([...common, '--method', 'lora', '--sweep-ranks', '1,2', '--out', path.join(work, 'y'), '--bundle', 'pytorch']);
    expect(sweep.code).toBe(2);
    expect(sweep.stderr).toMatch(/--bundle pytorch is for one run, not a sweep/);
  });
});
