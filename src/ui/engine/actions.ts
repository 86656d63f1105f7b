/**
 * What the panels ask for: each action updates the store, talks to the
 * worker through the EngineClient, and keeps what the user set up when
 * something fails.
 */
import type {
  InsightInput,
  RunClusterMaps,
  RunUpdateAnalysis,
  BackendPreference,
  ClassificationOutput,
  DatasetSourceSpec,
  DroppedFile,
  FolderScores,
  GenerationOutput,
  GenerationSettings,
  ModelSourceSpec,
  RgbaImageData,
  RunCheckpoint,
  WorkerEvent,
  WorkerEventOf,
} from '../../worker/protocol';
import { toRunSettings, validateRunForm, type RunForm } from '../schemas/run-form';
import type { PlaygroundStore } from '../store';
import {
  loadAdapterFiles,
  loadCheckpoint,
  saveAdapterFiles,
  saveCheckpoint,
  saveFiles,
  storageProblem,
  type PlaygroundDatabase,
  type StoredFiles,
} from '../store/persistence';
import { importBlocker, resumeBlocker, startBlocker } from '../store/run-start';
import { formFromMethodSettings } from '../schemas/imported-form';
import { appliesToCurrentModel, sameModel } from '../store/run-origin';
import type { RunRecord, TrainableCount } from '../store/types';
import type { SharedModelPrompt } from '../store/ui-slice';
import type { SharedModel } from '../schemas/share-url';
import { downloadBytes } from './download';
import { labelOfDropped } from './dropped-files';
import { EngineRequestError, type EngineClient } from './engine-client';

/** Above this, a dropped file is only read after the user confirms. */
export const LARGE_FILE_BYTES = 200 * 1024 * 1024;
/** Dropped files up to this size are kept in IndexedDB for a reload. */
const KEEP_FILES_BYTES = 256 * 1024 * 1024;

export class PlaygroundActions {
  private pendingLargeDataset: DroppedFile[] | null = null;

  private db: PlaygroundDatabase | null = null;
  /**
   * Each unfinished run's last checkpoint, also in memory: without IndexedDB
   * (a private window, a full disk) runs still resume after a pause, a lost
   * device or a crashed worker, just not after a reload.
   */
  private readonly checkpoints = new Map<string, RunCheckpoint>();
  private storageWarned = false;

  constructor(
    private readonly store: PlaygroundStore,
    private client: EngineClient,
  ) {}

  /** The model and dataset the engine holds, as they were sent: a new engine worker is given them again. */
  private lastModel: ModelSourceSpec | null = null;
  private lastDataset: DatasetSourceSpec | null = null;

  /**
   * Talks to a new engine worker from now on (the previous one died) and
   * gives it what the old one held: the backend, the runs, the model, the
   * dataset, finished runs' adapters. Runs it was training resume from
   * their checkpoints when the user asks.
   */
  async reconnect(client: EngineClient): Promise<void> {
    this.client = client;
    this.state.forgetAdapters();
    await this.setBackend(this.state.backend.preference);
    this.syncAllRuns();
    const model = this.lastModel;
    const dataset = this.lastDataset;
    if (model && (await this.loadModel(model)) && dataset) await this.requestDataset(dataset);
  }

  /** Where dropped files are kept for a reload, once IndexedDB is open. */
  useDatabase(db: PlaygroundDatabase | null): void {
    this.db = db;
  }

  private get state() {
    return this.store.getState();
  }

  async setBackend(preference: BackendPreference): Promise<void> {
    this.state.setBackendPreference(preference);
    // The engine carries finished and stopped runs' adapters to the new backend; training and paused ones stop without theirs.
    const training = this.state.runOrder.filter((id) => ['running', 'queued', 'paused'].includes(this.state.runs[id].status));
    await this.client.request({ type: 'setBackend', preference }).catch((e) => this.state.notify('error', (e as Error).message));
    for (const id of training) this.state.setAdapterHeld(id, false);
  }

