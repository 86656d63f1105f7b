import { describe, expect, it } from 'vitest';
import { metricsCsv, reportJson } from '../../src/ui/report';
import { createPlaygroundStore } from '../../src/ui/store';
import { selectRunList } from '../../src/ui/store/selectors';
import { formForMethod } from '../../src/ui/schemas/run-form';
import type { MetricPoint } from '../../src/worker/protocol';

function setup() {
  const store = createPlaygroundStore();
  const id = store.getState().addRun(formForMethod('lora'));
  store.getState().renameRun(id, 'LoRA, "fast"');
  const points: MetricPoint[] = [
    { runId: id, step: 1, timeMs: 10, loss: 2.5, learningRate: 0.01, examplesPerSecond: 4, tokensPerSecond: 64, memoryBytes: 100, numTensors: 7, validation: null },
    { runId: id, step: 2, timeMs: 20, loss: null, learningRate: 0.005, examplesPerSecond: 4, tokensPerSecond: 64, memoryBytes: 100, numTensors: 7, validation: { kind: 'lm', loss: 2, perplexity: 7.5 } },
  ];
  return { runs: selectRunList(store.getState()), metrics: { [id]: points }, id };
}

describe('run report', () => {
  it('CSV: one row per run and step, quoted where needed, empty cells for unknown values', () => {
    const { runs, metrics } = setup();
    const lines = metricsCsv(runs, metrics).trimEnd().split('\r\n');
    expect(lines[0]).toBe('run,method,step,time_ms,loss,learning_rate,examples_per_s,tokens_per_s,memory_bytes,num_tensors,val_loss,val_metric');
    expect(lines[1]).toBe('"LoRA, ""fast""",LoRA r16 α32,1,10,2.5,0.01,4,64,100,7,,');
    expect(lines[2]).toBe('"LoRA, ""fast""",LoRA r16 α32,2,20,,0.005,4,64,100,7,2,7.5');
    expect(lines).toHaveLength(3);
  });

  it('JSON: settings, summary and metrics of every run, and where it ran', () => {
    const { runs, metrics, id } = setup();
    const report = JSON.parse(reportJson({ model: null, datasetName: 'sotu', backend: 'webgpu', runs, metrics, createdAt: new Date('2025-01-02T03:04:05Z') }));
    expect(report).toMatchObject({ app: 'WeGeFT Playground', createdAt: '2025-01-02T03:04:05.000Z', backend: 'webgpu', dataset: 'sotu' });
    expect(report.runs[0]).toMatchObject({ id, settings: { method: { method: 'lora', rank: 16 } }, summary: { firstLoss: 2.5, lastLoss: 2.5 } });
    expect(report.runs[0].metrics).toHaveLength(2);
  });
});

describe('the report says what each run trained on', () => {
  it('each run carries its own model and dataset record, not the model loaded when the report is made', () => {
    const store = createPlaygroundStore();
    const id = store.getState().addRun(formForMethod('wegeft'));
    const model = { source: 'bundled' as const, id: 'gpt2-tiny', revision: null, label: 'gpt2-tiny', hash: 'sha256:aa', task: 'causal-lm' as const, family: 'GPT-2' };
    const dataset = { name: 'sotu.txt', hash: 'sha256:bb', task: 'causal-lm' as const, split: { trainCount: 65, validationCount: 13, heldOutFiles: true, validationFraction: 0.1, evaluationLimit: 256 } };
    store.getState().setRunTrainedOn(id, model, dataset);
    const untrained = store.getState().addRun(formForMethod('lora'));
    const report = JSON.parse(reportJson({ model: null, datasetName: null, backend: 'cpu', runs: selectRunList(store.getState()), metrics: {}, createdAt: new Date(0) }));
    expect(report.runs.find((r: { id: string }) => r.id === id).trainedOn).toEqual({ model, dataset });
    expect(report.runs.find((r: { id: string }) => r.id === untrained).trainedOn).toBeNull();
  });
});
