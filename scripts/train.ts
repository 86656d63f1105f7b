/**
 * npm run train -- --model <dir|hub-id> --data <file|dir> --method <name> [options]
 *
 * Fine-tunes a model on the user's data with one method, on the CPU, WASM or
 * WebGPU (Dawn) backend. Stderr shows the settings (defaults included) and a
 * progress bar with the loss and ETA (plain lines when not a terminal).
 * With --json, stdout gets one JSON line at the end:
 *   {"method","trainable_parameters","base_eval","final_eval","initial_train_loss",
 *    "final_train_loss","steps","step_ms_median","throughput","peak_bytes","num_tensors_growth","dataset"}
 * (see scripts/lib/train-report.ts for each field; "dataset" is DatasetReport in
 * scripts/lib/train-data.ts: counts, blank_images, identical_images); --out writes the adapter's
 * adapter_config.json and adapter_model.safetensors, a classifier's config.json (its labels) and a
 * README.md with the Python that loads them; --adapter-format authors writes WeGeFT for its authors'
 * fork of PEFT; --bundle pytorch makes --out the "Continue in PyTorch" bundle (train.py, run.json, …).
 *
 * With --sweep-ranks (and --method listing one or more methods with a rank),
 * every (method, rank) trains in turn on the same model, data, settings and
 * seed; --csv writes one row per run (columns: src/engine/train/sweep.ts), and
 * --json prints one line per run with its rank.
 *
 * Exit status: 0 when the run completes; 1 when training fails (the loss
 * became NaN or infinite); 2 on bad usage or unusable input, with a one-line
 * message naming the file.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { readBaseCheckpoint, type BaseCheckpoint } from '../src/engine/adapters/handoff/base-checkpoint';
import type { BaseModelRef } from '../src/engine/adapters/handoff/base-model';
import { runBundleFiles } from '../src/engine/adapters/handoff/run-bundle';
import { runExportFiles } from '../src/engine/adapters/handoff/run-export';
import { readDataFiles } from '../src/engine/data/node-files';
import { methodSpec } from '../src/engine/adapters/methods';
import { getAdapterMethod, resolveAdapterSettings } from '../src/engine/adapters/registry';
import type { Adapter, AdapterMethodName, AdapterSettings, TargetSpec } from '../src/engine/adapters/types';
import { errorMessage, InputFileError, NonFiniteLossError } from '../src/engine/errors';
import { loadModel } from '../src/engine/models/load';
import type { Model } from '../src/engine/models/model';
import type { Evaluation } from '../src/engine/train/evaluate';
import { stoppingProblem, trainSettingsWithDefaults, validateTrainSettings, type TrainSettings } from '../src/engine/train/settings';
import { sweepCsv, sweepRuns, type SweepRow } from '../src/engine/train/sweep';
import { Trainer, type StepMetrics } from '../src/engine/train/trainer';
import { paddedLength } from '../src/engine/train/batches';
import { checkRunMemory, memoryBudget, MemoryPlanError } from '../src/engine/train/memory-check';
import { startCliBackend } from './lib/node-backend';
import { ProgressBar } from './lib/progress';
import { runCli, UsageError } from './lib/cli';
import { parseTrainArgs, USAGE, type TrainCliOptions } from './lib/train-args';
import { readPythonSources } from './lib/python-sources';
import { openModelSource, prepareData, type PreparedData } from './lib/train-data';
import { buildReport, type TrainReport } from './lib/train-report';

const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(argv: string[]): Promise<number> {
  const options = parseTrainArgs(argv);
  const backend = await startCliBackend(options.backend, log);

  const source = openModelSource(options.model, options.revision);
  const model = await loadModel(source, { seed: options.train.seed ?? 42 });
  try {
    const base = options.out ? await readBaseCheckpoint(source, cliBaseModelRef(options)) : null;
    const data = await prepareData(model, source, { ...options, seed: options.train.seed ?? 42 });
    // Every run is checked before the first one trains, so a bad rank does not end a sweep half-way.
    const jobs = runsOf(options, model).map((run) => ({ ...run, settings: runSettings(options, model, run.method), adapterSettings: methodSettings(model, data, run) }));
    log(`model: ${options.model} (${model.family.displayName}, ${model.parameterCount().toLocaleString('en-US')} parameters)`);
    if (options.sweep) log(`sweep: ${jobs.length} runs (${jobs.map((j) => `${j.method} r${j.rank}`).join(', ')})`);
    const rows: SweepRow[] = [];
    for (const [i, job] of jobs.entries()) {
      if (options.sweep) log(`\nrun ${i + 1} of ${jobs.length}: ${job.method}, rank ${job.rank}`);
      checkMemory(model, job.adapterSettings, job.settings, data, options);
      const adapter = getAdapterMethod(job.method).create(model, job.adapterSettings, job.settings.seed);
      try {
        const report = await train(model, adapter, data, job.settings, options);
        if (options.out && base) {
          const dir = options.sweep ? path.join(options.out, `${job.method}-r${job.rank}`) : options.out;
          if (options.bundle === 'pytorch') await saveBundle(model, adapter, base, options, job.settings, data, dir);
          else await saveAdapter(model, adapter, base, options, dir);
        }
        rows.push(sweepRow(report, adapter.settings, job.settings.seed));
        // The dataset summary (counts, blank and identical images) goes with the results.
        const { method, ...rest } = { ...report, dataset: data.dataset };
        printReport(options.sweep ? { method, rank: job.rank, ...rest } : { method, ...rest }, options.json);
      } finally {
        adapter.dispose();
      }
      // Written after every run, so a sweep stopped half-way keeps the rows it made.
      if (options.csv) await writeCsv(options.csv, rows);
    }
  } finally {
    model.dispose();
  }
  return 0;
}

/** The memory planner before a run: its estimate on stderr, or the refusal (with what would fit), exit 2. */
function checkMemory(model: Model, settings: AdapterSettings, train: TrainSettings, data: PreparedData, options: TrainCliOptions): void {
  const trainable = getAdapterMethod(settings.method).countTrainable(model, settings);
  const seqLength = data.train.kind === 'tokens' ? paddedLength(data.train.sequences) : 0;
  const shape = { batchSize: train.batchSize, seqLength, gradientAccumulation: train.gradientAccumulation, checkpointing: train.checkpointing ?? false };
  const budget = memoryBudget(options.memoryBudgetMB === undefined ? undefined : options.memoryBudgetMB * 1e6);
  const verdict = checkRunMemory(model, settings, trainable, shape, budget);
  if (!verdict.fits) throw new MemoryPlanError(verdict.refusal ?? verdict.summary);
  log(`memory: ${verdict.summary}`);
}

