import { existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// WebGPU tests run on Dawn + SwiftShader from Debian's chromium package. The
// dynamic linker reads LD_LIBRARY_PATH only at process start, so it is set
// here, in the main process, before vitest forks the test processes.
const CHROMIUM_LIBS = '/usr/lib/chromium';
if (existsSync(`${CHROMIUM_LIBS}/vk_swiftshader_icd.json`) && !process.env.VK_ICD_FILENAMES) {
  process.env.LD_LIBRARY_PATH = [CHROMIUM_LIBS, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  process.env.VK_ICD_FILENAMES = `${CHROMIUM_LIBS}/vk_swiftshader_icd.json`;
  process.env.WEGEFT_WEBGPU_ENV = '1';
}

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // tfjs keeps one global engine per process: each test file gets its own.
    pool: 'forks',
    isolate: true,
  },
});
