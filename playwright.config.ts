import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, chromiumExecutablePath } from './scripts/lib/chromium';

/**
 * End-to-end tests in the system's Chromium (never a downloaded browser),
 * with WebGPU on SwiftShader, against the built app as `npm start` serves it.
 */
export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  // SwiftShader WebGPU is slow: training a few steps takes seconds to minutes.
  timeout: 300_000,
  expect: { timeout: 60_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: process.env.CI ? [['list'], ['html', { open: 'never' }]] : 'list',
  use: {
    baseURL: 'http://localhost:5173',
    viewport: { width: 1440, height: 1000 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    acceptDownloads: true,
    launchOptions: {
      executablePath: chromiumExecutablePath(),
      args: [...CHROMIUM_ARGS],
    },
  },
  webServer: {
    // As `npm start`: build, then serve the build.
    command: 'npx vite build && npx vite preview --port 5173 --strictPort',
    url: 'http://localhost:5173',
    reuseExistingServer: !process.env.CI,
    timeout: 180_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
