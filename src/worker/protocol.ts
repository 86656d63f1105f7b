/**
 * The one message protocol between the page and the engine worker.
 *
 * Commands go page → worker, events worker → page. Both carry plain,
 * structured-cloneable data only (File objects and typed arrays included; no
 * tensors, no class instances). A command that expects a reply carries a
 * `requestId`, and its reply event carries the same id.
 */
import type { AdapterSettings } from '../engine/adapters/types';
import type { TrainSettings } from '../engine/train/settings';
import type { TrainerCheckpoint } from '../engine/train/trainer';
import type { ModuleReport } from '../engine/analysis/updates';

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export type BackendPreference = 'auto' | BackendName;

/** What the backend choice found (engine/backend.ts): software rendering (absent on hardware), WASM's threads. */
export interface BackendSoftwareFacts {
  /** The software renderer the active backend runs on ("SwiftShader"): it was chosen by name, or nothing else started. */
  software?: string;
  /** Backends passed over only because they render in software here, and on what. */
  passedOverSoftware?: { backend: BackendName; renderer: string }[];
  /** On WASM: the threads its kernels use (1 unless the page is cross-origin isolated). */
  wasmThreads?: number;
  /** Whether the worker is cross-origin isolated (SharedArrayBuffer, so WASM threads, need it). */
  crossOriginIsolated?: boolean;
}

/**
 * A file the user dropped, with its path relative to what was dropped
 * (`digits/3/img.png`). The path travels beside the File because a File's
 * `webkitRelativePath` does not survive postMessage.
 */
export interface DroppedFile {
  path: string;
  file: File;
}

/** Where the model comes from. */
export type ModelSourceSpec =
  /** A model bundled with the app, served under `/models/<name>/`. */
  | { kind: 'bundled'; name: string }
  /** A Hugging Face Hub repository. */
  | { kind: 'hub'; repoId: string; revision?: string }
  /** Files the user dropped or chose (a checkpoint folder's contents). */
  | { kind: 'files'; files: DroppedFile[]; label?: string };

/**
 * Where a dataset comes from: files the user dropped, or bundled files by
 * URL. Validation files, when given, are held out as they are instead of a
 * split of the training files. A dropped text file named `*.val.*`,
 * `*.valid.*`, `*.validation.*` or `*.test.*` is taken as validation data.
 */
export type DatasetSourceSpec =
  | { kind: 'files'; files: DroppedFile[] }
  | { kind: 'urls'; name: string; urls: string[]; validationUrls: string[] };

/**
 * What a run trains: the engine's AdapterSettings as the user gave them
 * (absent options take the method's defaults for the model's task; the
 * labels come from the dataset).
 */
export type MethodSettings = Omit<AdapterSettings, 'labels'>;

export type { ScheduleName } from '../engine/train/schedule';

/** The memory planner's verdict on a run, as the page shows it before the run starts. */
export interface MemoryEstimate {
  peakBytes: number;
  fits: boolean;
  /** The estimate and its parts, against the backend's budget. */
  summary: string;
  /** Why it would be refused, with what would fit; null when it fits. */
  refusal: string | null;
}

/**
 * What a user sets of a run's training: the engine's TrainSettings fields
 * the app offers (their meaning is documented there, once), with the budget
 * as one choice of steps or epochs, and what the run session owns: when it
 * evaluates, and a language model's sequence length. run-session.ts
 * (trainSettingsFor) makes the engine's TrainSettings from these, filling
 * in the rest (AdamW's betas, clipping, loss readback) from its defaults.
 */
export type TrainingSettings = Required<Pick<TrainSettings, 'learningRate' | 'batchSize' | 'schedule' | 'warmupSteps' | 'weightDecay' | 'seed'>> &
  Pick<TrainSettings, 'patience' | 'keepBest' | 'checkpointing'> & Partial<Pick<TrainSettings, 'gradientAccumulation'>> & {
    /** Train for this many optimizer steps, or for this many epochs (TrainSettings' steps or epochs). */
    budget: { kind: 'steps'; steps: number } | { kind: 'epochs'; epochs: number };
    /** Language models: tokens per training sequence. */
    seqLength: number;
    /** Evaluate on the validation split every this many steps (0: only at the end); the session times these apart from training. */
    evalEvery: number;
  };