interface CliRun {
  method: AdapterMethodName;
  /** The rank swept to (null outside a sweep). */
  rank: number | null;
  options: Partial<AdapterSettings>;
}

/** The one run of the command line, or a sweep's runs: every method at every rank, α at the method's scale. */
function runsOf(options: TrainCliOptions, model: Model): CliRun[] {
  if (!options.sweep) return [{ method: options.method, rank: null, options: options.methodOptions }];
  const { ranks, methods } = options.sweep;
  const fixedAlpha = methods.map((m) => (m.options as { alpha?: number }).alpha).find((a) => a !== undefined);
  return sweepRuns(methods.map((m) => m.method), ranks, model.task, fixedAlpha).map((run) => ({
    method: run.method,
    rank: run.rank,
    options: { ...methods.find((m) => m.method === run.method)!.options, rank: run.rank, ...(run.alpha !== undefined ? { alpha: run.alpha } : {}) },
  }));
}

function runSettings(options: TrainCliOptions, model: Model, method: AdapterMethodName): TrainSettings {
  // The method's learning rate for this model's task when --lr is not given (src/engine/adapters/<method>/method.ts).
  const settings = trainSettingsWithDefaults(options.train, methodSpec(method).defaults[model.task].learningRate);
  const problems = validateTrainSettings(settings);
  const stopping = stoppingProblem(settings.patience, settings.evalEvery);
  if (stopping) problems.push(stopping.replace('evaluate-every', '--eval-every'));
  if (problems.length > 0) throw new UsageError(problems.join('; '));
  return settings;
}

function methodSettings(model: Model, data: PreparedData, run: CliRun): AdapterSettings {
  const { method, settings, problems } = resolveAdapterSettings(model, { ...run.options, method: run.method, labels: data.labels });
  const at = run.rank === null ? '' : ` at rank ${run.rank}`;
  if (problems.length > 0) throw new UsageError(`${method.displayName}${at}: ${problems.join('; ')}`);
  return settings;
}

