/**
 * The engine side of the playground: holds the model, the dataset and the
 * runs, and answers the page's commands. It knows nothing of the worker
 * (engine.worker.ts wires it to postMessage), so tests drive it directly in
 * Node.
 */
import { loadAdapter } from '../engine/adapters/registry';
import { errorMessage, InputFileError } from '../engine/errors';
import type { FetchFunction, UrlSource } from '../engine/io/url-source';
import type { FileSource } from '../engine/io/source';
import type { TensorProgress } from '../engine/models/load';
import { loadImagePreprocessor } from '../engine/preprocess/image';
import { loadTokenizer } from '../engine/tokenizer';
import { parseDatasetFiles, readDatasetFiles, readLabelledFolder, summariseDataset, type LoadedDataset } from './dataset-host';
import type { EmitEvent } from './emitter';
import { baseModelRef, exportFileSuffix, fileStem, mergedModelZip, runBundleZip, runExportZip } from './exports';
import { PYTHON_SOURCES } from './python-sources';
import { SPLIT_SEED } from './dataset-host';
import { trainSettingsFor } from './run-session';
import type { AdapterFiles, AdapterSettings } from '../engine/adapters/types';
import { defaultModelCache, noModelCache } from '../engine/io/model-cache';
import { measureDownload } from './download-size';
import { fileSourceFor, loadModelFromSpec, summariseModel, type LoadedModel } from './model-host';
import type { BackendName, BackendPreference, BackendSoftwareFacts, MemoryEstimate, ModelSourceSpec, RunSettings, TrainingSettings, WorkerCommand, WorkerCommandOf } from './protocol';
import { checkTaskMatch, MAX_EVALUATION_EXAMPLES, RunDataCache, type ModelAssets } from './run-data';
import { importAdapterFiles, methodSettingsOf } from './imported-adapter';
import { adapterSettingsFor, runMemoryVerdict } from './run-session';
import { datasetRecordOf, FingerprintingSource, modelRecordOf } from './records';
import { DeviceFaultError, RunScheduler } from './scheduler';
import { classifyForEach, generateForEach, scoreFolderForEach, type Candidate } from './try-it';
import { analyzeRuns, clusterMapsOfRuns, InsightCache, transferablesOf, type InsightRun } from './insight';

export interface BackendInfo extends BackendSoftwareFacts {
  backend: BackendName;
  fallbackReasons: string[];
  adapterInfo: string | null;
}

export interface RuntimeOptions {
  /** Base URL of the app (bundled models are under `models/`). */
  baseUrl: string;
  /** Chooses and initialises the tfjs backend. */
  initBackend: (preference: BackendPreference) => Promise<BackendInfo>;
  fetch?: FetchFunction;
  /** How often batched metrics are posted, ms. */
  metricIntervalMs?: number;
  /** How often (wall clock of a run's training, ms) a run is checkpointed; it is also checkpointed on pause. */
  checkpointIntervalMs?: number;
  /** The memory planner's total budget, bytes, instead of what the backend offers (WASM's heap, a soft limit elsewhere). */
  memoryBudgetBytes?: number;
}

const SERIAL_COMMANDS: ReadonlySet<WorkerCommand['type']> = new Set(['setBackend', 'loadModel', 'loadDataset', 'restoreAdapter', 'startRun', 'importAdapter']);

interface ModelState extends LoadedModel {
  assets: ModelAssets;
}

export class PlaygroundRuntime {
  private current: ModelState | null = null;
  /** The insight views' cache, for the model it was made on. */
  private insight: { model: ModelState; cache: InsightCache } | null = null;
  private dataset: LoadedDataset | null = null;
  private dataCache: RunDataCache | null = null;
  private backend: Promise<BackendInfo> | null = null;
  private backendName: BackendName | null = null;
  private serial: Promise<void> = Promise.resolve();
  /** Generations in progress, for stopGeneration. */
  private readonly generations = new Set<AbortController>();
  /** Why the current backend's device can no longer be used (lost), until another backend is chosen. */
  private deviceFailure: string | null = null;
  readonly scheduler: RunScheduler;