  async loadModel(spec: ModelSourceSpec): Promise<boolean> {
    const source = spec.kind === 'files' ? { kind: 'files' as const, label: spec.label ?? labelOfDropped(spec.files) } : spec;
    this.state.modelLoading(source);
    try {
      await this.client.request({ type: 'loadModel', source: spec });
    } catch (error) {
      // The engine still holds the previous model, its data and runs: the store says so too.
      this.state.modelFailed((error as Error).message);
      return false;
    }
    this.lastModel = spec;
    // A new model: the engine freed every run's adapter.
    this.state.forgetAdapters();
    if (spec.kind === 'files') await this.keepFiles('model', spec.label ?? labelOfDropped(spec.files), spec.files);
    else await this.keepFiles('model', '', null);
    await this.restoreAdapters();
    this.refreshAllTrainableCounts();
    return true;
  }

  /**
   * A share link names a Hub model: nothing is downloaded until the user
   * agrees, after seeing the repo and how much it would download.
   */
  async askToLoadSharedModel(model: Extract<SharedModel, { kind: 'hub' }>): Promise<void> {
    this.state.setSharedModelPrompt({ model, files: null, error: null });
    let update: Pick<SharedModelPrompt, 'files' | 'error'>;
    try {
      const reply = (await this.client.request({ type: 'measureDownload', source: model })) as WorkerEventOf<'downloadSize'>;
      update = { files: reply.files, error: null };
    } catch (error) {
      update = { files: null, error: (error as Error).message };
    }
    const prompt = this.state.sharedModelPrompt;
    // The user may have answered before the size came.
    if (prompt?.model === model) this.state.setSharedModelPrompt({ ...prompt, ...update });
  }

  /** The user's answer to the share link's model. */
  async answerSharedModel(load: boolean): Promise<void> {
    const prompt = this.state.sharedModelPrompt;
    this.state.setSharedModelPrompt(null);
    if (prompt && load) await this.loadModel(prompt.model);
  }

  /** Loads dropped or chosen dataset files; very large files wait for confirmLargeDataset(). */
  async loadDataset(files: DroppedFile[]): Promise<boolean> {
    const large = files.filter((f) => f.file.size > LARGE_FILE_BYTES);
    if (large.length > 0) {
      this.pendingLargeDataset = files;
      this.state.datasetNeedsConfirmation(large.map((f) => ({ name: f.path, bytes: f.file.size })));
      return false;
    }
    return this.readDataset(files);
  }

  private async readDataset(files: DroppedFile[]): Promise<boolean> {
    this.state.datasetLoading(files.map((f) => f.path));
    const loaded = await this.requestDataset({ kind: 'files', files });
    if (loaded) await this.keepFiles('dataset', labelOfDropped(files), files);
    return loaded;
  }

  async confirmLargeDataset(proceed: boolean): Promise<void> {
    const files = this.pendingLargeDataset;
    this.pendingLargeDataset = null;
    this.state.datasetNeedsConfirmation([]);
    if (proceed && files) await this.readDataset(files);
  }

  /** A bundled dataset, by the URLs of its files (and of its held-out files). */
  async loadBundledDataset(name: string, urls: string[], validationUrls: string[]): Promise<boolean> {
    this.state.datasetLoading([...urls, ...validationUrls].map((u) => u.split('/').pop() ?? u));
    return this.requestDataset({ kind: 'urls', name, urls, validationUrls });
  }

  private async requestDataset(source: DatasetSourceSpec): Promise<boolean> {
    try {
      const { validationFraction, evaluationLimit } = this.state.data;
      await this.client.request({ type: 'loadDataset', source, validationFraction, evaluationLimit });
      this.lastDataset = source;
      // A classifier's head follows the dataset's labels, which can change the counts.
      this.refreshAllTrainableCounts();
      return true;
    } catch (error) {
      const file = (error instanceof EngineRequestError ? error.file : null) ?? describeSource(source);
      // The panel shows the file's name beside the problem; the engine's message starts with it too.
      const message = (error as Error).message;
      const problem = message.startsWith(`${file}: `) ? message.slice(file.length + 2) : message;
      this.state.datasetFailed([{ file, problem }]);
      return false;
    }
  }

