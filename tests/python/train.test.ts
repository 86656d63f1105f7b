/**
 * python/train.py (the "Continue in PyTorch" bundle's script) against the
 * engine: it compiles (and python/wegeft.py too), `--help` runs and a run
 * without transformers ends in a message naming requirements.txt; its
 * learning-rate schedule, step counts, seeded order, validation split, data
 * readers and token sequences equal the engine's. transformers, PEFT and
 * Accelerate are absent here, so the training loop itself is not run.
 * Needs /usr/bin/python3 with torch (Debian's python3-torch; .ci/run installs it).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDataset } from '../../src/engine/data/index';
import { readDataFiles } from '../../src/engine/data/node-files';
import { prepareTokenSequences } from '../../src/engine/data/prepare';
import type { DataFile, TextDataset, TextExample, TokenEncoder } from '../../src/engine/data/types';
import { shuffled } from '../../src/engine/random';
import { SampleStream, splitTrainValidation } from '../../src/engine/train/batches';
import { lrMultiplier, learningRateAt, SCHEDULE_NAMES, type ScheduleName } from '../../src/engine/train/schedule';
import { scheduleFor, totalStepsFor, trainSettingsWithDefaults, type TrainSettings } from '../../src/engine/train/settings';
import { jsonlFile, solidJpeg, solidPng, textFile, zipOf } from '../engine/data/make-files';
import { PROJECT_ROOT } from '../helpers/fixtures';
import { PYTHON, requireTorch } from '../helpers/python';

const TRAIN_PY = path.join(PROJECT_ROOT, 'python/train.py');
const WEGEFT_PY = path.join(PROJECT_ROOT, 'python/wegeft.py');
const CHECK = path.join(PROJECT_ROOT, 'tests/python/check_train.py');

let tmp: string;
beforeAll(async () => {
  requireTorch();
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'train-py-'));
});
afterAll(async () => {
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

/** train.py's functions on `request`, through tests/python/check_train.py. */
function python(request: object): Record<string, any> {
  return JSON.parse(execFileSync(PYTHON, [CHECK, TRAIN_PY], { input: JSON.stringify(request), encoding: 'utf8', maxBuffer: 64 * 2 ** 20 }));
}

describe('train.py as a program', () => {
  it('train.py and wegeft.py compile', () => {
    const r = spawnSync(PYTHON, ['-m', 'py_compile', TRAIN_PY, WEGEFT_PY], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  });

  it('--help runs without transformers, and a run without it names requirements.txt', async () => {
    // Packages named transformers and torch that fail to import stand first on the path: absent, as on a fresh machine.
    const blocked = path.join(tmp, 'blocked');
    for (const name of ['transformers', 'torch']) {
      await fs.mkdir(path.join(blocked, name), { recursive: true });
      await fs.writeFile(path.join(blocked, name, '__init__.py'), `raise ModuleNotFoundError("No module named '${name}'", name="${name}")\n`);
    }
    const env = { ...process.env, PYTHONPATH: blocked };
    const help = spawnSync(PYTHON, [TRAIN_PY, '--help'], { encoding: 'utf8', env });
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^usage: train\.py/);
    expect(help.stdout).toContain('pip install -r requirements.txt');
    const runFile = path.join(tmp, 'run.json');
    await fs.writeFile(runFile, JSON.stringify({ format: 'wegeft-playground-run/1' }));
    const run = spawnSync(PYTHON, [TRAIN_PY, '--run', runFile], { encoding: 'utf8', env });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/train\.py: torch is not installed: pip install -r requirements\.txt/);
    const notRun = spawnSync(PYTHON, [TRAIN_PY, '--run', path.join(tmp, 'absent.json')], { encoding: 'utf8', env });
    expect(notRun.status).not.toBe(0);
    expect(notRun.stderr).toMatch(/absent\.json: cannot be read/);
  });
});