  constructor(
    private readonly emit: EmitEvent,
    private readonly options: RuntimeOptions,
  ) {
    this.scheduler = new RunScheduler(
      emit,
      () => ({ assets: this.current?.assets ?? null, data: this.dataCache, backend: this.backendName, fault: this.deviceFailure, memoryBudgetBytes: options.memoryBudgetBytes }),
      options.metricIntervalMs,
      options.checkpointIntervalMs,
    );
  }

  /**
   * The backend's device failed under the runs: lost (a driver reset, the
   * browser reclaimed it), or out of memory. Every training or paused run
   * fails at once, saying so; a lost device takes no more runs until
   * another backend is chosen. The page keeps their metrics and checkpoints.
   */
  deviceFault(kind: 'device-lost' | 'out-of-memory', detail: string): void {
    const message = kind === 'device-lost' ? `GPU device lost (${detail || 'no reason given'})` : `out of memory on the GPU device (${detail})`;
    if (kind === 'device-lost') this.deviceFailure = message;
    this.scheduler.deviceFault(new DeviceFaultError(message));
  }

  /**
   * Handles one command; failures become `error` events, never exceptions.
   * Commands that change the model, the backend or the data, and starts
   * that depend on them, run one after another in the order they came;
   * the rest (pause, stop, counts, Try it) at once, even during a load.
   */
  handle(command: WorkerCommand): Promise<void> {
    if (!SERIAL_COMMANDS.has(command.type)) return this.handleNow(command);
    const turn = this.serial.then(() => this.handleNow(command));
    this.serial = turn;
    return turn;
  }

  private async handleNow(command: WorkerCommand): Promise<void> {
    try {
      await this.dispatch(command);
    } catch (error) {
      this.emit({
        type: 'error',
        requestId: 'requestId' in command ? command.requestId : null,
        command: command.type,
        message: errorMessage(error),
        file: error instanceof InputFileError ? error.file : null,
      });
    }
  }

  private async dispatch(command: WorkerCommand): Promise<void> {
    switch (command.type) {
      case 'setBackend':
        return this.switchBackend(command.preference, command.requestId);
      case 'loadModel':
        return this.loadModel(command.source, command.requestId);
      case 'measureDownload':
        return this.measureDownload(command);
      case 'loadDataset':
        return this.loadDataset(command);
      case 'countTrainable':
        return this.countTrainable(command);
      case 'addRun':
      case 'updateRun':
        return this.scheduler.upsert(command.run);
      case 'startRun':
        return this.startRun(command);
      case 'pauseRun':
        return this.scheduler.pause(command.runId);
      case 'stopRun':
        return this.scheduler.stop(command.runId);
      case 'removeRun':
        return this.scheduler.remove(command.runId);
      case 'setScheduleMode':
        return this.scheduler.setMode(command.mode);
      case 'generate':
        return this.generate(command);
      case 'stopGeneration':
        for (const controller of this.generations) controller.abort();
        return;
      case 'classify':
        return this.classify(command);
      case 'scoreFolder':
        return this.scoreFolder(command);
      case 'analyzeUpdates':
        return this.analyzeUpdates(command);
      case 'clusterMaps':
        return this.clusterMaps(command);
      case 'exportAdapter':
      case 'exportMerged':
        return this.export(command);
      case 'exportBundle':
        return this.exportBundle(command);
      case 'restoreAdapter':
        return this.restoreAdapter(command);
      case 'importAdapter':
        return this.importAdapter(command);
    }
  }

  /** The backend, initialised with the automatic choice on first use. */
  private ensureBackend(): Promise<BackendInfo> {
    this.backend ??= this.initialise('auto', null);
    return this.backend;
  }

  private async initialise(preference: BackendPreference, requestId: number | null): Promise<BackendInfo> {
    const info = await this.options.initBackend(preference);
    this.backendName = info.backend;
    this.emit({ type: 'backend', requestId, ...info });
    return info;
  }

