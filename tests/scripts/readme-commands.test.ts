/**
 * Every command README.md shows works as typed, run through npm from a shell
 * as a newcomer would run it (`npm run train` once never trained: npm ran a
 * `pretrain` script first, as its pre-hook, and the tests, which called the
 * scripts directly, never saw it).
 *
 * The test reads the README's commands (fenced blocks, tables and inline
 * code that starts with a command such as `npm`, `npx`, `bash` or `for`) and
 * fails for any it does not run. A command is run
 * - as typed when it is concrete, possibly followed by options that keep it
 *   to seconds (`npm run demo -- vit` runs as `npm run demo -- vit --steps 2 …`);
 * - when it is a template (`<dir>`, `[--json]`, `vit|lm`, `…`), with real
 *   values after its fixed start (`npm run train -- --model public/models/…`);
 * - or, for the few that cannot run inside the test suite (`npm test` itself,
 *   `npm ci` and `npm install`, which would reinstall node_modules under the
 *   running tests), a check of what they stand on, with the reason.
 * Each CLI's `--help` and unknown-option behaviour is in npm-scripts.test.ts.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ACCELERATE_CONFIG } from '../../src/engine/adapters/handoff/pytorch-bundle';
import { PYTHON } from '../helpers/python';
import { lastJsonLine, runShell, userEnv, type CliResult } from '../helpers/cli';
import { PROJECT_ROOT } from '../helpers/fixtures';

// ---------------------------------------------------------------- reading

/** First words that make inline code or a line of a fenced block a command. */
const COMMAND_WORDS = new Set(['npm', 'npx', 'node', 'bash', 'sh', 'for', 'tsx', 'vite', 'vitest', 'playwright', 'git', 'cp', 'cd', 'apt-get', 'sudo', 'curl', 'python', 'python3', 'make']);

interface ReadmeCommand {
  text: string;
  /** 1-based line of README.md where it starts. */
  line: number;
}

/** The commands a Markdown text shows, in order, each once. */
function readmeCommands(markdown: string): ReadmeCommand[] {
  const found: ReadmeCommand[] = [];
  const add = (text: string, line: number) => {
    for (const part of text.split('&&').map((p) => p.trim())) {
      if (isCommand(part) && !found.some((c) => c.text === part)) found.push({ text: part, line });
    }
  };
  // Fenced blocks line by line (a `$ ` prompt and a trailing `# comment` dropped);
  // outside them, inline code, which may wrap onto the next line of a paragraph.
  const lines = markdown.split('\n');
  const prose: string[] = [];
  let fenced = false;
  lines.forEach((line, i) => {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      prose.push('');
      return;
    }
    if (fenced) {
      add(line.replace(/^\s*\$\s+/, '').replace(/\s+#.*$/, '').trim(), i + 1);
      prose.push('');
    } else {
      prose.push(line);
    }
  });
  const text = prose.join('\n');
  for (const match of text.matchAll(/`([^`]+)`/g)) {
    const line = text.slice(0, match.index).split('\n').length;
    // `\|` is a `|` escaped for a table cell.
    add(match[1].replace(/\\\|/g, '|').replace(/\s*\n\s*/g, ' ').trim(), line);
  }
  return found.sort((a, b) => a.line - b.line);
}

function isCommand(text: string): boolean {
  const words = text.replace(/^(\w+=\S*\s+)+/, '').split(/\s+/);
  return COMMAND_WORDS.has(words[0]);
}

/** A word standing for values: `<dir>`, `[--json]`, `vit|lm` (a `|` between spaces is a pipe), `…`. */
function isPlaceholder(word: string): boolean {
  return /[<>[\]…]/.test(word) || /\S\|\S/.test(word) || word === '...';
}

const words = (text: string) => text.trim().split(/\s+/);

/** Whether running `run` runs the README's `command`, as the header says. */
function runs(run: string, command: string): boolean {
  const given = words(command);
  const fixed = given.findIndex(isPlaceholder);
  const start = fixed === -1 ? given : given.slice(0, fixed);
  const typed = words(run);
  if (!start.every((word, i) => typed[i] === word)) return false;
  // A template needs values where its placeholders were.
  return fixed === -1 || typed.length > start.length;
}

// ---------------------------------------------------------------- the README's own numbers

const README_FILE = path.join(PROJECT_ROOT, 'README.md');
const README = readFileSync(README_FILE, 'utf8');

/** "checks passed" of the parity table, by case and backend: `gpt2 cpu` → 55. */
function parityTable(): Map<string, number> {
  const rows = new Map<string, number>();
  for (const m of README.matchAll(/^\| `(\w+)` \| (cpu|wasm|webgpu) \| [^|]+ \| (\d+) \/ (\d+) \|/gm)) {
    expect(m[3], `README parity row ${m[1]} ${m[2]}: not every check passed`).toBe(m[4]);
    rows.set(`${m[1]} ${m[2]}`, Number(m[4]));
  }
  return rows;
}

/** Trainable parameters of WeGeFT and LoRA in the speed table's row for a model on Node cpu. */
function benchRow(model: string): { wegeft: number; lora: number } {
  const m = new RegExp(`^\\| Node cpu \\| ${model} \\([^)]*\\) \\| ([\\d,]+) \\| ([\\d,]+) \\|`, 'm').exec(README);
  if (!m) throw new Error(`README's speed table has no "Node cpu | ${model}" row`);
  return { wegeft: Number(m[1].replace(/,/g, '')), lora: Number(m[2].replace(/,/g, '')) };
}

