import { describe, expect, it } from 'vitest';
import { EngineClient, EngineRequestError, type WorkerLike } from '../../../src/ui/engine/engine-client';
import type { WorkerCommand, WorkerEvent } from '../../../src/worker/protocol';

/** A worker double: records commands, delivers events when told. */
class FakeWorker implements WorkerLike {
  readonly sent: WorkerCommand[] = [];
  private onMessage: ((e: MessageEvent<WorkerEvent>) => void) | null = null;
  private onError: ((e: ErrorEvent) => void) | null = null;
  terminated = false;
  postMessage(message: WorkerCommand): void {
    this.sent.push(message);
  }
  addEventListener(type: 'message' | 'error', listener: (event: never) => void): void {
    if (type === 'message') this.onMessage = listener as (e: MessageEvent<WorkerEvent>) => void;
    else this.onError = listener as (e: ErrorEvent) => void;
  }
  terminate(): void {
    this.terminated = true;
  }
  deliver(event: WorkerEvent): void {
    this.onMessage!({ data: event } as MessageEvent<WorkerEvent>);
  }
  crash(message: string): void {
    this.onError!({ message } as ErrorEvent);
  }
}

function setup() {
  const worker = new FakeWorker();
  const events: WorkerEvent[] = [];
  const crashes: string[] = [];
  const client = new EngineClient(worker, (e) => events.push(e), (m) => crashes.push(m));
  return { worker, events, crashes, client };
}

describe('EngineClient', () => {
  it('numbers requests and resolves each with the reply carrying its id', async () => {
    const { worker, client } = setup();
    const first = client.request({ type: 'countTrainable', settings: { method: 'lora' } });
    const second = client.request({ type: 'countTrainable', settings: { method: 'wegeft' } });
    expect(worker.sent.map((c) => ('requestId' in c ? c.requestId : null))).toEqual([1, 2]);
    worker.deliver({ type: 'trainableCount', requestId: 2, count: 5, percent: 1, problems: [] });
    worker.deliver({ type: 'trainableCount', requestId: 1, count: 9, percent: 2, problems: [] });
    expect(await first).toMatchObject({ count: 9 });
    expect(await second).toMatchObject({ count: 5 });
  });

  it('progress events of a request do not resolve it; every event reaches the handler', async () => {
    const { worker, events, client } = setup();
    const reply = client.request({ type: 'loadModel', source: { kind: 'bundled', name: 'm' } });
    worker.deliver({ type: 'modelLoading', requestId: 1, file: 'model.safetensors', loaded: 10, total: 100 });
    let settled = false;
    reply.then(
      () => (settled = true),
      () => undefined,
    );
    await Promise.resolve();
    expect(settled).toBe(false);
    worker.deliver({ type: 'backend', requestId: null, backend: 'cpu', fallbackReasons: [], adapterInfo: null });
    worker.deliver({ type: 'error', requestId: 1, command: 'loadModel', message: 'm/config.json: not found', file: 'm/config.json' });
    await expect(reply).rejects.toThrow(EngineRequestError);
    await expect(reply).rejects.toMatchObject({ message: 'm/config.json: not found', file: 'm/config.json' });
    expect(events.map((e) => e.type)).toEqual(['modelLoading', 'backend', 'error']);
  });

  it('a worker crash rejects every pending request and reports it', async () => {
    const { worker, crashes, client } = setup();
    const reply = client.request({ type: 'generate', prompt: 'x', runIds: [], settings: { maxNewTokens: 1, temperature: 0, topK: 0, seed: 0 } });
    worker.crash('out of memory');
    await expect(reply).rejects.toThrow('out of memory');
    expect(crashes).toEqual(['out of memory']);
  });

  it('sends commands without a reply as they are', () => {
    const { worker, client } = setup();
    client.send({ type: 'startRun', runId: 'run-1' });
    expect(worker.sent).toEqual([{ type: 'startRun', runId: 'run-1' }]);
  });
});