describe('the schedule, step counts and seeded order equal the engine\'s', () => {
  it('learning rate per step: every schedule, with and without warm-up, and through torch\'s LambdaLR + AdamW', () => {
    const cases: { name: ScheduleName; warmup: number; total: number }[] = [];
    for (const name of SCHEDULE_NAMES) for (const [warmup, total] of [[0, 1], [0, 10], [3, 10], [4, 17], [5, 5], [1, 2]]) cases.push({ name, warmup, total });
    const r = python({ schedules: cases, torch_schedules: cases.map((c) => ({ ...c, lr: 3e-4 })) });
    cases.forEach((c, i) => {
      const engine = Array.from({ length: c.total }, (_, step) => lrMultiplier({ name: c.name, warmupSteps: c.warmup, totalSteps: c.total }, step));
      const py = r.schedules[i] as number[];
      expect(py.length).toBe(c.total);
      py.forEach((m, step) => expect(Math.abs(m - engine[step]), `${c.name} w${c.warmup} t${c.total} step ${step}`).toBeLessThan(1e-15));
      const lrs = r.torch_schedules[i] as number[];
      lrs.forEach((lr, step) => {
        const want = learningRateAt({ name: c.name, warmupSteps: c.warmup, totalSteps: c.total }, 3e-4, step);
        expect(Math.abs(lr - want), `torch ${c.name} w${c.warmup} t${c.total} step ${step}`).toBeLessThan(1e-18);
      });
    });
    // Not constant: the comparison has something to compare (warm-up from 0, decay to the end).
    expect(r.schedules[cases.findIndex((c) => c.name === 'cosine' && c.warmup === 3)].slice(0, 4)).toEqual([0, 1 / 3, 2 / 3, 1]);
  });

  it('steps of a run of epochs, and warm-up from a ratio', () => {
    const settings: [TrainSettings, number][] = [
      [trainSettingsWithDefaults({ epochs: 1.5, batchSize: 8, gradientAccumulation: 2, warmupRatio: 0.1 }), 101],
      [trainSettingsWithDefaults({ epochs: 3, batchSize: 4 }), 10],
      [trainSettingsWithDefaults({ steps: 12, warmupSteps: 5 }), 1000],
      [trainSettingsWithDefaults({ steps: 7, warmupRatio: 0.3 }), 3],
    ];
    const r = python({ settings });
    expect(r.steps).toEqual(settings.map(([s, n]) => [totalStepsFor(s, n), scheduleFor(s, totalStepsFor(s, n)).warmupSteps]));
    expect(r.steps[0]).toEqual([10, 1]);
  });

  it('shuffles, the sample stream across epochs, and the (stratified) validation split', () => {
    const labels = ['b', 'a', 'a', 'c', 'b', 'a', 'a', 'c', 'b', 'a', '10', '2', '2', '10'];
    const splits = [
      { labels, fraction: 0.3, seed: 0, stratified: true },
      { labels, fraction: 0.1, seed: 42, stratified: false },
      { labels: labels.slice(0, 3), fraction: 0.5, seed: 7, stratified: true },
    ];
    const r = python({
      shuffles: [{ n: 10, seed: 42 }, { n: 1, seed: 0 }, { n: 37, seed: 123456789 }],
      streams: [{ count: 7, seed: 42, batch: 3, draws: 9 }],
      splits,
    });
    expect(r.shuffles).toEqual([shuffled([...Array(10).keys()], 42), [0], shuffled([...Array(37).keys()], 123456789)]);
    const stream = new SampleStream(7, 42);
    expect(r.streams[0]).toEqual(Array.from({ length: 9 }, () => stream.next(3)));
    splits.forEach((s, i) => {
      const items = [...s.labels.keys()];
      const { validation } = splitTrainValidation(items, s.fraction, s.seed, s.stratified ? (j) => s.labels[j] : undefined);
      expect(r.splits[i], `split ${i}`).toEqual(validation);
    });
    expect(r.splits[0].length).toBeGreaterThan(2);
  });
});

/** Writes files under tmp/data/<name>/ and returns that folder. */
async function writeCase(name: string, files: DataFile[]): Promise<string> {
  const dir = path.join(tmp, 'data', name);
  for (const file of files) {
    await fs.mkdir(path.dirname(path.join(dir, file.path)), { recursive: true });
    await fs.writeFile(path.join(dir, file.path), file.bytes);
  }
  return dir;
}

const png = (p: string, v: number) => solidPng(p, [v, 255 - v, 0, 255]);

/** Each case: the paths given (files or folders, relative to its folder) and its files. */
const DATA_CASES: Record<string, { given: string[]; files: DataFile[] }> = {
  'txt-blocks': { given: ['sotu.txt'], files: [textFile('sotu.txt', 'First speech.\r\nIts second line.  \r\n\r\n \t \nSecond one.\n\n\n\nThird, at the end.\n')] },
  'txt-single': { given: ['one.txt'], files: [textFile('one.txt', 'A single document\nwith two lines.\n')] },
  'jsonl-text': { given: ['t.jsonl'], files: [textFile('t.jsonl', '{"text": "alpha", "id": 1}\n\n{"text": "beta\\r\\ngamma"}\n{"text": "  "}\n')] },
  'jsonl-pairs': { given: ['p.jsonl'], files: [jsonlFile('p.jsonl', [{ prompt: 'Q: 1+1?', completion: ' 2' }, { prompt: 'Q: x', completion: '' }, { prompt: '', completion: ' y' }])] },
  'json-array': { given: ['a.json'], files: [textFile('a.json', JSON.stringify([{ text: 'one' }, { text: 'two', extra: true }]))] },
  'csv-text': { given: ['c.csv'], files: [textFile('c.csv', 'id,Text\r\n1,"a ""quoted""\r\nfield, on two lines"\n\n2,plain\n')] },
  'csv-one-column': { given: ['body.csv'], files: [textFile('body.csv', 'body\nfirst\nsecond\n')] },
  'csv-pairs': { given: ['pairs.csv'], files: [textFile('pairs.csv', 'prompt,completion\nHi,\" there\"\nBye, now\n')] },
  'text-folder': { given: ['notes'], files: [textFile('notes/10.txt', 'ten'), textFile('notes/2.txt', 'two'), textFile('notes/.hidden.txt', 'no'), textFile('notes/sub/1.jsonl', '{"text":"one"}\n')] },
  'text-zip': { given: ['texts.zip'], files: [zipOf('texts.zip', [textFile('b/10.txt', 'ten'), textFile('b/9.txt', 'nine'), textFile('__MACOSX/._9.txt', 'x')])] },
  'image-folders': {
    given: ['digits'],
    files: [png('digits/train/2/a.png', 10), png('digits/train/10/b.png', 20), png('digits/train/2/c.png', 30), png('digits/val/2/d.png', 40), png('digits/val/10/e.png', 50), solidJpeg('digits/train/10/f.jpg', [1, 2, 3])],
  },
  'image-plain-folders': { given: ['pets'], files: [png('pets/cat/1.png', 1), png('pets/dog/1.png', 2), png('pets/dog/2.png', 3)] },
  'image-csv': {
    given: ['set'],
    files: [textFile('set/labels.csv', 'path,label,split\nimgs/x.png,cat,train\nimgs/y.png, dog ,val\nimgs/z.png,cat,\n'), png('set/imgs/x.png', 1), png('set/imgs/y.png', 2), png('set/imgs/z.png', 3), png('set/imgs/unlisted.png', 4)],
  },
  'image-zip': { given: ['pics.zip'], files: [zipOf('pics.zip', [png('3/a.png', 1), png('5/b.png', 2), png('3/c.png', 3)])] },
};