// ---------------------------------------------------------------- what runs

interface Run {
  /** The shell line, as a user types it at the project root. */
  line: string;
  timeoutMs: number;
  /** Checks what the command did (the caller has run it, unless `custom`). */
  check: (result: CliResult) => void | Promise<void>;
}

const work = mkdtempSync(path.join(tmpdir(), 'readme-commands-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const ok = (result: CliResult) => expect(result.code, `exit status; stderr:\n${result.stderr.slice(-3000)}`).toBe(0);

/** The JSON lines of a CLI's stdout (npm's banner and blank lines aside). */
const jsonLines = (stdout: string) =>
  stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** Every parity line passed, and each case has as many checks as the README's table says. */
function parityMatchesReadme(result: CliResult, backend: string, cases: string[]): void {
  ok(result);
  const lines = jsonLines(result.stdout) as Array<{ case: string; ok: boolean; check: string; method: string }>;
  expect(lines.filter((l) => !l.ok).map((l) => `${l.case} ${l.method} ${l.check}`)).toEqual([]);
  const table = parityTable();
  for (const name of cases) {
    expect(lines.filter((l) => l.case === name).length, `${name} on ${backend}: checks run vs the README's table`).toBe(table.get(`${name} ${backend}`));
  }
}

const trainOut = path.join(work, 'adapter');
const sweepCsv = path.join(work, 'sweep.csv');
const authorsOut = path.join(work, 'wegeft-authors');
const pytorchBundle = path.join(work, 'pytorch-bundle');
const bundle = path.join(work, 'bench.cjs');
const sweepOut = path.join(work, 'bench-sweep');

const RUNS: Run[] = [
  {
    line: 'for c in gpt2 gpt_neo llama vit; do npm run parity -- tests/fixtures/reference/$c; done',
    timeoutMs: 240_000,
    check: (r) => parityMatchesReadme(r, 'cpu', ['gpt2', 'gpt_neo', 'llama', 'vit']),
  },
  {
    line: 'for c in gpt2 vit; do npm run parity -- tests/fixtures/reference/$c --backend webgpu; done',
    // SwiftShader: about 50 s alone on 2 idle cores, 3.5 min beside the other runs on a loaded machine.
    timeoutMs: 540_000,
    check: (r) => parityMatchesReadme(r, 'webgpu', ['gpt2', 'vit']),
  },
  {
    // The README's method table: the test recomputes every count and compares it with the table.
    line: 'npx vitest run tests/engine/adapters/method-table.test.ts',
    timeoutMs: 300_000,
    check: (r) => {
      ok(r);
      expect(r.stdout.replace(/\x1b\[[0-9;]*m/g, '')).toMatch(/Tests\s+1 passed/);
    },
  },
  {
    line: 'npm run parity -- --help',
    timeoutMs: 60_000,
    check: (r) => {
      ok(r);
      expect(r.stdout).toContain('usage: npm run parity -- <case-dir>');
    },
  },
  {
    line: `npm run train -- --model public/models/vit-tiny-fashion-mnist --data public/datasets/digits --method wegeft --steps 2 --batch 8 --backend wasm --out ${trainOut} --json`,
    timeoutMs: 240_000,
    check: (r) => {
      ok(r);
      const report = lastJsonLine(r.stdout);
      expect(report).toMatchObject({ method: 'wegeft', steps: 2, num_tensors_growth: 0 });
      expect(report.trainable_parameters).toBeGreaterThan(0);
      expect((report.final_eval as { accuracy: number }).accuracy).toBeGreaterThanOrEqual(0);
      expect(JSON.parse(readFileSync(path.join(trainOut, 'adapter_config.json'), 'utf8'))).toMatchObject({ peft_type: 'WEGEFT' });
      expect(existsSync(path.join(trainOut, 'adapter_model.safetensors'))).toBe(true);
    },
  },
  {
    // WeGeFT for its authors' fork of PEFT, into the test's folder.
    line: `npm run train -- --model public/models/vit-tiny-fashion-mnist --data public/datasets/digits --method wegeft --steps 2 --backend wasm --adapter-format authors --out ${authorsOut}`,
    timeoutMs: 240_000,
    check: (r) => {
      ok(r);
      expect(JSON.parse(readFileSync(path.join(authorsOut, 'adapter_config.json'), 'utf8'))).toMatchObject({
        peft_type: 'WeGeFT', transform_dim: 'input', base_model_name_or_path: 'public/models/vit-tiny-fashion-mnist',
      });
      expect(JSON.parse(readFileSync(path.join(authorsOut, 'config.json'), 'utf8')).id2label['3']).toBe('3');
      expect(readFileSync(path.join(authorsOut, 'README.md'), 'utf8')).toContain('model = PeftModel.from_pretrained(base, HERE)');
    },
  },
  {
    // The Continue-in-PyTorch bundle, into the test's folder: its files, and its train.py answering --help.
    line: `npm run train -- --model public/models/vit-tiny-fashion-mnist --data public/datasets/digits --method wegeft --steps 2 --backend wasm --bundle pytorch --out ${pytorchBundle}`,
    timeoutMs: 240_000,
    check: (r) => {
      ok(r);
      for (const name of ['README.md', 'run.json', 'train.py', 'wegeft.py', 'requirements.txt', 'accelerate_config.yaml', 'adapter/adapter_config.json', 'data/train/digits/val/9/0299.png']) {
        expect(existsSync(path.join(pytorchBundle, name)), name).toBe(true);
      }
      expect(JSON.parse(readFileSync(path.join(pytorchBundle, 'run.json'), 'utf8'))).toMatchObject({ method: { name: 'wegeft' }, training: { steps: 2 } });
      const help = spawnSync(PYTHON, [path.join(pytorchBundle, 'train.py'), '--help'], { encoding: 'utf8' });
      expect(help.status, help.stderr).toBe(0);
      expect(help.stdout).toContain('usage: train.py');
    },
  },
  {
    // The rank sweep, as typed, with its CSV in the test's folder.
    line: `npm run train -- --model public/models/vit-tiny-fashion-mnist --data public/datasets/digits --method wegeft,lora --sweep-ranks 1,2,4,8 --steps 20 --backend wasm --csv ${sweepCsv}`,
    timeoutMs: 300_000,
    check: (r) => {
      ok(r);
      const [header, ...rows] = readFileSync(sweepCsv, 'utf8').trim().split('\n').map((line) => line.split(','));
      expect(header.slice(0, 7)).toEqual(['method', 'rank', 'alpha', 'trainable_parameters', 'metric_name', 'metric', 'base_metric']);
      expect(header).toEqual(expect.arrayContaining(['step_ms', 'peak_bytes']));
      const at = (row: string[], column: string) => row[header.indexOf(column)];
      expect(rows.map((row) => `${at(row, 'method')} ${at(row, 'rank')}`)).toEqual(['wegeft 1', 'wegeft 2', 'wegeft 4', 'wegeft 8', 'lora 1', 'lora 2', 'lora 4', 'lora 8']);
      // A new 10-class head (128 × 10 + 10) plus WeGeFT's φ, ψ (2 × r × 128) or LoRA's A, B on 4 layers (4 × r × 256).
      const ranks = [1, 2, 4, 8];
      expect(rows.map((row) => Number(at(row, 'trainable_parameters')))).toEqual([...ranks.map((r) => 1290 + 256 * r), ...ranks.map((r) => 1290 + 1024 * r)]);
      for (const row of rows) {
        expect(at(row, 'metric_name')).toBe('accuracy');
        expect(Number(at(row, 'metric'))).toBeGreaterThan(Number(at(row, 'base_metric')));
        expect(Number(at(row, 'step_ms'))).toBeGreaterThan(0);
        expect(Number(at(row, 'peak_bytes'))).toBeGreaterThan(0);
      }
    },
  },
  {
    // The README's example: the fixture's WeGeFT adapter (made with PyTorch) on a digit, maps to /tmp/maps.png.
    line: 'npm run analyze -- --model tests/fixtures/reference/vit --adapter tests/fixtures/reference/vit/wegeft --image public/datasets/digits/val/3/0250.png --maps /tmp/maps.png --json',
    timeoutMs: 120_000,
    check: (r) => {
      ok(r);
      const modules = jsonLines(r.stdout) as Array<{ module: string; delta_singular_values: number[]; amplification_factor: number }>;
      expect(modules).toHaveLength(6);
      for (const m of modules) expect(m.delta_singular_values).toHaveLength(4);
      expect(r.stderr).toContain('wrote /tmp/maps.png');
      expect(existsSync('/tmp/maps.png')).toBe(true);
    },
  },
  {
    line: 'npm run demo -- vit --method wegeft --steps 2 --json',
    timeoutMs: 240_000,
    check: (r) => {
      ok(r);
      const report = lastJsonLine(r.stdout);
      expect(report).toMatchObject({ demo: 'vit', method: 'wegeft', steps: 2, expectation: { metric: 'accuracy' } });
      expect((report.base_eval as { accuracy: number }).accuracy).toBeGreaterThanOrEqual(0);
    },
  },
  {
    line: 'npm run demo -- lm --steps 1 --json',
    timeoutMs: 240_000,
    check: (r) => {
      ok(r);
      const report = lastJsonLine(r.stdout);
      expect(report).toMatchObject({ demo: 'lm', method: 'wegeft', steps: 1, expectation: { metric: 'perplexity' } });
      expect((report.final_eval as { perplexity: number }).perplexity).toBeGreaterThan(1);
    },
  },
  {
    line: 'npm run make-model -- --help',
    timeoutMs: 60_000,
    check: (r) => {
      ok(r);
      expect(r.stdout).toContain('usage: npm run make-model -- vit|lm');
    },
  },
  {
    line: 'npm run bench -- --model vit-tiny --methods wegeft,lora --steps 1 --warmup 0 --json',
    timeoutMs: 240_000,
    check: (r) => {
      ok(r);
      const records = jsonLines(r.stdout) as Array<{ method: string; model: string; backend: string; trainable_parameters: number; num_tensors_growth: number }>;
      expect(records.map((x) => [x.method, x.model, x.backend, x.num_tensors_growth])).toEqual([
        ['wegeft', 'vit-tiny', 'wasm', 0],
        ['lora', 'vit-tiny', 'wasm', 0],
      ]);
      // The parameter counts do not depend on the machine: they must be the README's.
      const row = benchRow('vit-tiny');
      expect(records.map((x) => x.trainable_parameters)).toEqual([row.wegeft, row.lora]);
    },
  },
  {
    line: 'npm run bench -- --generate --new-tokens 6 --rounds 1 --json',
    timeoutMs: 120_000,
    check: (r) => {
      ok(r);
      const record = lastJsonLine(r.stdout) as Record<string, unknown>;
      expect(record).toMatchObject({
        bench: 'generate', model: 'public/models/gpt2-tiny-moby-brown', backend: 'wasm', new_tokens: 6, same_tokens: true, num_tensors_growth: 0,
      });
      expect(record.cached_tokens_per_second).toBeGreaterThan(0);
      expect(record.plain_tokens_per_second).toBeGreaterThan(0);
    },
  },
  {
    // The sweep on the tiny GPT-2 and a 2 × 2 grid (GPT-2 small's full grid takes half an hour), into a scratch folder.
    line: `npm run bench -- --sweep --model gpt2-tiny --sweep-seq 8,16 --sweep-batch 1,2 --steps 1 --warmup 0 --out ${sweepOut} --json`,
    timeoutMs: 240_000,
    check: (r) => {
      ok(r);
      const points = jsonLines(r.stdout) as Array<{ method: string; batch: number; seq: number; status: string; num_tensors_growth: number; peak_bytes: number }>;
      expect(points.map((p) => [p.method, p.batch, p.seq, p.status, p.num_tensors_growth])).toEqual([
        ['wegeft', 1, 8, 'measured', 0], ['lora', 1, 8, 'measured', 0],
        ['wegeft', 1, 16, 'measured', 0], ['lora', 1, 16, 'measured', 0],
        ['wegeft', 2, 8, 'measured', 0], ['lora', 2, 8, 'measured', 0],
      ]);
      // Twice the tokens hold more activations.
      expect(points[2].peak_bytes).toBeGreaterThan(points[0].peak_bytes);
      expect(readFileSync(path.join(sweepOut, 'bench-sweep.csv'), 'utf8').trim().split('\n')).toHaveLength(1 + points.length);
      for (const curve of ['seq', 'batch']) {
        const png = readFileSync(path.join(sweepOut, `bench-sweep-${curve}.png`));
        expect(png.subarray(1, 4).toString()).toBe('PNG');
        expect(png.readUInt32BE(16), 'width in pixels').toBeGreaterThan(1000);
      }
    },
  },
  {
    // The bundle must work on its own, as on the GPU machine it is made for.
    line: `npm run bench:bundle -- --out ${bundle} && node ${bundle} --help`,
    timeoutMs: 120_000,
    check: (r) => {
      ok(r);
      expect(r.stdout).toMatch(/wrote .*bench\.cjs \(\d+(\.\d)? MB\)/);
      expect(r.stdout).toContain('usage: npm run bench -- [options]');
    },
  },
  {
    // Regenerating needs ~12 MB of npm packages from the registry: its usage only.
    line: 'npm run datasets -- --help',
    timeoutMs: 60_000,
    check: (r) => {
      ok(r);
      expect(r.stdout).toContain('usage: npm run datasets');
    },
  },
  {
    // A real screenshot trains two runs in SwiftShader for minutes: here, what a
    // newcomer who forgot `npm start` sees (nothing listens on port 9, discard).
    line: 'npm run screenshot -- --url http://127.0.0.1:9/',
    timeoutMs: 60_000,
    check: (r) => {
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('screenshot: nothing answers at http://127.0.0.1:9/: start the app first (npm start');
    },
  },
];

/** `npm start`: builds, serves on port 5173 and keeps serving; the page and a bundled model come over HTTP. */
const START: ReadmeCheck = {
  command: 'npm start',
  why: 'it serves until stopped: started, fetched over HTTP, then stopped',
  timeoutMs: 240_000,
  verify: async () => {
    const port = 5173;
    expect(await portIsFree(port), `port ${port} is in use, and npm start serves there (--strictPort): stop what listens on it`).toBe(true);
    const child = spawn('bash', ['-c', 'npm start'], { cwd: PROJECT_ROOT, env: userEnv(), detached: true });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    let finished = false;
    exited.then(() => (finished = true));
    try {
      const base = `http://localhost:${port}`;
      const deadline = Date.now() + 200_000;
      let page: Response | null = null;
      while (!page && Date.now() < deadline) {
        if (finished) throw new Error(`npm start exited before serving:\n${output.slice(-3000)}`);
        page = await fetch(`${base}/`).catch(() => null);
        if (!page) await new Promise((r) => setTimeout(r, 500));
      }
      if (!page) throw new Error(`npm start served nothing on ${base} within 200 s:\n${output.slice(-3000)}`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<title>WeGeFT Playground</title>');
      const models = await fetch(`${base}/models/index.json`);
      expect(models.status).toBe(200);
      expect(((await models.json()) as { models: unknown[] }).models.length).toBeGreaterThan(0);
    } finally {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // Already gone.
      }
      await exited;
    }
  },
};

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, () => server.close(() => resolve(true)));
  });
}