  addRun(form: RunForm): string {
    const id = this.state.addRun(form);
    this.syncRun(this.state.runs[id]);
    void this.refreshTrainableCount(id);
    return id;
  }

  updateRun(id: string, form: RunForm): void {
    this.state.updateRunForm(id, form);
    this.client.send({ type: 'updateRun', run: this.specOf(this.state.runs[id]) });
    void this.refreshTrainableCount(id);
  }

  /** Tells the worker about every run in the store (after a reload). */
  syncAllRuns(): void {
    for (const id of this.state.runOrder) this.syncRun(this.state.runs[id]);
  }

  startRun(id: string): void {
    const run = this.state.runs[id];
    if (run.imported) {
      this.state.notify('info', `${run.name}: an imported adapter is not trained here; "Train further" adds a run that starts from it.`);
      return;
    }
    const problems = Object.values(validateRunForm(run.form));
    if (problems.length > 0) {
      this.state.notify('error', `${run.name}: ${problems.join('; ')}`);
      return;
    }
    // The panel disables Start with this reason; a start from elsewhere (Start all, a test) gets it too.
    // While a model or data loads, the engine would start on the one being loaded, not the one the run would record.
    const blocker = startBlocker(this.state);
    if (blocker) {
      this.state.notify('info', `${run.name}: ${blocker}`);
      return;
    }
    if (run.status !== 'paused') {
      this.forgetCheckpoint(id);
      this.state.resetRunResults(id);
      this.state.setRunTrainedOn(id, this.state.model.record, this.state.data.record);
      // Trained on another model before: its count was that model's.
      void this.refreshTrainableCount(id);
      if (this.db) void saveAdapterFiles(this.db, id, null).catch(() => undefined);
    }
    this.state.setRunStatus(id, 'queued', null);
    this.client.send({ type: 'updateRun', run: this.specOf(run) });
    this.client.send({ type: 'startRun', runId: id });
  }

  /**
   * Continues a run from its last checkpoint (after a reload, a lost device,
   * a crashed worker): the same curves, from the step it reached.
   */
  async resumeRun(id: string): Promise<void> {
    const run = this.state.runs[id];
    if (!run) return;
    const blocker = resumeBlocker(this.state, run);
    if (blocker) {
      this.state.notify('info', `${run.name}: ${blocker}`);
      return;
    }
    const checkpoint = this.checkpoints.get(id) ?? (this.db ? await loadCheckpoint(this.db, id).catch(() => undefined) : undefined);
    if (!checkpoint) {
      this.state.setRunCheckpoint(id, null);
      this.state.notify('warning', `${run.name}: its checkpoint is gone (the browser's storage was cleared?): start it again.`);
      return;
    }
    this.state.setRunStatus(id, 'queued', `Resuming from step ${checkpoint.step}…`);
    this.client.send({ type: 'updateRun', run: this.specOf(run) });
    this.client.send({ type: 'startRun', runId: id, resume: checkpoint });
  }

  pauseRun(id: string): void {
    this.client.send({ type: 'pauseRun', runId: id });
  }

  stopRun(id: string): void {
    this.client.send({ type: 'stopRun', runId: id });
  }

  removeRun(id: string): void {
    this.client.send({ type: 'removeRun', runId: id });
    this.state.removeRun(id);
    this.forgetCheckpoint(id);
    if (this.db) void saveAdapterFiles(this.db, id, null).catch(() => undefined);
  }