  /**
   * Moves to another backend: the model is loaded again on it, and trained
   * adapters are carried over through their files. Runs that were training
   * stop (their optimizer state stays behind).
   */
  private async switchBackend(preference: BackendPreference, requestId: number): Promise<void> {
    const saved = new Map<string, AdapterFiles>();
    // A lost device answers no read-back: the page gives finished runs their saved adapters back instead.
    for (const session of this.scheduler.allSessions()) {
      if (session.adapter && !session.trainer && !this.deviceFailure) saved.set(session.id, await session.adapter.save());
    }
    await this.scheduler.releaseAll();
    const model = this.current;
    this.current?.model.dispose();
    this.current = null;
    // The reply is the last event: the backend's when there is no model, else the reloaded model's.
    this.backend = this.initialise(preference, model ? null : requestId);
    await this.backend;
    this.deviceFailure = null;
    if (!model) return;
    await this.loadModel(model.spec, requestId);
    const reloaded = this.requireModel().model;
    for (const [id, files] of saved) {
      const session = this.scheduler.session(id);
      if (session) session.adapter = loadAdapter(reloaded, files, session.spec.name);
    }
  }

  private async loadModel(spec: ModelSourceSpec, requestId: number): Promise<void> {
    await this.ensureBackend();
    const progress = (file: string, loaded: number, total: number | undefined) =>
      this.emit({ type: 'modelLoading', requestId, file, loaded, total: total ?? null });
    const seen: { source?: FingerprintingSource } = {};
    const onTensor = (p: TensorProgress) =>
      this.emit({ type: 'modelLoading', requestId, file: p.path, loaded: p.loadedBytes, total: p.totalBytes, tensor: { name: p.name, index: p.index, count: p.count } });
    const wrap = (source: FileSource) => {
      seen.source = new FingerprintingSource(source);
      return seen.source;
    };
    const loaded = await loadModelFromSpec(spec, { baseUrl: this.options.baseUrl, fetch: this.options.fetch }, progress, wrap, onTensor);
    let state: ModelState;
    let hash: string;
    const notes: string[] = [];
    try {
      state = { ...loaded, assets: await this.assetsFor(loaded, notes) };
      // After the tokenizer and preprocessing files are read: they are part of what a run trained on.
      hash = await seen.source!.fingerprint();
    } catch (error) {
      loaded.model.dispose();
      throw error;
    }
    // Runs belong to the model they were trained on.
    await this.scheduler.releaseAll();
    this.current?.model.dispose();
    this.current = state;
    this.rebuildDataCache(notes);
    const hasTokenizer = state.assets.tokenizer !== null;
    const summary = summariseModel(loaded, { hasTokenizer, notes });
    this.emit({ type: 'modelLoaded', requestId, summary, record: modelRecordOf(spec, summary, hash) });
  }

  private async measureDownload(command: WorkerCommandOf<'measureDownload'>): Promise<void> {
    const source = fileSourceFor(command.source, { baseUrl: this.options.baseUrl, fetch: this.options.fetch }) as UrlSource;
    const fetchFn = this.options.fetch ?? ((url: string, init?: RequestInit) => fetch(url, init));
    const cache = command.source.kind === 'hub' ? defaultModelCache() : noModelCache;
    const files = await measureDownload(source, { fetch: fetchFn, cache });
    this.emit({ type: 'downloadSize', requestId: command.requestId, files });
  }

  /** The tokenizer of a language model, or the preprocessing of an image classifier. */
  private async assetsFor(loaded: LoadedModel, notes: string[]): Promise<ModelAssets> {
    const { model, source } = loaded;
    const config = model.config;
    if (config.task === 'image-classification') {
      const preprocessor = await loadImagePreprocessor(source, config);
      notes.push(...preprocessor.notes.map((n) => `Preprocessing: ${n}.`));
      return { model, tokenizer: null, preprocessor };
    }
    if (!(await source.has('tokenizer.json'))) return { model, tokenizer: null, preprocessor: null };
    const tokenizer = await loadTokenizer(source, { bosTokenId: config.bosTokenId, eosTokenId: config.eosTokenId });
    return { model, tokenizer, preprocessor: null };
  }

  private rebuildDataCache(notes: string[]): void {
    this.dataCache = null;
    if (!this.current || !this.dataset) return;
    try {
      this.dataCache = new RunDataCache(this.current.assets, this.dataset);
    } catch (error) {
      notes.push(`The loaded dataset does not fit this model: ${errorMessage(error)}`);
    }
  }