/** A run's CSV row (src/engine/train/sweep.ts names the columns). */
function sweepRow(report: TrainReport, settings: AdapterSettings, seed: number): SweepRow {
  const values = settings as unknown as { rank?: number; alpha?: number };
  const metricOf = (e: TrainReport['final_eval']) => (e === null ? null : 'accuracy' in e ? e.accuracy : e.perplexity);
  return {
    method: report.method,
    rank: values.rank ?? null,
    alpha: values.alpha ?? null,
    trainable_parameters: report.trainable_parameters,
    metric_name: report.final_eval === null ? null : 'accuracy' in report.final_eval ? 'accuracy' : 'perplexity',
    metric: metricOf(report.final_eval),
    base_metric: metricOf(report.base_eval),
    validation_loss: report.final_eval?.loss ?? null,
    steps: report.steps,
    step_ms: report.step_ms_median,
    throughput: report.throughput,
    peak_bytes: report.peak_bytes,
    seed,
  };
}

async function writeCsv(file: string, rows: SweepRow[]): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFile(file, sweepCsv(rows));
  log(`wrote ${rows.length} row${rows.length === 1 ? '' : 's'} to ${file}`);
}

async function train(
  model: Model,
  adapter: Adapter,
  data: PreparedData,
  settings: TrainSettings,
  options: TrainCliOptions,
): Promise<TrainReport> {
  const trainer = newTrainer(model, adapter, data, settings, options);
  try {
    printHeader(trainer, adapter, data, options);
    const baseEval = trainer.hasValidation ? await trainer.evaluate() : null;
    if (baseEval) log(`before: ${describeEval(baseEval)}`);
    const metrics = await runSteps(trainer);
    if (trainer.stoppedEarlyAt !== null) log(`stopped early at step ${trainer.stoppedEarlyAt}: no lower validation loss in ${settings.patience} evaluations`);
    const best = trainer.restoreBest();
    if (best) log(`kept the best checkpoint: step ${best.step} (validation loss ${best.evaluation.loss.toFixed(4)})`);
    const finalEval = trainer.hasValidation ? await trainer.evaluate() : null;
    if (finalEval) log(`after:  ${describeEval(finalEval)}`);
    const stopping = settings.patience || settings.keepBest ? { stopped_early_at: trainer.stoppedEarlyAt, best_step: trainer.bestEvaluation?.step ?? null } : {};
    return buildReport({
      method: adapter.method,
      trainableParameters: adapter.trainableParameterCount(),
      baseEval,
      finalEval,
      metrics,
      peakBytes: trainer.peakBytes,
      unit: data.train.kind === 'tokens' ? 'tokens' : 'images',
      stopping,
    });
  } finally {
    trainer.dispose();
  }
}

/** A Trainer; data that does not fit the model is reported against the data files. */
function newTrainer(model: Model, adapter: Adapter, data: PreparedData, settings: TrainSettings, options: TrainCliOptions): Trainer {
  try {
    return new Trainer({ model, adapter, train: data.train, validation: data.validation, settings });
  } catch (error) {
    throw new InputFileError([...options.data, ...options.valData].join(', '), errorMessage(error));
  }
}

async function runSteps(trainer: Trainer): Promise<StepMetrics[]> {
  const bar = new ProgressBar(process.stderr, trainer.totalSteps);
  const metrics: StepMetrics[] = [];
  try {
    while (!trainer.done) {
      const m = await trainer.step();
      metrics.push(m);
      bar.update({ step: m.step, loss: m.loss, lossIsNew: m.loss !== null });
      if (m.evaluation) log(`\nstep ${m.step}: ${describeEval(m.evaluation)}`);
    }
  } finally {
    bar.finish();
  }
  return metrics;
}