// ---------------------------------------------------------------- what cannot run here

interface ReadmeCheck {
  /** The README's command, exactly. */
  command: string;
  why: string;
  timeoutMs?: number;
  verify: () => void | Promise<void>;
}

const CI_SCRIPT = readFileSync(path.join(PROJECT_ROOT, '.ci', 'run'), 'utf8');
const PACKAGE = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
/** The lines .ci/run runs, comments and blank lines aside. */
const ciLines = CI_SCRIPT.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));

const CHECKS: ReadmeCheck[] = [
  START,
  {
    command: 'python train.py',
    why: "it needs transformers (and a GPU to be worth it), which cannot be installed here: checked is that python/train.py (what every bundle ships) stops without them with the pip install line, and that the bundle's Accelerate config is the YAML accelerate launch reads",
    verify: () => {
      // A transformers that fails to import stands first on the path: absent, as on a fresh machine.
      const blocked = path.join(work, 'no-transformers', 'transformers');
      mkdirSync(blocked, { recursive: true });
      writeFileSync(path.join(blocked, '__init__.py'), 'raise ModuleNotFoundError("No module named \'transformers\'", name="transformers")\n');
      const runFile = path.join(work, 'no-transformers', 'run.json');
      writeFileSync(runFile, JSON.stringify({ format: 'wegeft-playground-run/1' }));
      const r = spawnSync(PYTHON, [path.join(PROJECT_ROOT, 'python/train.py'), '--run', runFile], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: path.dirname(blocked) } });
      expect(r.status).toBe(2);
      expect(r.stderr).toContain('transformers is not installed: pip install -r requirements.txt');
      const config = spawnSync(PYTHON, ['-c', 'import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))'], { input: ACCELERATE_CONFIG, encoding: 'utf8' });
      expect(config.status, config.stderr).toBe(0);
      expect(JSON.parse(config.stdout)).toMatchObject({ distributed_type: 'MULTI_GPU', num_machines: 1, num_processes: 8, mixed_precision: 'no' });
    },
  },
  {
    command: 'npm test',
    why: 'it runs this test: it is what CI runs, and it runs this file',
    verify: () => {
      expect(ciLines.at(-1), '.ci/run ends by running the README\'s test command').toBe('npm test');
      expect(PACKAGE.scripts.test).toBe('node scripts/test-all.mjs');
      const all = readFileSync(path.join(PROJECT_ROOT, 'scripts', 'test-all.mjs'), 'utf8');
      expect(all).toContain("['vitest', 'run', ...vitestArgs]");
      expect(all).toContain("['playwright', 'test']");
      // vitest's include pattern picks this file up.
      expect(readFileSync(path.join(PROJECT_ROOT, 'vitest.config.ts'), 'utf8')).toContain("'tests/**/*.test.ts'");
    },
  },
  {
    command: 'npm ci',
    why: 'it would reinstall node_modules under the running tests: checked is what it needs, a lock file that agrees with package.json, and that CI runs it before npm test',
    verify: () => {
      expect(ciLines.indexOf('npm ci --no-audit --no-fund')).toBeGreaterThanOrEqual(0);
      expect(ciLines.indexOf('npm ci --no-audit --no-fund')).toBeLessThan(ciLines.indexOf('npm test'));
      const lock = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package-lock.json'), 'utf8')) as {
        packages: Record<string, { dependencies?: Record<string, string>; devDependencies?: Record<string, string> }>;
      };
      // npm ci refuses a lock file whose root lists other dependencies than package.json.
      expect(lock.packages[''].dependencies ?? {}).toEqual(PACKAGE.dependencies);
      expect(lock.packages[''].devDependencies ?? {}).toEqual(PACKAGE.devDependencies);
    },
  },
  {
    command: 'npm install',
    why: 'it installs from the registry, and these tests run inside what it installed: checked is that every dependency is installed at a version package.json allows',
    timeoutMs: 60_000,
    verify: async () => {
      const result = await runShell('npm ls --depth=0', { timeoutMs: 60_000 });
      expect(result.code, `npm ls (run npm install):\n${result.stdout}${result.stderr}`).toBe(0);
    },
  },
  {
    command: 'bash .ci/run',
    why: 'it runs npm ci and npm test (above): checked is that bash reads it',
    verify: async () => {
      const result = await runShell('bash -n .ci/run');
      expect(result.code, result.stderr).toBe(0);
    },
  },
];