  private async loadDataset(command: WorkerCommandOf<'loadDataset'>): Promise<void> {
    const files = await readDatasetFiles(command.source, this.options.fetch ?? ((url, init) => fetch(url, init)));
    const first = files.train[0]?.path ?? 'dataset';
    const name = command.source.kind === 'urls' ? command.source.name : files.train.length === 1 ? first : first.split('/')[0];
    const limit = command.evaluationLimit ?? MAX_EVALUATION_EXAMPLES;
    if (!(Number.isInteger(limit) && limit >= 1)) throw new Error(`the evaluation limit must be a whole number ≥ 1, got ${limit}`);
    // Images are shrunk to the loaded model's input as soon as they are decoded.
    const preprocessor = this.current?.assets.preprocessor;
    const loaded = parseDatasetFiles(files, name, command.validationFraction, limit, preprocessor ? { fitImage: (image) => preprocessor.fit(image) } : {});
    if (this.current) checkTaskMatch(this.current.assets, loaded);
    const summary = summariseDataset(loaded, this.current?.assets.tokenizer ?? undefined);
    const record = await datasetRecordOf(files, summary, { validationFraction: command.validationFraction, evaluationLimit: limit });
    this.dataset = loaded;
    this.dataCache = this.current ? new RunDataCache(this.current.assets, loaded) : null;
    this.emit({ type: 'datasetLoaded', requestId: command.requestId, summary, record });
  }

  private countTrainable(command: WorkerCommandOf<'countTrainable'>): void {
    const assets = this.requireModel().assets;
    const { adapterMethod, settings, problems } = adapterSettingsFor(assets, command.settings, this.dataCache?.labels());
    const count = problems.length === 0 ? adapterMethod.countTrainable(assets.model, settings) : null;
    const percent = count === null ? null : (100 * count) / assets.model.parameterCount();
    const memory = count !== null && command.training && this.dataCache ? this.memoryEstimate(settings, count, command.training) : undefined;
    this.emit({ type: 'trainableCount', requestId: command.requestId, count, percent, problems, ...(memory ? { memory } : {}) });
  }

  /** The memory planner's verdict on a run of these settings on the loaded model and dataset. */
  private memoryEstimate(settings: AdapterSettings, count: number, training: TrainingSettings): MemoryEstimate {
    const assets = this.requireModel().assets;
    const runSettings = { method: { method: settings.method }, training } as RunSettings;
    const train = this.dataCache!.forSequenceLength(training.seqLength).train;
    const verdict = runMemoryVerdict(assets.model, settings, count, trainSettingsFor(runSettings), train, this.options.memoryBudgetBytes);
    return { peakBytes: verdict.plan.peak, fits: verdict.fits, summary: verdict.summary, refusal: verdict.refusal };
  }

  /**
   * The base model and the runs asked for that have a trained adapter. A run
   * without one gets its own error output: it never keeps the base model or
   * the other runs from answering.
   */
  private candidates(runIds: string[]): { candidates: Candidate[]; missing: { runId: string; error: string }[] } {
    const candidates: Candidate[] = [{ runId: null, adapter: null }];
    const missing: { runId: string; error: string }[] = [];
    for (const id of runIds) {
      const session = this.scheduler.session(id);
      if (session?.adapter) candidates.push({ runId: id, adapter: session.adapter });
      else missing.push({ runId: id, error: `the run "${session?.spec.name ?? id}" has no trained adapter for this model in this session` });
    }
    return { candidates, missing };
  }

  private async generate(command: WorkerCommandOf<'generate'>): Promise<void> {
    const { requestId } = command;
    const { candidates, missing } = this.candidates(command.runIds);
    const controller = new AbortController();
    this.generations.add(controller);
    try {
      const outputs = await generateForEach(this.requireModel().assets, command.prompt, candidates, command.settings, {
        signal: controller.signal,
        onText: (runId, text, tokens) => this.emit({ type: 'generationText', requestId, ...(runId === null ? {} : { runId }), text, tokens }),
      });
      outputs.push(...missing.map((m) => ({ runId: m.runId, text: '', error: m.error })));
      this.emit({ type: 'generation', requestId, outputs });
    } finally {
      this.generations.delete(controller);
    }
  }