  /** Side effects of engine events beyond the store: keeping finished adapters and checkpoints for a reload. */
  onEngineEvent(event: WorkerEvent): void {
    if (event.type === 'adapterSaved' && this.db) {
      saveAdapterFiles(this.db, event.runId, event.files).catch((error) =>
        this.state.notify('warning', `Could not keep the trained adapter for a reload: ${storageProblem(error)}`),
      );
    }
    if (event.type === 'runCheckpoint') void this.keepCheckpoint(event.checkpoint);
    if (event.type === 'runFinished') this.forgetCheckpoint(event.runId);
  }

  private async keepCheckpoint(checkpoint: RunCheckpoint): Promise<void> {
    const id = checkpoint.runId;
    if (!this.state.runs[id]) return;
    this.checkpoints.set(id, checkpoint);
    const info = { step: checkpoint.step, totalSteps: checkpoint.totalSteps, savedAt: checkpoint.savedAt, backend: checkpoint.backend };
    let persisted = false;
    if (this.db) {
      try {
        await saveCheckpoint(this.db, id, checkpoint);
        persisted = true;
      } catch (error) {
        if (!this.storageWarned) {
          this.state.notify('warning', `Could not keep checkpoints for a reload (${storageProblem(error)}): runs can still be resumed until the page is reloaded.`);
        }
        this.storageWarned = true;
      }
    }
    // The run may have been removed or restarted while the checkpoint was written.
    if (this.checkpoints.get(id) === checkpoint) this.state.setRunCheckpoint(id, { ...info, persisted });
  }

  private forgetCheckpoint(id: string): void {
    this.checkpoints.delete(id);
    if (this.state.runs[id]?.checkpoint) this.state.setRunCheckpoint(id, null);
    if (this.db) void saveCheckpoint(this.db, id, null).catch(() => undefined);
  }

  /** Gives finished runs of the loaded model their saved adapters back (after a reload or a model switch). */
  async restoreAdapters(): Promise<void> {
    const model = this.state.model.record;
    if (!this.db || !model) return;
    for (const id of this.state.runOrder) {
      const run = this.state.runs[id];
      if (run.status !== 'finished' || !sameModel(run.model, model)) continue;
      const files = await loadAdapterFiles(this.db, id).catch(() => undefined);
      if (!files) continue;
      this.client.send({ type: 'restoreAdapter', runId: id, files });
      this.state.setAdapterHeld(id, true);
    }
  }

  setScheduleMode(mode: 'interleaved' | 'sequential'): void {
    this.state.setScheduleMode(mode);
    this.client.send({ type: 'setScheduleMode', mode });
  }

  /**
   * Switches backend and continues the failed run there: from its last
   * checkpoint when it has one, else from the start.
   */
  async retryOnBackend(id: string, preference: BackendPreference): Promise<void> {
    await this.setBackend(preference);
    // The engine reloaded the model on the new backend: finished runs get their saved adapters back.
    await this.restoreAdapters();
    if (this.state.runs[id]?.checkpoint) await this.resumeRun(id);
    else this.startRun(id);
  }

  /** The base model's and each run's text; `onText` gets each one's text so far as its tokens come (runId null: the base model). */
  async generate(
    prompt: string,
    runIds: string[],
    settings: GenerationSettings,
    onText?: (runId: string | null, text: string) => void,
  ): Promise<GenerationOutput[]> {
    const reply = (await this.client.request({ type: 'generate', prompt, runIds, settings }, (event) => {
      if (event.type === 'generationText') onText?.(event.runId ?? null, event.text);
    })) as WorkerEventOf<'generation'>;
    return reply.outputs;
  }

  /** Stops the generation in progress; it answers with what it had. */
  stopGeneration(): void {
    this.client.send({ type: 'stopGeneration' });
  }

  async classify(image: RgbaImageData, runIds: string[], k = 5): Promise<ClassificationOutput[]> {
    const reply = (await this.client.request({ type: 'classify', image, runIds, k })) as WorkerEventOf<'classification'>;
    return reply.outputs;
  }