// ---------------------------------------------------------------- the tests

const COMMANDS = readmeCommands(README);

/** The commands of `commands` that no run here covers and no check names. */
function untested(commands: ReadmeCommand[]): ReadmeCommand[] {
  return commands.filter((c) => !CHECKS.some((k) => k.command === c.text) && !RUNS.some((r) => runs(r.line, c.text)));
}

describe('reading commands out of Markdown', () => {
  it('finds them in fenced blocks, tables and inline code, and nothing else', () => {
    const markdown = [
      'Set up:',
      '```sh',
      '$ npm install && npm start   # serves the app',
      'src/engine/   not a command',
      '```',
      '| command | what |',
      '| --- | --- |',
      '| `npm run demo -- vit\\|lm` | the demo; `--json` for a report |',
      'Run `for c in a b; do npm run parity -- $c; done`, or `npm run',
      'bench`; see `config.json` and `CHROMIUM_PATH`; `FOO=1 npx tsx x.ts`.',
    ].join('\n');
    expect(readmeCommands(markdown)).toEqual([
      { text: 'npm install', line: 3 },
      { text: 'npm start', line: 3 },
      { text: 'npm run demo -- vit|lm', line: 8 },
      { text: 'for c in a b; do npm run parity -- $c; done', line: 9 },
      { text: 'npm run bench', line: 9 },
      { text: 'FOO=1 npx tsx x.ts', line: 10 },
    ]);
  });

  it('tells a concrete command, run as typed (options may follow), from a template, run with values', () => {
    expect(runs('npm run demo -- vit --steps 2', 'npm run demo -- vit')).toBe(true);
    expect(runs('npm run demo -- lm', 'npm run demo -- vit')).toBe(false);
    expect(runs('npm run bench:bundle', 'npm run bench')).toBe(false);
    expect(runs('npm run demo -- lm --json', 'npm run demo -- vit|lm [--json]')).toBe(true);
    expect(runs('npm run demo --', 'npm run demo -- vit|lm')).toBe(false);
    expect(runs('npm run train -- --model m --data d', 'npm run train -- --model <dir|hub-id> --data <file|dir> …')).toBe(true);
    expect(runs('npm run train -- --help', 'npm run train -- --model <dir|hub-id> …')).toBe(false);
  });
});

