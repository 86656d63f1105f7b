/** How the runtime sends events: postMessage in the worker, a plain callback in tests. */
import type { WorkerEvent } from './protocol';

export type EmitEvent = (event: WorkerEvent, transfer?: Transferable[]) => void;