  private async classify(command: WorkerCommandOf<'classify'>): Promise<void> {
    const { candidates, missing } = this.candidates(command.runIds);
    const outputs = await classifyForEach(this.requireModel().assets, command.image, candidates, command.k);
    outputs.push(...missing.map((m) => ({ runId: m.runId, top: [], error: m.error })));
    this.emit({ type: 'classification', requestId: command.requestId, outputs });
  }

  /** Images scored per forward pass in Try it's folder scoring. */
  private static readonly SCORE_BATCH = 16;

  private async scoreFolder(command: WorkerCommandOf<'scoreFolder'>): Promise<void> {
    const { requestId } = command;
    const assets = this.requireModel().assets;
    const { preprocessor } = assets;
    if (assets.model.config.task !== 'image-classification' || !preprocessor) throw new Error('scoring a folder needs an image classifier; this model generates text');
    this.emit({ type: 'folderProgress', requestId, stage: 'reading', done: 0, total: command.files.length });
    const folder = await readLabelledFolder(command.files, (image) => preprocessor.fit(image));
    const { candidates, missing } = this.candidates(command.runIds);
    const total = candidates.length;
    this.emit({ type: 'folderProgress', requestId, stage: 'scoring', done: 0, total });
    const outputs = await scoreFolderForEach(assets, folder.dataset, candidates, PlaygroundRuntime.SCORE_BATCH, (done) =>
      this.emit({ type: 'folderProgress', requestId, stage: 'scoring', done, total }),
    );
    outputs.push(...missing.map((m) => ({ runId: m.runId, accuracy: null, correct: 0, total: 0, excluded: 0, error: m.error })));
    const { name, images, notes, dataset } = folder;
    this.emit({ type: 'folderScores', requestId, result: { name, images, scored: dataset.examples.length, labels: dataset.labels, outputs, notes } });
  }

  /** The runs asked for, each with its adapter, or why it has none. */
  private insightRuns(runIds: string[]): InsightRun[] {
    return runIds.map((id) => {
      const session = this.scheduler.session(id);
      return { runId: id, adapter: session?.adapter ?? null, missing: `the run "${session?.spec.name ?? id}" has no trained adapter for this model in this session` };
    });
  }

  /** The base model's SVDs, kept while this model is loaded. */
  private insightCache(): InsightCache {
    const current = this.requireModel();
    if (this.insight?.model !== current) this.insight = { model: current, cache: new InsightCache() };
    return this.insight.cache;
  }

  private async analyzeUpdates(command: WorkerCommandOf<'analyzeUpdates'>): Promise<void> {
    const { requestId } = command;
    const results = await analyzeRuns(this.requireModel().assets, this.insightCache(), this.insightRuns(command.runIds), (runId, done, total, module) =>
      this.emit({ type: 'analysisProgress', requestId, runId, done, total, module }),
    );
    this.emit({ type: 'updateAnalysis', requestId, results });
  }

  private async clusterMaps(command: WorkerCommandOf<'clusterMaps'>): Promise<void> {
    const results = await clusterMapsOfRuns(this.requireModel().assets, this.insightRuns(command.runIds), command.module, command.input);
    this.emit({ type: 'clusterMaps', requestId: command.requestId, results }, transferablesOf(results));
  }

  private async export(command: WorkerCommandOf<'exportAdapter' | 'exportMerged'>): Promise<void> {
    const current = this.requireModel();
    const session = this.scheduler.session(command.runId);
    if (!session?.adapter) throw new Error(`the run "${session?.spec.name ?? command.runId}" has no trained adapter in this session: train it first`);
    const stem = fileStem(session.spec.name);
    const merged = command.type === 'exportMerged';
    const ref = baseModelRef(current.spec, current.source);
    const authors = command.type === 'exportAdapter' && command.format === 'authors';
    const bytes = merged
      ? await mergedModelZip(current.model, session.adapter, current.source, ref)
      : await runExportZip(current.model, session.adapter, current.source, ref, { runName: session.spec.name, format: authors ? 'authors' : 'ours' });
    const fileName = `${stem}-${merged ? 'merged-model' : exportFileSuffix(session.adapter.method, authors)}.zip`;
    this.emit({ type: 'exportReady', requestId: command.requestId, fileName, mimeType: 'application/zip', bytes }, [bytes.buffer as ArrayBuffer]);
  }