function printHeader(trainer: Trainer, adapter: Adapter, data: PreparedData, options: TrainCliOptions): void {
  const s = trainer.settings;
  const total = adapter.trainableParameterCount();
  const method = [`method: ${adapter.method}`];
  const values = adapter.settings as unknown as Record<string, unknown>;
  for (const [key, option] of Object.entries(methodSpec(adapter.method).options)) {
    const value = values[key];
    if (value === undefined || value === false) continue;
    if (option.kind === 'targets') method.push(`${option.flag} ${describeTargets(value as TargetSpec)}`);
    else method.push(value === true ? option.flag : `${option.flag} ${value === null ? 'empty' : String(value)}`);
  }
  for (const note of data.notes) log(note);
  log(`${method.join(', ')}: ${total.toLocaleString('en-US')} trainable parameters`);
  const warmup = trainer.schedule.warmupSteps;
  log(
    `training: ${trainer.totalSteps} steps of ${s.batchSize}${s.gradientAccumulation > 1 ? ` × ${s.gradientAccumulation}` : ''} samples, ` +
      `lr ${s.learningRate} (${s.schedule}, warm-up ${warmup}), AdamW betas (${s.beta1}, ${s.beta2}) eps ${s.epsilon} ` +
      `weight decay ${s.weightDecay}, clip ${s.maxGradNorm ?? 'off'}, seed ${s.seed}, loss read every ${s.lossReadbackEvery} steps`,
  );
  if (options.out) log(`adapter files → ${options.out}`);
}

function describeTargets(t: TargetSpec): string {
  if (t.kind === 'suffixes') return t.suffixes.join(',');
  return t.kind === 'regex' ? `re:${t.pattern}` : 'all-linear';
}

function describeEval(e: Evaluation): string {
  if (e.task === 'causal-lm') return `validation loss ${e.loss.toFixed(4)}, perplexity ${e.perplexity.toFixed(2)} (${e.targets} tokens)`;
  return `validation loss ${e.loss.toFixed(4)}, accuracy ${(e.accuracy * 100).toFixed(1)}% (${e.examples} images)`;
}

/** The base as Python names it: the folder as given, or the Hub id and revision. */
function cliBaseModelRef(options: TrainCliOptions): BaseModelRef {
  if (existsSync(options.model)) return { nameOrPath: options.model, revision: null, fromHub: false };
  return { nameOrPath: options.model, revision: options.revision && options.revision !== 'main' ? options.revision : null, fromHub: true };
}

/**
 * adapter_config.json + adapter_model.safetensors (every method: full
 * fine-tuning's as parameter files, which the app and this CLI load back),
 * a classifier's config.json with its label mapping, and README.md.
 */
async function saveAdapter(model: Model, adapter: Adapter, base: BaseCheckpoint, options: TrainCliOptions, dir: string): Promise<void> {
  const format = options.adapterFormat;
  const files = await runExportFiles(model, adapter, base, { runName: adapter.method, format, fullCheckpoint: false });
  await mkdir(dir, { recursive: true });
  for (const [name, bytes] of files) await writeFile(path.join(dir, name), bytes);
  log(`wrote ${[...files.keys()].join(', ')} to ${dir}${format === 'authors' ? " (WeGeFT in the authors' format)" : ''}`);
}

/**
 * The "Continue in PyTorch" bundle (src/engine/adapters/handoff/pytorch-bundle.ts): the export under
 * adapter/ (full fine-tuning as a whole checkpoint), run.json with this run's settings, train.py and
 * wegeft.py from python/, requirements.txt, accelerate_config.yaml, the data files as read, README.md.
 */
async function saveBundle(model: Model, adapter: Adapter, base: BaseCheckpoint, options: TrainCliOptions, settings: TrainSettings, data: PreparedData, dir: string): Promise<void> {
  const files = await runBundleFiles(model, adapter, base, {
    runName: adapter.method,
    format: options.adapterFormat,
    training: settings,
    seqLength: data.seqLength,
    data: {
      train: await readDataFiles(options.data),
      validation: options.valData.length > 0 ? await readDataFiles(options.valData) : [],
      validationFraction: options.valFraction,
      splitSeed: settings.seed,
    },
    python: readPythonSources(),
  });
  for (const [name, bytes] of files) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), bytes);
  }
  const dataFiles = [...files.keys()].filter((name) => name.startsWith('data/')).length;
  log(`wrote the Continue-in-PyTorch bundle to ${dir}: ${[...files.keys()].filter((name) => !name.startsWith('data/')).join(', ')}${dataFiles > 0 ? ` and ${dataFiles} data files` : ' (the data is too large: its README says to pass --data)'}`);
}

function printReport(report: object, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return;
  }
  for (const [key, value] of Object.entries(report)) process.stdout.write(`${key}: ${JSON.stringify(value)}\n`);
}

// Exit 1 when training itself failed (the loss diverged), 2 for bad usage or input.
runCli({ name: 'train', usage: USAGE, exitCode: (error) => (error instanceof NonFiniteLossError ? 1 : 2) }, main);