export interface RunSettings {
  method: MethodSettings;
  training: TrainingSettings;
}

export interface RunSpec {
  id: string;
  name: string;
  settings: RunSettings;
  /** "Train further": the run whose adapter this one starts from (a copy of it), instead of a fresh one. */
  startFrom?: string;
}

export type RunStatus = 'idle' | 'queued' | 'running' | 'paused' | 'finished' | 'stopped' | 'failed' | 'interrupted';

export type ScheduleMode = 'interleaved' | 'sequential';

/** What the user sees of a loaded model. */
export interface ModelSummary {
  /** What the user would call it: bundled name, repo id, folder name. */
  label: string;
  sourceKind: ModelSourceSpec['kind'];
  family: string;
  modelType: string;
  task: 'causal-lm' | 'image-classification';
  numLayers: number;
  hiddenSize: number;
  numHeads: number;
  parameterCount: number;
  /** Bytes of the base weights (float32). */
  memoryBytes: number;
  vocabSize: number | null;
  maxPositions: number | null;
  imageSize: number | null;
  labels: string[] | null;
  hasTokenizer: boolean;
  /** Module-name suffixes the family targets by default. */
  defaultTargets: string[];
  /** Every linear module adapters may target. */
  linearModules: { path: string; dIn: number; dOut: number; layer: number | null }[];
  /** Remarks for the user (a new head initialised, default preprocessing, ...). */
  notes: string[];
}

export type DatasetPreview =
  | { kind: 'text'; samples: string[] }
  | { kind: 'image'; items: { label: string; source: string; width: number; height: number; rgba: Uint8ClampedArray }[] };

export interface DatasetSummary {
  name: string;
  task: 'causal-lm' | 'image-classification';
  files: string[];
  examples: number;
  trainCount: number;
  validationCount: number;
  /** Image datasets: examples per label. */
  labelCounts: { label: string; count: number }[] | null;
  /** Text datasets: characters in total. */
  characters: number | null;
  /** Text datasets: tokens in total, with the loaded model's tokenizer. */
  tokens: number | null;
  preview: DatasetPreview;
  warnings: string[];
  /** What was done to the data, in words: how text was split into documents, transparency composited on white. */
  notes?: string[];
  /** What trainCount / validationCount count ("documents", "blocks of 64 tokens", ...); images when absent. */
  splitUnit?: string;
  /** How the held-out part was chosen, in words. */
  splitHow?: string;
  /** Image datasets: images that had transparency, that are blank (one colour), that copy another image. */
  imageChecks?: { transparent: number; blank: number; identical: number };
}

/**
 * Which model a run trained on: where it came from and a hash of its content
 * (config, tokenizer and preprocessing files, safetensors headers and samples
 * of the weights), so a run is matched to a model by content, not by label.
 */
export interface ModelRecord {
  source: ModelSourceSpec['kind'];
  /** Bundled name, Hub repo id or dropped folder name. */
  id: string;
  /** Hub revision (branch, tag or commit); null for other sources. */
  revision: string | null;
  /** As ModelSummary.label. */
  label: string;
  hash: string;
  task: ModelSummary['task'];
  family: string;
}

/** Which data a run trained and was validated on. */
export interface DatasetRecord {
  name: string;
  /** A hash of every file's path and bytes. */
  hash: string;
  task: DatasetSummary['task'];
  split: {
    trainCount: number;
    validationCount: number;
    /** Held-out data came as its own files (else a seeded split of validationFraction). */
    heldOutFiles: boolean;
    validationFraction: number;
    evaluationLimit: number;
  };
}

/** One training step's measurements, as the charts plot them. */
export interface MetricPoint {
  runId: string;
  step: number;
  /** Milliseconds of the run's own compute since it started (its steps only: not other runs' turns, pauses or evaluations). */
  timeMs: number;
  /** Milliseconds of wall-clock time since it started, pauses excluded (other runs' turns and evaluations included); absent in older saves. */
  wallMs?: number;
  /** Null on steps whose loss was not read back (it is read every few steps). */
  loss: number | null;
  learningRate: number;
  /** Examples (images or sequences) per second over this step. */
  examplesPerSecond: number;
  /** Tokens per second (language models), else null. */
  tokensPerSecond: number | null;
  /** tfjs's bytes (on WebGPU, the GPU's bytes in use) after the step, when its activations are gone. */
  memoryBytes: number;
  /** The step at its highest (the trainer's StepMetrics.peakBytes: activations, gradients and the optimizer's temporaries included); absent in older saves. */
  peakBytes?: number;
  numTensors: number;
  /** WebGPU: GPU buffers held (in use + pooled) after the step; absent on other backends. */
  gpuBuffers?: number;
  /** Validation metric, on steps where evaluation ran. */
  validation: EvalResult | null;
}

