/**
 * The parity CLI (`npm run parity -- <case-dir>...`) checks the engine
 * against any case laid out like tests/fixtures/reference/<case>, not only the
 * fixtures: here, random checkpoints at other shapes (and in real-world
 * layouts: sharded, unprefixed) whose expected logits and loss come from the
 * naive reference. Every check passes with exit status 0; a wrong expected
 * file makes it fail with exit status 1.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSafetensors, writeSafetensors, type TensorToWrite } from '../../../src/engine/io/safetensors';
import { PROJECT_ROOT } from '../../helpers/fixtures';
import {
  randomCheckpoint,
  randomInputs,
  writeCheckpoint,
  type CheckpointFileOptions,
  type CheckpointKnobs,
} from '../../helpers/random-checkpoint';
import { causalLmLoss, classificationLoss, referenceLogits } from './reference';

interface CaseSpec {
  name: string;
  knobs: CheckpointKnobs;
  files?: CheckpointFileOptions;
  seqLength?: number;
}

const CASES: CaseSpec[] = [
  { name: 'gpt2_3x24_untied', knobs: { family: 'gpt2', layers: 3, hidden: 24, heads: 3, tied: false, vocab: 33 }, seqLength: 9 },
  { name: 'gpt_neo_local_window2', knobs: { family: 'gpt_neo', layers: 3, hidden: 16, heads: 4, windowSize: 2, attentionConfig: 'types-only' }, files: { withoutBasePrefix: true }, seqLength: 8 },
  { name: 'llama_gqa4_headdim6_sharded', knobs: { family: 'llama', layers: 2, hidden: 24, heads: 8, kvHeads: 2, headDim: 6, ropeTheta: 50000 }, files: { shards: 2 }, seqLength: 10 },
  { name: 'vit_10px_patch3_6labels', knobs: { family: 'vit', layers: 2, hidden: 24, heads: 3, imageSize: 10, patchSize: 3, labels: 6 } },
];

/** A case folder: the checkpoint, inputs.safetensors, and the reference's expected.safetensors / expected.json. */
async function writeCase(root: string, spec: CaseSpec, seed: number): Promise<string> {
  const dir = path.join(root, spec.name);
  const ckpt = randomCheckpoint(spec.knobs, { seed });
  await writeCheckpoint(dir, ckpt, spec.files);
  const inputs = randomInputs(ckpt, { batch: 2, seqLength: spec.seqLength, seed: seed + 1 });
  const logits = referenceLogits(ckpt.config, ckpt.weights, inputs);

  let inputTensors: TensorToWrite[];
  let loss: number;
  if ('ids' in inputs) {
    inputTensors = [{ name: 'input_ids', shape: [inputs.batch, inputs.seqLength], values: inputs.ids }];
    loss = causalLmLoss(logits, inputs);
  } else {
    const labels = Int32Array.from({ length: inputs.batch }, (_, i) => (i * 5) % logits.shape[1]);
    inputTensors = [
      { name: 'pixel_values', shape: [inputs.batch, inputs.channels, inputs.height, inputs.width], values: inputs.pixels },
      { name: 'labels', shape: [inputs.batch], values: labels },
    ];
    loss = classificationLoss(logits, labels);
  }
  await fs.writeFile(path.join(dir, 'inputs.safetensors'), writeSafetensors(inputTensors));
  const expected = { name: 'logits', shape: logits.shape, values: Float32Array.from(logits.values) };
  await fs.writeFile(path.join(dir, 'expected.safetensors'), writeSafetensors([expected]));
  await fs.writeFile(path.join(dir, 'expected.json'), JSON.stringify({ loss, parameters: ckpt.parameterCount }));
  return dir;
}

interface CliRun {
  exitCode: number;
  lines: Array<{ case: string; method: string; check: string; max_abs_diff: number; ok: boolean }>;
  stderr: string;
}

function runParityCli(dirs: string[]): Promise<CliRun> {
  const tsx = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
  return new Promise((resolve) => {
    execFile(tsx, ['scripts/parity.ts', ...dirs], { cwd: PROJECT_ROOT, timeout: 90_000 }, (error, stdout, stderr) => {
      const exitCode = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      const lines = stdout.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
      resolve({ exitCode, lines, stderr });
    });
  });
}

describe('npm run parity on random checkpoints at other shapes', () => {
  let root: string;
  let dirs: string[];

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'parity-cli-'));
    dirs = await Promise.all(CASES.map((spec, i) => writeCase(root, spec, 40 + i)));
  });
  afterAll(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  it('passes every check, case by case, and exits 0', async () => {
    const run = await runParityCli(dirs);
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    const expectedLines = CASES.flatMap((c) => ['logits', 'loss', 'parameters'].map((check) => `${c.name}/base/${check}`));
    expect(run.lines.map((l) => `${l.case}/${l.method}/${l.check}`)).toEqual(expectedLines);
    for (const line of run.lines) expect(line, JSON.stringify(line)).toMatchObject({ ok: true });
  });

  it('fails the logits check, and exits 1, when the expected logits are off by 1e-3', async () => {
    const wrong = path.join(root, 'gpt2_wrong_logits');
    await fs.cp(dirs[0], wrong, { recursive: true });
    const file = path.join(wrong, 'expected.safetensors');
    const logits = parseSafetensors(new Uint8Array(await fs.readFile(file)), file).read('logits');
    logits.values[17] += 1e-3;
    await fs.writeFile(file, writeSafetensors([{ name: 'logits', shape: logits.shape, values: logits.values }]));

    const run = await runParityCli([wrong]);
    expect(run.exitCode).toBe(1);
    const byCheck = Object.fromEntries(run.lines.map((l) => [l.check, l]));
    expect(byCheck.logits).toMatchObject({ ok: false });
    expect(byCheck.logits.max_abs_diff).toBeGreaterThan(9e-4);
    expect(byCheck.loss).toMatchObject({ ok: true });
    expect(byCheck.parameters).toMatchObject({ ok: true });
  });
});