  /** Accuracy of the base model and each run on a dropped labelled folder or zip; `onProgress` as it reads and scores. */
  async scoreFolder(files: DroppedFile[], runIds: string[], onProgress?: (p: WorkerEventOf<'folderProgress'>) => void): Promise<FolderScores> {
    const reply = (await this.client.request({ type: 'scoreFolder', files, runIds }, (event) => {
      if (event.type === 'folderProgress') onProgress?.(event);
    })) as WorkerEventOf<'folderScores'>;
    return reply.result;
  }

  /** Each run's update anatomy, computed in the worker; `onProgress` after each module. */
  async analyzeUpdates(runIds: string[], onProgress?: (p: WorkerEventOf<'analysisProgress'>) => void): Promise<RunUpdateAnalysis[]> {
    const reply = (await this.client.request({ type: 'analyzeUpdates', runIds }, (event) => {
      if (event.type === 'analysisProgress') onProgress?.(event);
    })) as WorkerEventOf<'updateAnalysis'>;
    return reply.results;
  }

  /** Each run's cluster maps of one module on an image or a prompt, drawn in the worker. */
  async clusterMaps(runIds: string[], module: string, input: InsightInput): Promise<RunClusterMaps[]> {
    const reply = (await this.client.request({ type: 'clusterMaps', runIds, module, input })) as WorkerEventOf<'clusterMaps'>;
    return reply.results;
  }

  /** A run's export; `format: 'authors'` is WeGeFT for its authors' fork of PEFT. */
  async exportAdapter(runId: string, format: 'ours' | 'authors' = 'ours'): Promise<void> {
    await this.download(this.client.request({ type: 'exportAdapter', runId, format }));
  }

  async exportMerged(runId: string): Promise<void> {
    await this.download(this.client.request({ type: 'exportMerged', runId }));
  }

  /** A run's "Continue in PyTorch" bundle (.zip): export, run.json, train.py, data and README. */
  async exportBundle(runId: string): Promise<void> {
    await this.download(this.client.request({ type: 'exportBundle', runId }));
  }

  private async download(reply: Promise<unknown>): Promise<void> {
    try {
      const ready = (await reply) as WorkerEventOf<'exportReady'>;
      downloadBytes(ready.fileName, ready.bytes, ready.mimeType);
    } catch (error) {
      this.state.notify('error', `Export failed: ${(error as Error).message}`);
    }
  }

  private specOf(run: RunRecord) {
    return { id: run.id, name: run.name, settings: toRunSettings(run.form), ...(run.startsFrom ? { startFrom: run.startsFrom.runId } : {}) };
  }

  /** Ids of imports sent and not answered yet (their runs are not in the store yet). */
  private readonly pendingImports = new Set<string>();

  /**
   * Imports an adapter made elsewhere (a dropped folder's files or a .zip)
   * onto the loaded model as a finished run, evaluated on the loaded
   * dataset's held-out split when there is one. Errors become a notice.
   */
  async importAdapter(files: DroppedFile[]): Promise<string | null> {
    const { model, data, draftForm } = this.state;
    const blocker = importBlocker(this.state);
    if (blocker || !model.summary) {
      this.state.notify('error', `Import failed: ${blocker ?? 'load a model first'}`);
      return null;
    }
    const runId = this.newImportId();
    this.pendingImports.add(runId);
    try {
      const training = toRunSettings(draftForm).training;
      const reply = (await this.client.request({ type: 'importAdapter', runId, files, training })) as WorkerEventOf<'adapterImported'>;
      const form = formFromMethodSettings(reply.run.settings.method, draftForm, model.summary.task);
      this.state.addImportedRun({
        id: runId,
        name: reply.run.name,
        form,
        trainable: { count: reply.trainableParameters, percent: reply.percent, problems: [] },
        finalEval: reply.finalEval,
        baseEval: reply.baseEval,
        classReport: reply.classReport,
        model: model.record,
        dataset: reply.finalEval ? data.record : null,
        imported: { label: reply.label, peftType: reply.peftType, notEvaluated: reply.notEvaluated, importedAt: Date.now() },
      });
      // The store may have renamed it (another run had the name), and its form's training settings are the engine's now.
      this.client.send({ type: 'updateRun', run: this.specOf(this.state.runs[runId]) });
      return runId;
    } catch (error) {
      this.state.notify('error', `Import failed: ${(error as Error).message}`);
      return null;
    } finally {
      this.pendingImports.delete(runId);
    }
  }

