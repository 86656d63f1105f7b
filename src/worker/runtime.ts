/**
 * The engine side of the playground: holds the model, the dataset and the
 * runs, and answers the page's commands. It knows nothing of the worker
 * (engine.worker.ts wires it to postMessage), so tests drive it directly in
 * Node.
 */
import { errorMessage, InputFileError } from '../engine/errors';
import type { FetchFunction } from '../engine/io/url-source';
import type { EmitEvent } from './emitter';
import { loadModelFromSpec, summariseModel, type LoadedModel } from './model-host';
import type { BackendName, BackendPreference, WorkerCommand, WorkerCommandOf } from './protocol';

export interface BackendInfo {
  backend: BackendName;
  fallbackReasons: string[];
  adapterInfo: string | null;
}

export interface RuntimeOptions {
  /** Base URL of the app (bundled models and datasets are under it). */
  baseUrl: string;
  /** Chooses and initialises the tfjs backend. */
  initBackend: (preference: BackendPreference) => Promise<BackendInfo>;
  fetch?: FetchFunction;
}

export class PlaygroundRuntime {
  private loaded: LoadedModel | null = null;
  private backendReady: Promise<BackendInfo> | null = null;

  constructor(
    private readonly emit: EmitEvent,
    private readonly options: RuntimeOptions,
  ) {}

  /** Handles one command; failures become `error` events, never exceptions. */
  async handle(command: WorkerCommand): Promise<void> {
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
        return this.setBackend(command.preference, command.requestId);
      case 'loadModel':
        return this.loadModel(command);
      default:
        throw new Error(`the engine cannot handle "${command.type}" yet`);
    }
  }

  /** The backend, initialised on first use with the automatic choice. */
  private ensureBackend(): Promise<BackendInfo> {
    this.backendReady ??= this.initialise('auto', null);
    return this.backendReady;
  }

  private async setBackend(preference: BackendPreference, requestId: number): Promise<void> {
    this.backendReady = this.initialise(preference, requestId);
    await this.backendReady;
  }

  private async initialise(preference: BackendPreference, requestId: number | null): Promise<BackendInfo> {
    const info = await this.options.initBackend(preference);
    this.emit({ type: 'backend', requestId, ...info });
    return info;
  }

  private async loadModel(command: WorkerCommandOf<'loadModel'>): Promise<void> {
    await this.ensureBackend();
    const { requestId } = command;
    const loaded = await loadModelFromSpec(command.source, { baseUrl: this.options.baseUrl, fetch: this.options.fetch }, (file, loadedBytes, total) =>
      this.emit({ type: 'modelLoading', requestId, file, loaded: loadedBytes, total: total ?? null }),
    );
    this.loaded?.model.dispose();
    this.loaded = loaded;
    const hasTokenizer = await loaded.source.has('tokenizer.json');
    this.emit({ type: 'modelLoaded', requestId, summary: summariseModel(loaded, { hasTokenizer, notes: [] }) });
  }
}
