/**
 * The playground's state: plain data only (no tensors, no engine objects),
 * so it can be persisted, shared and replayed.
 */
import type {
  BackendName,
  BackendPreference,
  DatasetSummary,
  EvalResult,
  FailureKind,
  MetricPoint,
  ModelSummary,
  RunStatus,
  ScheduleMode,
} from '../../worker/protocol';
import type { RunForm } from '../schemas/run-form';
import type { SharedModel } from '../schemas/share-url';

/** What the model panel shows about where the model came from, and how loading goes. */
export interface ModelState {
  status: 'idle' | 'loading' | 'ready' | 'error';
  /** A bundled or hub model can be reloaded after a page reload; dropped files cannot. */
  source: SharedModel | { kind: 'files'; label: string } | null;
  summary: ModelSummary | null;
  progress: { file: string; loaded: number; total: number | null } | null;
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
}

export interface RunProgress {
  step: number;
  totalSteps: number;
  epoch: number;
  elapsedMs: number;
  etaMs: number | null;
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
  failure: RunFailure | null;
  /** The model the run was trained on, by label. */
  modelLabel: string | null;
  createdAt: number;
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
}

export type Theme = 'light' | 'dark';
export type { MetricPoint, RunStatus, ScheduleMode };