export type EvalResult =
  | { kind: 'lm'; loss: number; perplexity: number }
  | { kind: 'classifier'; loss: number; accuracy: number };

/**
 * Where a classifier run is right and wrong on the held-out images, with the
 * weights it finished with: src/engine/train/class-report.ts's report, and
 * thumbnails of the first misclassified images (true and predicted class indices).
 */
export interface RunClassReport {
  labels: string[];
  /** confusion[true][predicted]: held-out examples. */
  confusion: number[][];
  perClass: { label: string; total: number; correct: number; accuracy: number | null }[];
  accuracy: number;
  examples: number;
  misclassifiedCount: number;
  misclassified: { index: number; label: number; predicted: number; image: RgbaImageData }[];
}

export type FailureKind = 'non-finite-loss' | 'out-of-memory' | 'device-lost' | 'error' | 'worker-crashed';

/**
 * A run's checkpoint, as the page keeps it (IndexedDB) to resume the run
 * after a pause, a reload, a lost device or a crashed worker.
 */
export interface RunCheckpoint {
  runId: string;
  /** Steps completed when it was made. */
  step: number;
  totalSteps: number;
  /** The run's clocks at that step (see MetricPoint). */
  computeMs: number;
  wallMs: number;
  evaluationMs: number;
  /** The backend it was made on. */
  backend: BackendName | null;
  /** Date.now() when it was made. */
  savedAt: number;
  trainer: TrainerCheckpoint;
}

/** One run's update anatomy (src/engine/analysis/updates.ts), or why it has none. */
export interface RunUpdateAnalysis {
  runId: string;
  modules: ModuleReport[];
  elapsedMs: number;
  error: string | null;
}

/** What a cluster-map request draws: the paper's maps on an image (ViT), or token scores over a prompt (LM). */
export type InsightInput = { kind: 'image'; image: RgbaImageData } | { kind: 'prompt'; prompt: string };

/** One run's cluster maps of one module, drawn in the worker (opaque RGBA tiles), or why there are none. */
export type RunClusterMaps =
  | { runId: string; kind: 'image'; module: string; r: number; width: number; height: number; image: Uint8ClampedArray; before: Uint8ClampedArray[]; after: Uint8ClampedArray[]; source: string; error: null }
  | { runId: string; kind: 'prompt'; module: string; r: number; tokens: string[]; before: number[][]; after: number[][]; source: string; error: null }
  | { runId: string; kind: 'none'; module: string; error: string };

/** Settings for text generation in "Try it". */
export interface GenerationSettings {
  maxNewTokens: number;
  /** 0 = greedy. */
  temperature: number;
  topK: number;
  seed: number;
}

export interface RgbaImageData {
  width: number;
  height: number;
  rgba: Uint8ClampedArray;
}

// ---------------------------------------------------------------- commands

