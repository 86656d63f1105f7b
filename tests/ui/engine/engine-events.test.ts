import { describe, expect, it } from 'vitest';
import { applyEngineEvent } from '../../../src/ui/engine/engine-events';
import { createPlaygroundStore } from '../../../src/ui/store';
import { formForMethod } from '../../../src/ui/schemas/run-form';

describe('worker events become store state', () => {
  it('backend, model progress and model summary', () => {
    const store = createPlaygroundStore();
    applyEngineEvent(store, { type: 'backend', requestId: null, backend: 'wasm', fallbackReasons: ['WebGPU: missing'], adapterInfo: null });
    expect(store.getState().backend).toMatchObject({ active: 'wasm', fallbackReasons: ['WebGPU: missing'], software: null, passedOverSoftware: [] });
    const passedOver = [{ backend: 'webgpu' as const, renderer: 'SwiftShader' }];
    applyEngineEvent(store, { type: 'backend', requestId: null, backend: 'wasm', fallbackReasons: ['WebGPU: software'], adapterInfo: null, passedOverSoftware: passedOver });
    expect(store.getState().backend).toMatchObject({ active: 'wasm', software: null, passedOverSoftware: passedOver });
    applyEngineEvent(store, { type: 'backend', requestId: 1, backend: 'webgpu', fallbackReasons: [], adapterInfo: 'google · swiftshader', software: 'SwiftShader' });
    expect(store.getState().backend).toMatchObject({ active: 'webgpu', software: 'SwiftShader', passedOverSoftware: [] });
    store.getState().modelLoading({ kind: 'bundled', name: 'm' });
    applyEngineEvent(store, { type: 'modelLoading', requestId: 1, file: 'model.safetensors', loaded: 5, total: 10 });
    expect(store.getState().model.progress).toEqual({ file: 'model.safetensors', loaded: 5, total: 10 });
  });

  it('a run’s status, progress, batched metrics, and its end', () => {
    const store = createPlaygroundStore();
    const id = store.getState().addRun(formForMethod('lora'));
    applyEngineEvent(store, { type: 'runStatus', runId: id, status: 'running', message: null });
    applyEngineEvent(store, { type: 'runProgress', runId: id, step: 2, totalSteps: 4, epoch: 0.1, elapsedMs: 20, etaMs: 20 });
    const point = { runId: id, step: 2, timeMs: 20, loss: 1.5, learningRate: 0.01, examplesPerSecond: 8, tokensPerSecond: null, memoryBytes: 64, numTensors: 3, validation: null };
    applyEngineEvent(store, { type: 'runMetrics', points: [{ ...point, step: 1 }, point] });
    applyEngineEvent(store, { type: 'runFinished', runId: id, finalEval: { kind: 'classifier', loss: 1, accuracy: 0.5 }, trainableParameters: 10 });
    const run = store.getState().runs[id];
    expect(run).toMatchObject({ status: 'finished', progress: { step: 2, totalSteps: 4 }, finalEval: { accuracy: 0.5 } });
    expect(store.getState().metrics[id].map((p) => p.step)).toEqual([1, 2]);
  });

  it('a failed run keeps its failure and the backend to retry on', () => {
    const store = createPlaygroundStore();
    const id = store.getState().addRun(formForMethod('wegeft'));
    applyEngineEvent(store, { type: 'runFailed', runId: id, kind: 'device-lost', message: 'The GPU device was lost', suggestedBackend: 'wasm' });
    expect(store.getState().runs[id]).toMatchObject({ status: 'failed', failure: { kind: 'device-lost', suggestedBackend: 'wasm' } });
  });

  it('an error with no request becomes a notice; a request’s error is left to its caller', () => {
    const store = createPlaygroundStore();
    applyEngineEvent(store, { type: 'error', requestId: null, command: 'startRun', message: 'no run "x"', file: null });
    applyEngineEvent(store, { type: 'error', requestId: 3, command: 'loadDataset', message: 'a.png: not a PNG', file: 'a.png' });
    expect(store.getState().notices.map((n) => n.text)).toEqual(['no run "x"']);
  });
});
