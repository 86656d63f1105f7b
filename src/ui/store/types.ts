/**
 * The playground's state: plain data only (no tensors, no engine objects),
 * so it can be persisted, shared and replayed.
 */
import type {
  BackendName,
  BackendPreference,
  DatasetRecord,
  DatasetSummary,
  EvalResult,
  FailureKind,
  MemoryEstimate,
  MetricPoint,
  ModelRecord,
  ModelSummary,
  RunClassReport,
  RunStatus,
  ScheduleMode,
} from '../../worker/protocol';
import type { RunForm } from '../schemas/run-form';
import type { SharedModel } from '../schemas/share-url';

export type ModelStateSource = SharedModel | { kind: 'files'; label: string };

/**
 * What the model panel shows about where the model came from, and how loading goes.
 * `source`, `summary` and `record` always describe the model the engine holds:
 * while another loads, and after that load fails, they stay the previous one's.
 */
export interface ModelState {
  /** 'ready' whenever a model is loaded, even when a later load failed (then `error` says why). */
  status: 'idle' | 'loading' | 'ready' | 'error';
  /** A bundled or hub model can be reloaded after a page reload; dropped files cannot. */
  source: ModelStateSource | null;
  summary: ModelSummary | null;
  record: ModelRecord | null;
  /** The model being loaded, while status is 'loading'. */
  pendingSource: ModelStateSource | null;
  /** `tensor` while the weights are read tensor by tensor (streamed from dropped files). */
  progress: { file: string; loaded: number; total: number | null; tensor?: { name: string; index: number; count: number } } | null;
  /** Why the last load failed. */
  error: string | null;
}

export interface FileProblem {
  file: string;
  problem: string;
}

export interface DatasetState {
  status: 'idle' | 'loading' | 'ready' | 'error';
  /** The file names being read, for the message while loading. */
  pending: string[];
  summary: DatasetSummary | null;
  /** The loaded dataset's name, hash and split, as runs record it. */
  record: DatasetRecord | null;
  /** Per-file problems from the last attempt. */
  errors: FileProblem[];
  /** Files over the size limit waiting for the user's confirmation. */
  largeFiles: { name: string; bytes: number }[];
  validationFraction: number;
  /** Held-out images (or sequences) evaluated at most. */
  evaluationLimit: number;
}

export interface TrainableCount {
  count: number | null;
  percent: number | null;
  problems: string[];
  /** The memory planner's estimate of the run's peak, when a dataset is loaded. */
  memory?: MemoryEstimate;
}

export interface RunProgress {
  step: number;
  totalSteps: number;
  epoch: number;
  /** Wall clock since the run started, pauses excluded. */
  elapsedMs: number;
  /** From measured wall time per step (other runs' turns included); null until measured. */
  etaMs: number | null;
  /** The run's own compute (its steps only); absent in older saves. */
  computeMs?: number;
}

/** Where a run's last checkpoint is (the checkpoint itself is in IndexedDB, or in memory without it). */
export interface CheckpointInfo {
  step: number;
  totalSteps: number;
  savedAt: number;
  backend: BackendName | null;
  /** Kept in IndexedDB (survives a reload), or only in this page's memory. */
  persisted: boolean;
}

export interface RunFailure {
  kind: FailureKind;
  message: string;
  suggestedBackend: BackendName | null;
}

export interface RunRecord {
  id: string;
  name: string;
  /** One colour per run, the same in every chart. */
  color: string;
  form: RunForm;
  status: RunStatus;
  statusMessage: string | null;
  progress: RunProgress | null;
  trainable: TrainableCount | null;
  finalEval: EvalResult | null;
  /** The validation metric at step 0, before any update, on the same held-out data (absent: not measured). */
  baseEval?: EvalResult | null;
  /** A classifier run's per-class results on the held-out images at its end (absent: none). */
  classReport?: RunClassReport | null;
  failure: RunFailure | null;
  /** The model the run last started training on (null: never trained; absent: saved by an older version). */
  model?: ModelRecord | null;
  /** The dataset it trained and was validated on, at that start. */
  dataset?: DatasetRecord | null;
  /** Its last checkpoint, to resume from (null or absent: none). */
  checkpoint?: CheckpointInfo | null;
  /** Warnings about the run (a warm-up longer than the run, a diverging loss), with the step they arose at. */
  warnings?: { step: number; message: string }[];
  /** An adapter made elsewhere (PEFT in Python, an export) and imported: it has no training history here. */
  imported?: ImportedAdapterInfo | null;
  /** "Train further": the run whose adapter this one starts from (a copy of it), instead of a fresh adapter. */
  startsFrom?: { runId: string; name: string } | null;
  createdAt: number;
}

export interface ImportedAdapterInfo {
  /** The dropped folder's or zip's name. */
  label: string;
  /** adapter_config.json's peft_type ("LORA", "WeGeFT", …). */
  peftType: string;
  /** Why it has no validation result (no dataset was loaded at import, …); null when evaluated. */
  notEvaluated: string | null;
  importedAt: number;
}

export interface Notice {
  id: number;
  kind: 'error' | 'warning' | 'info';
  text: string;
}

export interface BackendState {
  active: BackendName | null;
  preference: BackendPreference;
  fallbackReasons: string[];
  adapterInfo: string | null;
  /** The software renderer the active backend runs on, if any. */
  software: string | null;
  /** Backends passed over only because they render in software here. */
  passedOverSoftware: { backend: BackendName; renderer: string }[];
  /** On WASM: its threads; null elsewhere or not yet known. */
  wasmThreads: number | null;
  /** Whether the engine worker is cross-origin isolated; null until it says. */
  crossOriginIsolated: boolean | null;
}

export type Theme = 'light' | 'dark';
export type { MetricPoint, RunStatus, ScheduleMode };