  private newImportId(): string {
    const taken = new Set([...this.state.runOrder, ...this.pendingImports]);
    for (let i = 1; ; i++) if (!taken.has(`imported-${i}`)) return `imported-${i}`;
  }

  /**
   * "Train further": a new run of the same method and settings whose adapter
   * starts from a copy of `id`'s (an imported run, typically); it starts at
   * once when a dataset is loaded. Its training settings can be changed and
   * it restarted; its method settings are the adapter's.
   */
  trainFurther(id: string): string | null {
    const from = this.state.runs[id];
    if (!from) return null;
    const newId = this.state.addRun(from.form, { name: `${from.name} trained further`, startsFrom: { runId: id, name: from.name } });
    this.syncRun(this.state.runs[newId]);
    void this.refreshTrainableCount(newId);
    this.startRun(newId);
    return newId;
  }

  private syncRun(run: RunRecord): void {
    this.client.send({ type: 'addRun', run: this.specOf(run) });
  }

  private refreshAllTrainableCounts(): void {
    for (const id of this.state.runOrder) void this.refreshTrainableCount(id);
  }

  /** The exact trainable-parameter count of a method's settings on the loaded model. */
  async countTrainable(form: RunForm): Promise<TrainableCount> {
    try {
      const settings = toRunSettings(form);
      // With the training settings, the reply also has the memory planner's estimate of the run's peak.
      const reply = (await this.client.request({ type: 'countTrainable', settings: settings.method, training: settings.training })) as WorkerEventOf<'trainableCount'>;
      return { count: reply.count, percent: reply.percent, problems: reply.problems, ...(reply.memory ? { memory: reply.memory } : {}) };
    } catch (error) {
      return { count: null, percent: null, problems: [(error as Error).message] };
    }
  }

  /**
   * Asks the engine for the exact trainable-parameter count of a run's
   * settings; a run trained on another model keeps the count it trained with.
   */
  async refreshTrainableCount(id: string): Promise<void> {
    const run = this.state.runs[id];
    // An imported run's count is its adapter's, as the engine loaded it.
    if (!run || run.imported || !this.state.model.summary || !appliesToCurrentModel(run, this.state.model.record)) return;
    const trainable = await this.countTrainable(run.form);
    // The form may have changed while the count was computed.
    if (this.state.runs[id]?.form === run.form) this.state.setRunTrainable(id, trainable);
  }

  private async keepFiles(key: 'model' | 'dataset', label: string, files: DroppedFile[] | null): Promise<void> {
    if (!this.db) return;
    try {
      const total = files?.reduce((sum, f) => sum + f.file.size, 0) ?? 0;
      const stored: StoredFiles | null =
        files && total <= KEEP_FILES_BYTES
          ? {
              label,
              files: await Promise.all(
                files.map(async (f) => ({ path: f.path, bytes: new Uint8Array(await f.file.arrayBuffer()), type: f.file.type })),
              ),
            }
          : null;
      await saveFiles(this.db, key, stored);
    } catch (error) {
      this.state.notify('warning', `Could not keep the files for a reload: ${(error as Error).message}`);
    }
  }
}

function describeSource(source: DatasetSourceSpec): string {
  return source.kind === 'files' ? source.files.map((f) => f.path).join(', ') : source.name;
}
