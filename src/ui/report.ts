/**
 * The run report: every run's settings, results and metrics as JSON, and the
 * metric points as CSV (one row per run and step).
 */
import type { MetricPoint, ModelSummary } from '../worker/protocol';
import { summaryRows } from './charts/series';
import { describeMethod, toRunSettings } from './schemas/run-form';
import type { RunRecord } from './store/types';

export interface ReportInput {
  model: ModelSummary | null;
  datasetName: string | null;
  backend: string | null;
  runs: RunRecord[];
  metrics: Record<string, MetricPoint[]>;
  createdAt: Date;
}

export function reportJson(input: ReportInput): string {
  const rows = summaryRows(input.runs, input.metrics, (r) => describeMethod(r.form));
  const report = {
    app: 'WeGeFT Playground',
    createdAt: input.createdAt.toISOString(),
    backend: input.backend,
    model: input.model && {
      label: input.model.label,
      family: input.model.family,
      parameters: input.model.parameterCount,
      layers: input.model.numLayers,
      hiddenSize: input.model.hiddenSize,
    },
    dataset: input.datasetName,
    runs: input.runs.map((run, i) => ({
      id: run.id,
      name: run.name,
      color: run.color,
      status: run.status,
      settings: toRunSettings(run.form),
      // What the run trained on (null: never trained); the report's top-level model is only the one loaded now.
      trainedOn: run.model ? { model: run.model, dataset: run.dataset ?? null } : null,
      trainableParameters: run.trainable?.count ?? null,
      trainablePercent: run.trainable?.percent ?? null,
      finalEval: run.finalEval,
      failure: run.failure,
      summary: rows[i],
      metrics: input.metrics[run.id] ?? [],
    })),
  };
  return JSON.stringify(report, null, 2);
}

const CSV_COLUMNS = ['run', 'method', 'step', 'time_ms', 'loss', 'learning_rate', 'examples_per_s', 'tokens_per_s', 'memory_bytes', 'num_tensors', 'val_loss', 'val_metric'] as const;

function csvCell(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function metricsCsv(runs: RunRecord[], metrics: Record<string, MetricPoint[]>): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const run of runs) {
    for (const p of metrics[run.id] ?? []) {
      const v = p.validation;
      const metric = v ? (v.kind === 'classifier' ? v.accuracy : v.perplexity) : null;
      const cells = [run.name, describeMethod(run.form), p.step, p.timeMs, p.loss, p.learningRate, p.examplesPerSecond, p.tokensPerSecond, p.memoryBytes, p.numTensors, v?.loss ?? null, metric];
      lines.push(cells.map(csvCell).join(','));
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}
