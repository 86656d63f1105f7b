/**
 * The page's side of the worker boundary: sends commands, routes every event
 * to the store (engine-events.ts), and resolves the promise of a command
 * that expects a reply when the reply (or an error with its id) arrives.
 */
import type { WorkerCommand, WorkerEvent } from '../../worker/protocol';

/** Commands that carry a request id, without it (the client assigns one). */
type RequestCommand = Extract<WorkerCommand, { requestId: number }>;
type WithoutId<C> = C extends unknown ? Omit<C, 'requestId'> : never;
export type RequestOf = WithoutId<RequestCommand>;

/** What a worker looks like to the client (a real Worker, or a test double). */
export interface WorkerLike {
  postMessage(message: WorkerCommand): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<WorkerEvent>) => void): void;
  addEventListener(type: 'error', listener: (event: ErrorEvent) => void): void;
  terminate(): void;
}

/** A reply that is the `error` event for a request. */
export class EngineRequestError extends Error {
  override readonly name = 'EngineRequestError';
  constructor(
    message: string,
    readonly file: string | null,
  ) {
    super(message);
  }
}

/** Events that report a request's progress; its answer comes later. */
const PROGRESS_EVENTS: ReadonlySet<WorkerEvent['type']> = new Set(['modelLoading', 'analysisProgress', 'folderProgress', 'generationText']);

export class EngineClient {
  private nextRequestId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (event: WorkerEvent) => void; reject: (error: Error) => void; onProgress?: (event: WorkerEvent) => void }
  >();

  constructor(
    private readonly worker: WorkerLike,
    private readonly onEvent: (event: WorkerEvent) => void,
    onCrash: (message: string) => void,
  ) {
    worker.addEventListener('message', (message) => this.receive(message.data));
    worker.addEventListener('error', (event) => {
      const message = event.message || 'the engine worker stopped unexpectedly';
      for (const { reject } of this.pending.values()) reject(new EngineRequestError(message, null));
      this.pending.clear();
      onCrash(message);
    });
  }

  /** Sends a command that has no reply. */
  send(command: Exclude<WorkerCommand, RequestCommand>): void {
    this.worker.postMessage(command);
  }

  /**
   * Sends a command and resolves with its reply event (every event is also
   * routed to onEvent). Progress events of the request (PROGRESS_EVENTS) go
   * to `onProgress` and do not answer it.
   */
  request(command: RequestOf, onProgress?: (event: WorkerEvent) => void): Promise<WorkerEvent> {
    const requestId = this.nextRequestId++;
    return new Promise((resolve, reject) => {
      this.pending.set(requestId, { resolve, reject, onProgress });
      this.worker.postMessage({ ...command, requestId } as WorkerCommand);
    });
  }

  terminate(): void {
    this.worker.terminate();
  }

  private receive(event: WorkerEvent): void {
    this.onEvent(event);
    const requestId = 'requestId' in event ? event.requestId : null;
    if (requestId === null) return;
    const waiting = this.pending.get(requestId);
    if (!waiting) return;
    if (PROGRESS_EVENTS.has(event.type)) {
      waiting.onProgress?.(event);
      return;
    }
    this.pending.delete(requestId);
    if (event.type === 'error') waiting.reject(new EngineRequestError(event.message, event.file));
    else waiting.resolve(event);
  }
}