export type WorkerCommand =
  | { type: 'setBackend'; requestId: number; preference: BackendPreference }
  | { type: 'loadModel'; requestId: number; source: ModelSourceSpec }
  /** How much loading a Hub or bundled model would download; nothing is downloaded but a shard index. */
  | { type: 'measureDownload'; requestId: number; source: Exclude<ModelSourceSpec, { kind: 'files' }> }
  | {
      type: 'loadDataset';
      requestId: number;
      source: DatasetSourceSpec;
      validationFraction: number;
      /** Held-out images (or token sequences) evaluated at most; default 256. */
      evaluationLimit?: number;
    }
  /** With `training`, the reply also has the memory planner's estimate for the run on the loaded dataset. */
  | { type: 'countTrainable'; requestId: number; settings: MethodSettings; training?: TrainingSettings }
  | { type: 'addRun'; run: RunSpec }
  | { type: 'updateRun'; run: RunSpec }
  /** Starts a run; with `resume`, continues it from that checkpoint (same curves, from the step it reached). */
  | { type: 'startRun'; runId: string; resume?: RunCheckpoint }
  | { type: 'pauseRun'; runId: string }
  | { type: 'stopRun'; runId: string }
  | { type: 'removeRun'; runId: string }
  | { type: 'setScheduleMode'; mode: ScheduleMode }
  /** Text for the base model and each run, one after another; each one's text so far streams as `generationText` events. */
  | { type: 'generate'; requestId: number; prompt: string; runIds: string[]; settings: GenerationSettings }
  /** Stops every generation in progress between two tokens: each answers with what it had (`stopped`). */
  | { type: 'stopGeneration' }
  | { type: 'classify'; requestId: number; image: RgbaImageData; runIds: string[]; k: number }
  /** Accuracy of the base model and each run on a labelled folder or zip (one subfolder per class); progress as folderProgress. */
  | { type: 'scoreFolder'; requestId: number; files: DroppedFile[]; runIds: string[] }
  /** The update anatomy of each run's adapter; progress as `analysisProgress` events, then `updateAnalysis`. */
  | { type: 'analyzeUpdates'; requestId: number; runIds: string[] }
  /** Cluster maps of one module for each run, on an image or a prompt; answered by `clusterMaps`. */
  | { type: 'clusterMaps'; requestId: number; runIds: string[]; module: string; input: InsightInput }
  /** A run's export; `format: 'authors'` writes WeGeFT for its authors' fork of PEFT. */
  | { type: 'exportAdapter'; requestId: number; runId: string; format?: 'ours' | 'authors' }
  | { type: 'exportMerged'; requestId: number; runId: string }
  /** A run's "Continue in PyTorch" bundle: its export, run.json, train.py (+ wegeft.py), requirements, data, README. */
  | { type: 'exportBundle'; requestId: number; runId: string }
  /** Gives a run back the adapter it finished with (saved by the page before a reload). */
  | { type: 'restoreAdapter'; runId: string; files: AdapterFileData }
  /**
   * An adapter made elsewhere (PEFT in Python, an export): a dropped folder's files or one .zip. It becomes
   * the finished run `runId` on the loaded model (evaluated on the loaded dataset's held-out split, if any);
   * answered by `adapterImported`, then `adapterSaved` (its files for a reload).
   */
  | { type: 'importAdapter'; requestId: number; runId: string; files: DroppedFile[]; training: TrainingSettings };

/** A file a model load would read: its size (null: the server did not say) and whether the model cache has it. */
export interface DownloadFileSize {
  path: string;
  bytes: number | null;
  cached: boolean;
}

/** adapter_config.json (as an object) and adapter_model.safetensors bytes. */
export interface AdapterFileData {
  config: Record<string, unknown>;
  weights: Uint8Array;
}

// ---------------------------------------------------------------- events

export interface GenerationOutput {
  /** null: the base model. */
  runId: string | null;
  text: string;
  error: string | null;
  /** Stopped by stopGeneration: `text` is what it had (empty when it had not started). */
  stopped?: boolean;
}

/** One candidate's accuracy on a labelled folder, or why it has none. */
export interface FolderScore {
  runId: string | null;
  /** correct / total over the images whose label is one of this candidate's classes; null when there are none. */
  accuracy: number | null;
  correct: number;
  total: number;
  /** Images left out because their label is not one of this candidate's classes (an adapter's head may name others). */
  excluded: number;
  error: string | null;
}

export interface ClassificationOutput {
  runId: string | null;
  top: { label: string; index: number; probability: number }[];
  error: string | null;
}

/** A labelled folder scored in Try it: what was read, and each candidate's accuracy on it. */
export interface FolderScores {
  /** The folder's (or zip's) name. */
  name: string;
  /** Images read, and of those scored (at most MAX_SCORED_IMAGES). */
  images: number;
  scored: number;
  labels: string[];
  outputs: FolderScore[];
  notes: string[];
}