describe('README.md', () => {
  it('shows commands (the reader above finds them)', () => {
    expect(COMMANDS.map((c) => c.text)).toEqual(expect.arrayContaining(['npm start', 'npm test']));
    expect(COMMANDS.length).toBeGreaterThan(10);
  });

  it('shows no command that this test does not run or check', () => {
    // The check can fail: a command nothing here runs is reported.
    expect(untested([{ text: 'npm run demo -- vit --method full', line: 1 }, { text: 'npm start', line: 2 }])).toEqual([{ text: 'npm run demo -- vit --method full', line: 1 }]);
    expect(
      untested(COMMANDS).map((c) => `README.md:${c.line}: ${c.text}`),
      'commands no test runs: add a run (or, if it cannot run in the suite, a check) to tests/scripts/readme-commands.test.ts',
    ).toEqual([]);
  });

  it('still shows every command this test runs or checks', () => {
    const texts = COMMANDS.map((c) => c.text);
    expect(CHECKS.map((k) => k.command).filter((command) => !texts.includes(command)), 'checks for commands the README no longer shows').toEqual([]);
    expect(RUNS.map((r) => r.line).filter((line) => !texts.some((command) => runs(line, command))), 'runs of no README command').toEqual([]);
  });

  it('shows each CLI it documents with the npm script that exists', () => {
    const named = COMMANDS.flatMap((c) => [...c.text.matchAll(/npm run (\S+)/g)].map((m) => m[1]));
    expect(named.filter((name) => !(name in PACKAGE.scripts))).toEqual([]);
  });
});

describe.concurrent('README commands, run as typed', () => {
  for (const run of RUNS) {
    it(run.line, { timeout: run.timeoutMs + 10_000 }, async () => {
      await run.check(await runShell(run.line, { timeoutMs: run.timeoutMs }));
    });
  }
  for (const check of CHECKS) {
    it(`${check.command}: ${check.why}`, { timeout: (check.timeoutMs ?? 30_000) + 10_000 }, async () => {
      await check.verify();
    });
  }
});