  /** The run's bundle, with the dataset it trained on (else, for a run restored after a reload, the loaded one). */
  private async exportBundle(command: WorkerCommandOf<'exportBundle'>): Promise<void> {
    const current = this.requireModel();
    const session = this.scheduler.session(command.runId);
    if (!session?.adapter) throw new Error(`the run "${session?.spec.name ?? command.runId}" has no trained adapter in this session: train it first`);
    const dataset = session.trainedOn ?? this.dataset;
    if (!dataset?.files) throw new Error(`the bundle of "${session.spec.name}" carries the data it trained on: load that dataset first`);
    const { training } = session.spec.settings;
    const bytes = await runBundleZip(current.model, session.adapter, current.source, baseModelRef(current.spec, current.source), {
      runName: session.spec.name,
      training: trainSettingsFor(session.spec.settings),
      seqLength: current.model.config.task === 'causal-lm' ? training.seqLength : null,
      data: { ...dataset.files, validationFraction: dataset.validationFraction, splitSeed: SPLIT_SEED },
      python: PYTHON_SOURCES,
    });
    const fileName = `${fileStem(session.spec.name)}-continue-in-pytorch.zip`;
    this.emit({ type: 'exportReady', requestId: command.requestId, fileName, mimeType: 'application/zip', bytes }, [bytes.buffer as ArrayBuffer]);
  }

  /**
   * Starts a run; one that trains further from another run's adapter is given
   * a copy of that adapter's files (a paused one keeps the adapter it has).
   */
  private async startRun(command: WorkerCommandOf<'startRun'>): Promise<void> {
    const session = this.scheduler.session(command.runId);
    const fromId = session?.spec.startFrom;
    if (!session || !fromId || (session.status === 'paused' && session.trainer && !command.resume)) {
      return this.scheduler.start(command.runId, command.resume);
    }
    if (session.status === 'running' || session.status === 'queued') return;
    const from = this.scheduler.session(fromId);
    if (!from?.adapter) {
      const what = from ? `"${from.spec.name}" has no adapter for this model in this session` : `the run it starts from ("${fromId}") was removed`;
      return this.scheduler.refuseStart(command.runId, new Error(`cannot train further: ${what}`));
    }
    const starting = { files: await from.adapter.save(), from: from.spec.name };
    this.scheduler.start(command.runId, command.resume, starting);
  }

  /** An adapter from dropped files becomes a finished run on the loaded model, evaluated on the loaded data. */
  private async importAdapter(command: WorkerCommandOf<'importAdapter'>): Promise<void> {
    const { model } = this.requireModel();
    if (this.scheduler.session(command.runId)) throw new Error(`a run "${command.runId}" exists already`);
    const imported = await importAdapterFiles(model, command.files, this.dataCache, command.training.seqLength);
    const { adapter, label } = imported;
    const run = { id: command.runId, name: `${label} (imported)`, settings: { method: methodSettingsOf(adapter.settings), training: command.training } };
    this.scheduler.addFinished(run, adapter);
    const trainableParameters = adapter.trainableParameterCount();
    const percent = (100 * trainableParameters) / model.parameterCount();
    const thumbnails = imported.evaluation.classReport?.misclassified.map((m) => m.image.rgba.buffer as ArrayBuffer) ?? [];
    this.emit({ type: 'adapterImported', requestId: command.requestId, run, label, peftType: imported.peftType, trainableParameters, percent, ...imported.evaluation }, thumbnails);
    // Kept by the page like a trained run's, so a reload gives it back.
    const saved = await adapter.save();
    this.emit({ type: 'adapterSaved', runId: run.id, files: saved }, [saved.weights.buffer as ArrayBuffer]);
  }

  private restoreAdapter(command: WorkerCommandOf<'restoreAdapter'>): void {
    const session = this.scheduler.session(command.runId);
    if (!session) throw new Error(`no run "${command.runId}" in the engine`);
    if (session.trainer) return;
    const adapter = loadAdapter(this.requireModel().model, command.files, session.spec.name);
    session.adapter?.dispose();
    session.adapter = adapter;
    session.status = 'finished';
  }

  private requireModel(): ModelState {
    if (!this.current) throw new Error('load a model first');
    return this.current;
  }
}
