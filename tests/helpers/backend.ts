/**
 * Backends for tests. Call in a `beforeAll`: `await useBackend('cpu')`.
 * WebGPU runs through Dawn on SwiftShader; vitest.config.ts puts Chromium's
 * Vulkan loader on LD_LIBRARY_PATH before the test processes start.
 */
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { errorMessage } from '../../src/engine/errors';
import { setupNodeBackend, type NodeBackend } from '../../scripts/lib/node-backend';

/** Where vitest.config.ts finds SwiftShader (Debian's chromium package). */
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export async function useBackend(backend: NodeBackend = 'cpu'): Promise<void> {
  if (tf.getBackend() === backend) return;
  try {
    await setupNodeBackend(backend);
  } catch (error) {
    if (backend !== 'webgpu') throw error;
    // A WebGPU test fails (never skips) without a device, and says what to install.
    const found = existsSync(SWIFTSHADER_ICD) ? `${SWIFTSHADER_ICD} is there` : `${SWIFTSHADER_ICD} is missing`;
    throw new Error(
      `WebGPU tests need a Vulkan device: Chromium's SwiftShader here (install Chromium: apt-get install chromium), ` +
        `or a GPU driver (${found}; VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES ?? 'unset'}): ${errorMessage(error)}`,
    );
  }
}