describe('the data readers read each format to the engine\'s examples and labels', () => {
  it('every case, in one run of train.py\'s readers', async () => {
    const given: Record<string, string[]> = {};
    for (const [name, c] of Object.entries(DATA_CASES)) {
      const dir = await writeCase(name, c.files);
      given[name] = c.given.map((p) => path.join(dir, p));
    }
    const r = python({ datasets: given });
    for (const [name, paths] of Object.entries(given)) {
      const dataset = parseDataset(await readDataFiles(paths));
      const py = r.datasets[name];
      expect(py.error, name).toBeUndefined();
      expect(py.task, name).toBe(dataset.task);
      if (dataset.task === 'causal-lm') {
        expect(py.examples, name).toEqual(dataset.examples);
      } else {
        expect(py.labels, name).toEqual(dataset.labels);
        expect(py.examples, name).toEqual(dataset.examples.map((e) => ({ source: e.source, label: e.label, split: e.split ?? null })));
      }
    }
    // The cases say something: blocks split, pairs kept, splits and labels read.
    expect(r.datasets['txt-blocks'].examples.length).toBe(3);
    expect(r.datasets['jsonl-pairs'].examples.length).toBe(2);
    expect(r.datasets['image-folders'].labels).toEqual(['2', '10']);
    expect(r.datasets['image-csv'].examples.map((e: { split: string | null }) => e.split)).toEqual(['train', 'validation', null]);
  });
});

describe('token sequences equal the engine\'s', () => {
  /** The engine's view of check_train.py's fake tokenizer: one id per ASCII character (code + 10), BOS first when given. */
  const encoder = (eos: number | null, bos: number | null): TokenEncoder => ({
    encode: (text) => [...(bos === null ? [] : [bos]), ...[...text].map((c) => c.charCodeAt(0) + 10)],
    eosTokenId: eos,
    bosTokenId: bos,
  });
  const docs: TextExample[] = ['The first document, of some length.', 'Second.', 'A third one that ends the stream.'].map((text) => ({ kind: 'text', text, source: 'd.txt' }));
  const pairs: TextExample[] = [
    { kind: 'pair', prompt: 'Question: what is two plus two?', completion: ' Four.', source: 'p.jsonl' },
    { kind: 'pair', prompt: 'Q', completion: ' a very long completion that does not fit at all', source: 'p.jsonl' },
    { kind: 'pair', prompt: 'Short?', completion: ' Yes.', source: 'p.jsonl' },
  ];
  const cases = [
    { examples: docs, eos: 1, bos: null, seqLength: 16 },
    { examples: docs, eos: null, bos: 2, seqLength: 200 },
    { examples: docs.slice(0, 1), eos: 1, bos: null, seqLength: 7 },
    { examples: pairs, eos: 1, bos: 2, seqLength: 20 },
    { examples: pairs, eos: null, bos: null, seqLength: 64 },
  ];

  it('documents packed in blocks (the last overlapping, masked to its new targets) and prompt/completion pairs truncated', () => {
    const r = python({ sequences: cases });
    cases.forEach((c, i) => {
      const dataset: TextDataset = { task: 'causal-lm', examples: c.examples, files: ['x'], warnings: [] };
      const engine = prepareTokenSequences(dataset, encoder(c.eos, c.bos), { seqLength: c.seqLength });
      expect(r.sequences[i], `case ${i}`).toEqual(engine.map((s) => [Array.from(s.ids), s.lossMask ? Array.from(s.lossMask) : null]));
    });
    // A final overlapping block and a truncated completion are among them.
    expect(r.sequences[0].some(([, mask]: [number[], number[] | null]) => mask !== null)).toBe(true);
    expect(r.sequences[3][1][0].length).toBe(20);
  });
});
