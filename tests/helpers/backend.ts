/**
 * Backends for tests. Call in a `beforeAll`: `await useBackend('cpu')`.
 * WebGPU runs through Dawn on SwiftShader; vitest.config.ts puts Chromium's
 * Vulkan loader on LD_LIBRARY_PATH before the test processes start.
 */
import * as tf from '@tensorflow/tfjs';
import { setupNodeBackend, type NodeBackend } from '../../scripts/lib/node-backend';

export async function useBackend(backend: NodeBackend = 'cpu'): Promise<void> {
  if (tf.getBackend() === backend) return;
  await setupNodeBackend(backend);
}
