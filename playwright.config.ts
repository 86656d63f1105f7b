import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, chromiumExecutablePath } from './scripts/lib/chromium';

/**
 * End-to-end tests in the system's Chromium (never a downloaded browser),
 * with WebGPU on SwiftShader, against the built app as `npm start` serves it.
 */
// E2E_PORT and E2E_DIST let several checkouts (or developers) run the suite
// at once on one machine without sharing a server or a build folder.
const PORT = Number(process.env.E2E_PORT ?? 5173);
const DIST = process.env.E2E_DIST ?? 'dist';

export default defineConfig({
  testDir: 'e2e',
  // Only the suite's specs: e2e/*.measure.ts need files outside the repo (playwright.measure.config.ts).
  testMatch: '**/*.spec.ts',
  outputDir: process.env.E2E_RESULTS ?? 'test-results',
  // SwiftShader WebGPU is slow: training a few steps takes seconds to minutes.
  timeout: 300_000,
  expect: { timeout: 60_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: process.env.CI ? [['list'], ['html', { open: 'never' }]] : 'list',
  use: {
    baseURL: `http://localhost:${PORT}`,
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
    command: `npx vite build --outDir ${DIST} && npx vite preview --outDir ${DIST} --port ${PORT} --strictPort`,
    url: `http://localhost:${PORT}`,
    reuseExistingServer: !process.env.CI,
    timeout: 180_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