export type WorkerEvent =
  | ({ type: 'backend'; requestId: number | null; backend: BackendName; fallbackReasons: string[]; adapterInfo: string | null } & BackendSoftwareFacts)
  /** Bytes of `file` so far; with `tensor` when the weights are read tensor by tensor (loaded/total then count the tensors' bytes). */
  | { type: 'modelLoading'; requestId: number; file: string; loaded: number; total: number | null; tensor?: { name: string; index: number; count: number } }
  | { type: 'modelLoaded'; requestId: number; summary: ModelSummary; record: ModelRecord }
  | { type: 'downloadSize'; requestId: number; files: DownloadFileSize[] }
  | { type: 'datasetLoaded'; requestId: number; summary: DatasetSummary; record: DatasetRecord }
  | {
      type: 'trainableCount';
      requestId: number;
      count: number | null;
      /** Of the base model's parameters, in percent. */
      percent: number | null;
      problems: string[];
      /** The memory planner's estimate (asked with `training`, a dataset loaded); absent otherwise. */
      memory?: MemoryEstimate;
    }
  | { type: 'runStatus'; runId: string; status: RunStatus; message: string | null }
  /**
   * After every step. elapsedMs: wall clock since the run started, pauses
   * excluded; computeMs: the run's own compute; etaMs: from measured wall time
   * per step after the first (so it includes waiting for other runs), null
   * until two steps are measured.
   */
  | { type: 'runProgress'; runId: string; step: number; totalSteps: number; epoch: number; elapsedMs: number; etaMs: number | null; computeMs?: number }
  /** A checkpoint to keep (at a cadence, and on pause); transferred, not copied. */
  | { type: 'runCheckpoint'; checkpoint: RunCheckpoint }
  /** Something the user should know about a run that is not a failure (a diverging loss, a warm-up longer than the run). */
  | { type: 'runWarning'; runId: string; step: number; message: string }
  | { type: 'runMetrics'; points: MetricPoint[] }
  /** The validation metric before the first step (the base model's, but for a new head), on the same held-out data. */
  | { type: 'runBaseEval'; runId: string; evaluation: EvalResult }
  /** A classifier run's per-class results on the held-out images, with thumbnails of some it got wrong (at its end). */
  | { type: 'runClassReport'; runId: string; report: RunClassReport }
  /** `message`: how it ended when not simply at its last step (stopped early, the best checkpoint kept). */
  | { type: 'runFinished'; runId: string; finalEval: EvalResult | null; trainableParameters: number; message?: string | null }
  /**
   * An imported adapter is the finished run `run` (its method settings read from adapter_config.json).
   * `label`: the folder's or zip's name; `notEvaluated`: why finalEval is null.
   */
  | {
      type: 'adapterImported';
      requestId: number;
      run: RunSpec;
      label: string;
      peftType: string;
      trainableParameters: number;
      percent: number;
      finalEval: EvalResult | null;
      baseEval: EvalResult | null;
      classReport: RunClassReport | null;
      notEvaluated: string | null;
    }
  /** A finished run's adapter files, for the page to keep across a reload. */
  | { type: 'adapterSaved'; runId: string; files: AdapterFileData }
  | { type: 'runFailed'; runId: string; kind: FailureKind; message: string; suggestedBackend: BackendName | null }
  /** A generate request's progress: one candidate's new text so far, after each token (no runId: the base model's). */
  | { type: 'generationText'; requestId: number; runId?: string; text: string; tokens: number }
  | { type: 'generation'; requestId: number; outputs: GenerationOutput[] }
  | { type: 'classification'; requestId: number; outputs: ClassificationOutput[] }
  | { type: 'folderProgress'; requestId: number; stage: 'reading' | 'scoring'; done: number; total: number }
  | { type: 'folderScores'; requestId: number; result: FolderScores }
  | { type: 'analysisProgress'; requestId: number; runId: string; done: number; total: number; module: string }
  | { type: 'updateAnalysis'; requestId: number; results: RunUpdateAnalysis[] }
  | { type: 'clusterMaps'; requestId: number; results: RunClusterMaps[] }
  | { type: 'exportReady'; requestId: number; fileName: string; mimeType: string; bytes: Uint8Array }
  | {
      type: 'error';
      requestId: number | null;
      /** The command that failed. */
      command: WorkerCommand['type'] | null;
      message: string;
      /** The file concerned, when the error is about one (InputFileError). */
      file: string | null;
    };

export type WorkerEventOf<T extends WorkerEvent['type']> = Extract<WorkerEvent, { type: T }>;
export type WorkerCommandOf<T extends WorkerCommand['type']> = Extract<WorkerCommand, { type: T }>;
