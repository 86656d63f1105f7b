/**
 * A scripted engine for the page's side: a worker double that answers the
 * protocol's commands the way PlaygroundRuntime does for what the UI relies
 * on (a load that fails keeps the previous model; a new model frees every
 * adapter; counts depend on the loaded model), with plain records instead of
 * tensors. Replies arrive asynchronously, as from a real worker.
 */
import { PlaygroundActions } from '../../../src/ui/engine/actions';
import { EngineClient, type WorkerLike } from '../../../src/ui/engine/engine-client';
import { applyEngineEvent } from '../../../src/ui/engine/engine-events';
import { createPlaygroundStore } from '../../../src/ui/store';
import type { DatasetRecord, DatasetSummary, ModelRecord, ModelSummary, WorkerCommand, WorkerEvent } from '../../../src/worker/protocol';

export function modelSummary(label: string, task: ModelSummary['task']): ModelSummary {
  return {
    label, sourceKind: 'bundled', family: task === 'causal-lm' ? 'GPT-2' : 'ViT', modelType: task === 'causal-lm' ? 'gpt2' : 'vit', task,
    numLayers: 4, hiddenSize: 128, numHeads: 4, parameterCount: 1_000_000, memoryBytes: 4_000_000,
    vocabSize: task === 'causal-lm' ? 2048 : null, maxPositions: task === 'causal-lm' ? 128 : null,
    imageSize: task === 'causal-lm' ? null : 28, labels: task === 'causal-lm' ? null : ['0', '1'],
    hasTokenizer: task === 'causal-lm', defaultTargets: ['c_attn'], linearModules: [], notes: [],
  };
}

export function modelRecord(label: string, task: ModelSummary['task'], hash = `sha256:${label}`): ModelRecord {
  return { source: 'bundled', id: label, revision: null, label, hash, task, family: task === 'causal-lm' ? 'GPT-2' : 'ViT' };
}

export function datasetSummary(name: string, task: DatasetSummary['task'], trainCount = 8, validationCount = 2): DatasetSummary {
  return {
    name, task, files: [name], examples: trainCount + validationCount, trainCount, validationCount,
    labelCounts: null, characters: 100, tokens: null, preview: { kind: 'text', samples: ['x'] }, warnings: [],
  };
}

export function datasetRecord(name: string, task: DatasetSummary['task'], trainCount = 8, validationCount = 2): DatasetRecord {
  return {
    name, hash: `sha256:${name}`, task,
    split: { trainCount, validationCount, heldOutFiles: false, validationFraction: 0.2, evaluationLimit: 256 },
  };
}

export interface FakeModel {
  summary: ModelSummary;
  record: ModelRecord;
  /** Trainable parameters any method reports on this model. */
  trainable: number;
}

/** Models by bundled name or repo id; anything else fails to load, as a 404 would. */
export class FakeEngineWorker implements WorkerLike {
  readonly sent: WorkerCommand[] = [];
  current: FakeModel | null = null;
  /** Runs whose adapter the engine holds for the current model. */
  readonly adapters = new Set<string>();
  private listener: ((e: MessageEvent<WorkerEvent>) => void) | null = null;

  constructor(private readonly models: Record<string, FakeModel>) {}

  addEventListener(type: 'message' | 'error', listener: (event: never) => void): void {
    if (type === 'message') this.listener = listener as (e: MessageEvent<WorkerEvent>) => void;
  }

  terminate(): void {}

  emit(event: WorkerEvent): void {
    this.listener?.({ data: event } as MessageEvent<WorkerEvent>);
  }

  postMessage(command: WorkerCommand): void {
    this.sent.push(command);
    queueMicrotask(() => this.answer(command));
  }

  private answer(command: WorkerCommand): void {
    const fail = (requestId: number, message: string) => this.emit({ type: 'error', requestId, command: command.type, message, file: null });
    switch (command.type) {
      case 'loadModel': {
        const key = command.source.kind === 'bundled' ? command.source.name : command.source.kind === 'hub' ? command.source.repoId : '';
        const model = this.models[key];
        if (!model) return fail(command.requestId, `https://huggingface.co/${key}/resolve/main/config.json: file not found (HTTP 404)`);
        this.current = model;
        this.adapters.clear();
        return this.emit({ type: 'modelLoaded', requestId: command.requestId, summary: model.summary, record: model.record });
      }
      case 'countTrainable':
        if (!this.current) return fail(command.requestId, 'load a model first');
        return this.emit({ type: 'trainableCount', requestId: command.requestId, count: this.current.trainable, percent: 1, problems: [] });
      case 'startRun':
        this.adapters.add(command.runId);
        this.emit({ type: 'runStatus', runId: command.runId, status: 'running', message: null });
        return this.emit({ type: 'runFinished', runId: command.runId, finalEval: null, trainableParameters: this.current?.trainable ?? 0 });
      case 'restoreAdapter':
        this.adapters.add(command.runId);
        return;
      case 'importAdapter': {
        // As the runtime: onto the loaded model, named after the dropped folder; a folder without the config is refused.
        if (!this.current) return fail(command.requestId, 'load a model first');
        const folder = command.files[0]?.path.split('/')[0] ?? 'adapter';
        if (!command.files.some((f) => f.path.endsWith('adapter_config.json'))) return fail(command.requestId, `${folder}: is not an adapter: no adapter_config.json in it`);
        this.adapters.add(command.runId);
        const method = { method: 'lora' as const, rank: 4, alpha: 8, targets: { kind: 'suffixes' as const, suffixes: ['c_attn'] } };
        return this.emit({
          type: 'adapterImported', requestId: command.requestId, label: folder, peftType: 'LORA', trainableParameters: 4096, percent: 0.4,
          run: { id: command.runId, name: `${folder} (imported)`, settings: { method, training: command.training } },
          finalEval: null, baseEval: null, classReport: null, notEvaluated: 'not evaluated: no dataset was loaded when it was imported',
        });
      }
      case 'measureDownload':
        return this.emit({ type: 'downloadSize', requestId: command.requestId, files: [{ path: 'config.json', bytes: 700, cached: false }] });
      case 'setBackend':
        return this.emit({ type: 'backend', requestId: command.requestId, backend: 'cpu', fallbackReasons: [], adapterInfo: null });
      default:
        return;
    }
  }
}

/** A store, its actions and the fake engine behind them. */
export function fakePlayground(models: Record<string, FakeModel>) {
  const store = createPlaygroundStore();
  const worker = new FakeEngineWorker(models);
  const client = new EngineClient(worker, (event) => applyEngineEvent(store, event), () => {});
  const actions = new PlaygroundActions(store, client);
  return { store, worker, actions };
}

/** Lets queued replies (and the store updates they cause) arrive. */
export const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
